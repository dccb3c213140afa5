// mma.precision.fp8 and mma.precision.fp4: how many mantissa bits the tensor
// core's accumulator keeps, and whether it rounds or truncates, measured as a
// fact (docs/numerics.md). FP8 MMA accumulation has been reported to keep
// about 13 mantissa bits on Ada (FP22) and about 14 on H800; GB10's is
// unmeasured. One warp computes D = C + A*B where A has a single 1 per row
// (column 0) and B's row 0 holds p_j = +-1, +-1.5: output (i, j) is
// C_ij + p_j with C_ij = +-2^(8+i), so row i asks whether a sum needing 9+i
// or 10+i significant bits comes out exact. The verdict only says the
// instruction ran and gave a sane result (every sum of up to 10 significant
// bits exact); the precision itself is a note of the report.
//
// Kernels: mma_narrow.cu (the sm_89 FP8 form, e4m3) and mma_block_scaled.cu
// (NVFP4, all scales 1, filler 1 so the selectors do not matter).
#include "probes.hpp"
#include "narrow_probes.hpp"
#include "sm121probe/probe/program.hpp"
#include "sm121probe/probes/registration.hpp"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <cstdint>

namespace sm121probe::probe {

namespace {

using sm121::narrow_format;

constexpr int first_exponent = 8;  // row i: C = +-2^(8 + i)
constexpr double products[8] = {1.0, 1.5, -1.0, -1.5, 1.0, 1.5, -1.0, -1.5};

double c_value(int i, int j) { return (j < 4 ? 1.0 : -1.0) * std::ldexp(1.0, first_exponent + i); }

int significant_bits(double x) {
  if (x == 0.0) return 0;
  int e = 0;
  auto m = static_cast<std::uint64_t>(std::ldexp(std::fabs(std::frexp(x, &e)), 53));
  m >>= std::countr_zero(m);
  return static_cast<int>(std::bit_width(m));
}

// x to `bits` significant bits: toward zero, or to nearest (ties to even).
double to_bits(double x, int bits, bool nearest) {
  if (x == 0.0) return x;
  int e = 0;
  const double m = std::ldexp(std::frexp(x, &e), bits);
  return std::ldexp(nearest ? std::nearbyint(m) : std::trunc(m), e - bits);
}

}  // namespace

namespace narrow {

std::string describe_accumulator(const std::vector<double>& got, bool& sane) {
  int kept = 24;  // f32: at most 24 significant bits can be observed
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) {
      const double exact = c_value(i, j) + products[j];
      if (got[static_cast<std::size_t>(i * 8 + j)] != exact) kept = std::min(kept, significant_bits(exact) - 1);
    }
  sane = kept >= 10;
  if (!sane)
    return fmt::format("the accumulator lost a sum of {} significant bits: not a usable f32 accumulation", kept + 1);
  int trunc_only = 0, nearest_only = 0, other = 0;
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) {
      const double exact = c_value(i, j) + products[j], g = got[static_cast<std::size_t>(i * 8 + j)];
      if (g == exact) continue;
      const bool t = g == to_bits(exact, kept, false), n = g == to_bits(exact, kept, true);
      trunc_only += t && !n;
      nearest_only += n && !t;
      other += !t && !n;
    }
  std::string mode = "every sum exact";
  if (other > 0)
    mode = fmt::format("{} result(s) neither truncated nor rounded to {} bits", other, kept);
  else if (trunc_only > 0 && nearest_only == 0)
    mode = "beyond that the sum is truncated toward zero";
  else if (nearest_only > 0 && trunc_only == 0)
    mode = "beyond that the sum is rounded to nearest";
  else if (trunc_only > 0)
    mode = "beyond that some sums are truncated and some rounded";
  else if (kept < 24)
    mode = "beyond that only ties were seen (truncation and rounding agree)";
  return fmt::format("accumulator precision: {} mantissa bits kept ({} significant) in C + A*B{}; {}", kept - 1, kept,
                     kept >= 24 ? " (f32)" : "", mode);
}

}  // namespace narrow

namespace {

void precision_program(session& s, const test_case& tc, const probe& p) {
  if (!s.load(tc.entry)) return;
  std::vector<placed_buffer> placed;
  const bool launched = s.stage(report::stage_kind::launch, [&]() -> stage_outcome {
    if (stage_outcome o = place_all(s, tc, placed); !o.ok) return o;
    param_block params(tc, placed);
    return launch_and_wait(s, tc.launch, params.data());
  });
  if (!launched) return;
  s.stage(report::stage_kind::verify, [&]() -> stage_outcome {
    const std::size_t out = p.reference(tc).at(0).buffer_index;
    std::vector<std::byte> bytes;
    if (const CUresult r = s.read_back(placed.at(out), bytes); r != CUDA_SUCCESS)
      return stage_outcome::failure(s.name(r), "copying the results back failed");
    std::vector<double> got(16 * 8);
    for (std::size_t i = 0; i < got.size(); ++i) got[i] = read_element(bytes, elem_type::f32, i);
    bool sane = false;
    std::string fact = narrow::describe_accumulator(got, sane);
    note(s, fact);
    if (!sane) return stage_outcome::failure("mismatch", fact);
    return stage_outcome::success(fact);
  });
}

probe make_precision(bool fp4) {
  probe p;
  p.id = fp4 ? "mma.precision.fp4" : "mma.precision.fp8";
  p.category = "mma";
  p.description = fp4 ? "Measures the NVFP4 (mxf4nvf4) MMA accumulator: mantissa bits kept, truncation or rounding"
                      : "Measures the FP8 (e4m3) MMA accumulator: mantissa bits kept, truncation or rounding";
  p.details = fmt::format(
      "A fact, not a pass/fail: one {} MMA adds +-1 and +-1.5 to accumulators of +-2^8 ... +-2^23 and the report "
      "notes how many mantissa bits survive and whether the rest is truncated or rounded. FP8 tensor-core "
      "accumulation has been reported to keep about 13-14 mantissa bits (FP22 on Ada, about 14 on H800), which "
      "is why the other narrow-format probes keep every sum within 11 significant bits; long FP8/FP4 reductions "
      "need their partial sums promoted to f32 when the accumulator is that narrow. The verdict is native when "
      "the instruction ran and every sum of up to 10 significant bits came out exact. Only a run answers it.",
      fp4 ? "NVFP4 (kind::mxf4nvf4, scales 1)" : "FP8 e4m3 (the sm_89 mma.sync form)");
  p.kernel = fp4 ? "kernels/mma_block_scaled.cu" : "kernels/mma_narrow.cu";
  p.variants = native_only();
  p.variants[0].options = fp4 ? std::vector<std::string>{"-DSM121_BS_KIND=2"}
                              : std::vector<std::string>{narrow::format_option(narrow_format::e4m3)};
  p.program = precision_program;
  p.runtime_only = true;
  p.runtime_question = fp4 ? "how many mantissa bits the NVFP4 MMA accumulator keeps, and whether it truncates"
                           : "how many mantissa bits the FP8 MMA accumulator keeps, and whether it truncates";
  p.see_also = {fp4 ? "mma.nvf4" : "mma.fp8.e4m3"};
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why: the
  // instruction must exist (FP8 mma.sync from sm_89, NVFP4 on sm_120/121 only); precision is a note.
  p.expected = fp4 ? expected_verdicts{{"failing", "failing", "failing", "failing", "failing", "native", "native"},
                                       "ptx-block-scale"}
                   : expected_verdicts{{"failing", "failing", "native", "native", "native", "native", "native"},
                                       "ptx-mma-narrow"};
  p.make_case = [fp4](const exec_facts&) {
    const int k = fp4 ? 64 : 32;
    const narrow_format f = fp4 ? narrow_format::e2m1 : narrow_format::e4m3;
    std::vector<std::uint8_t> a(static_cast<std::size_t>(16 * k), 0), b(static_cast<std::size_t>(k * 8), 0);
    for (int i = 0; i < 16; ++i) a[static_cast<std::size_t>(i * k)] = static_cast<std::uint8_t>(sm121::from_float(f, 1.0f));
    for (int j = 0; j < 8; ++j)
      b[static_cast<std::size_t>(j)] = static_cast<std::uint8_t>(sm121::from_float(f, static_cast<float>(products[j])));
    std::vector<float> c(16 * 8);
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 8; ++j) c[static_cast<std::size_t>(i * 8 + j)] = static_cast<float>(c_value(i, j));
    test_case tc;
    if (fp4) {
      const auto one = static_cast<std::uint8_t>(sm121::from_float(narrow_format::ue4m3, 1.0f));
      const std::vector<std::uint8_t> sfa(16 * 4, one), sfb(4 * 8, one);
      tc.buffers = {{"A", to_bytes(a)},     {"B", to_bytes(b)}, {"scale_A", to_bytes(sfa)},
                    {"scale_B", to_bytes(sfb)}, {"C", to_bytes(c)}, {"D", poisoned(c.size() * sizeof(float))}};
      tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1), kernel_arg::buffer(2),        kernel_arg::buffer(3),
                 kernel_arg::buffer(4), kernel_arg::buffer(5), kernel_arg::scalar<unsigned>(one)};
    } else {
      tc.buffers = {{"A", to_bytes(a)}, {"B", to_bytes(b)}, {"C", to_bytes(c)}, {"D", poisoned(c.size() * sizeof(float))}};
      tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1), kernel_arg::buffer(2), kernel_arg::buffer(3)};
    }
    return tc;
  };
  p.reference = [fp4](const test_case&) {
    // The exact sums; the program judges them with describe_accumulator, not tolerance.
    expectation e;
    e.buffer_index = fp4 ? 5 : 3;
    e.type = elem_type::f32;
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 8; ++j) e.values.push_back(c_value(i, j) + products[j]);
    e.tol = {0.0, 0x1p-10};  // what the program requires at least: 10 significant bits
    return std::vector<expectation>{e};
  };
  return p;
}

}  // namespace

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(406, [] { return make_precision(false); });
SM121PROBE_FAMILY(416, [] { return make_precision(true); });

}  // namespace sm121probe::probe
