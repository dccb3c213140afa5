// Narrow-format warp MMA: FP8 in the sm_89 form, FP8/FP6/FP4 through
// .kind::f8f6f4 (Blackwell consumer parts: sm_120/sm_121), and int4.
// Inputs fit the accumulator budget (narrow_probes.hpp, docs/numerics.md):
// every partial sum of every output, in any order, needs at most 11
// significant bits, so the CPU reference must match exactly whether the
// tensor core accumulates in f32 or keeps only 13 mantissa bits (FP22, as
// reported for FP8 MMA on Ada and Hopper); the precision itself is measured
// by mma.precision.*, as a fact.
#include "probes.hpp"
#include "mma_layout.cuh"
#include "narrow_ptx.cuh"
#include "narrow_probes.hpp"
#include "sm121probe/probes/registration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>

namespace sm121probe::probe {

namespace narrow {

std::vector<variant> native_and_dequant(const std::vector<std::string>& options) {
  std::vector<std::string> dequant = options;
  dequant.push_back("-DSM121_DEQUANT=1");
  return {variant{"native", target_spec::native(), false, options},
          variant{"sm80-dequant", target_spec::native(), true, std::move(dequant)}};
}

unsigned random_code(lcg& rng, sm121::narrow_format f, float lo, float hi) {
  const unsigned n = 1u << sm121::info(f).bits;
  for (;;) {
    const unsigned code = rng.next() % n;
    if (sm121::is_nan_code(f, code) || sm121::is_inf_code(f, code)) continue;
    const float v = std::fabs(sm121::to_float(f, code));
    if (v == 0.0f || (v >= lo && v <= hi)) return code;
  }
}

unsigned grid_code(lcg& rng, sm121::narrow_format f, float q, int n_max) {
  for (;;) {
    const unsigned code = random_code(rng, f, q, q * static_cast<float>(n_max));
    const float units = std::fabs(sm121::to_float(f, code)) / q;
    if (units == std::trunc(units)) return code;
  }
}

std::string format_option(sm121::narrow_format f) {
  return fmt::format("-DSM121_FORMAT={}", static_cast<int>(f));
}

int accumulation_bits(const std::vector<double>& terms) {
  double sum = 0.0;
  int finest = 0;
  bool any = false;
  for (double t : terms) {
    if (t == 0.0) continue;
    int e = 0;
    const double m = std::frexp(std::fabs(t), &e);  // |t| = m * 2^e, m in [0.5, 1)
    const auto mant = static_cast<std::uint64_t>(std::ldexp(m, 53));
    const int lowest = e - 53 + std::countr_zero(mant);  // |t| is a multiple of 2^lowest, and odd in it
    finest = any ? std::min(finest, lowest) : lowest;
    any = true;
    sum += std::fabs(t);
  }
  if (!any) return 0;
  return static_cast<int>(std::bit_width(static_cast<std::uint64_t>(std::ldexp(sum, -finest))));
}

void fit_accumulator_budget(std::vector<std::uint8_t>& a, int m, int n, int k,
                            const std::function<std::vector<double>(int, int)>& terms) {
  for (bool changed = true; changed;) {
    changed = false;
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j)
        while (true) {
          const std::vector<double> t = terms(i, j);
          if (accumulation_bits(t) <= accumulator_budget_bits) break;
          int worst = 0;
          for (int kk = 1; kk < k; ++kk)
            if (std::fabs(t[static_cast<std::size_t>(kk) + 1]) > std::fabs(t[static_cast<std::size_t>(worst) + 1]))
              worst = kk;
          if (t[static_cast<std::size_t>(worst) + 1] == 0.0) break;  // C alone (never: |C| <= 8)
          a[static_cast<std::size_t>(i * k + worst)] = 0;
          changed = true;
        }
  }
}

}  // namespace narrow

namespace {

using sm121::narrow_format;

// The grid of the MMA inputs per format (zero is always allowed): every FP4
// value (multiples of 0.5 up to 6), and multiples of 0.25 up to 2 for FP6 and
// FP8 (1, 2 or 3 mantissa bits in use, four exponents). With 32 products per
// output this keeps the worst-order sum within the 11-bit accumulator budget
// before any repair (docs/numerics.md).
struct grid {
  float q;
  int n_max;
};
grid mma_grid(narrow_format f) {
  if (f == narrow_format::e2m1) return {0.5f, 12};
  return {0.25f, 8};
}

// The instruction texts of kernels/mma_narrow.cu (same macros, same strings).
const char* f8f6f4_ptx(narrow_format f) {
  switch (f) {
    case narrow_format::e2m1: return SM121_PTX_MMA_F8F6F4("e2m1", "e2m1");
    case narrow_format::e3m2: return SM121_PTX_MMA_F8F6F4("e3m2", "e3m2");
    case narrow_format::e2m3: return SM121_PTX_MMA_F8F6F4("e2m3", "e2m3");
    case narrow_format::e4m3: return SM121_PTX_MMA_F8F6F4("e4m3", "e4m3");
    case narrow_format::e5m2: return SM121_PTX_MMA_F8F6F4("e5m2", "e5m2");
    default: return "";
  }
}
const char* fp8_ptx(narrow_format f) {
  return f == narrow_format::e5m2 ? SM121_PTX_MMA_FP8("e5m2") : SM121_PTX_MMA_FP8("e4m3");
}

// D = A*B + C for a 16x32 by 32x8 tile of codes, f32 C and D.
probe make_narrow_mma(narrow_format f, bool kind_f8f6f4, std::uint64_t seed) {
  const std::string t = sm121::ptx_type(f);
  probe p;
  p.category = "mma";
  p.kernel = "kernels/mma_narrow.cu";
  std::vector<std::string> opts{narrow::format_option(f)};
  if (kind_f8f6f4) opts.push_back("-DSM121_KIND_F8F6F4=1");
  p.variants = narrow::native_and_dequant(opts);
  p.see_also = {"mma.f16"};
  if (kind_f8f6f4) {
    p.id = "mma.f8f6f4." + t;
    const bool fp4 = f == narrow_format::e2m1;
    const bool fp8 = f == narrow_format::e4m3 || f == narrow_format::e5m2;
    p.description = fmt::format("Warp MMA m16n8k32 .kind::f8f6f4 {} x {} -> f32 ({}; sm_120a/f, sm_121a/f)", t, t,
                                fp4 ? "FP4" : fp8 ? "FP8" : "FP6");
    p.details = fmt::format(
        "The Blackwell consumer-GPU form of narrow-precision tensor math: {} operands, one byte per element{}, "
        "through mma.sync .kind::f8f6f4 (QMMA). This is the instruction behind native {} GEMMs on DGX Spark; it "
        "exists only for the family or arch-specific targets (sm_121f / sm_121a), so builds for plain sm_120 or "
        "sm_121 cannot use it. The sm80-dequant fallback decodes the values in registers and multiplies in f16 "
        "(HMMA), which is what frameworks do where the instruction is missing, at a fraction of the speed.",
        t, fp4 ? " with the 4-bit value in the middle bits of its byte" : fp8 ? "" : " with the value in the low six bits",
        fp4 ? "FP4" : fp8 ? "FP8" : "FP6");
    p.sass_checks = {{"QMMA", f8f6f4_ptx(f), SM121_OPS_MMA_F32}};
    // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121: .kind::f8f6f4 exists on sm_120a/f and
    // sm_121a/f only; with FP8 operands it also compiles for sm_100a/f, where ptxas emulates it.
    p.expected = {{"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"},
                  f == narrow_format::e4m3 ? "sass-footprint" : "ptx-mma-narrow"};
  } else {
    p.id = "mma.fp8." + t;
    p.description = fmt::format("Warp MMA m16n8k32 {} x {} -> f32 (FP8, the sm_89+ form; QMMA)", t, t);
    p.details = fmt::format(
        "FP8 ({}) inference and training kernels issue this mma.sync form on Ada and on Blackwell consumer GPUs. "
        "It compiles for every target from sm_89 on, but on sm_90 and sm_100 ptxas replaces it with conversions "
        "to f16 plus f16 MMAs, so only the SASS shows whether FP8 runs on FP8 hardware; on sm_121 it is a single "
        "QMMA. The sm80-dequant fallback decodes FP8 to f16 in registers (the path for GPUs without FP8).",
        t);
    p.sass_checks = {{"QMMA", fp8_ptx(f), SM121_OPS_MMA_F32}};
    // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121: FP8 mma.sync exists from sm_89;
    // ptxas emulates it on sm_90 and sm_100 (conversions + f16 MMA).
    p.expected = {{"fallback", "fallback", "native", "fallback", "fallback", "native", "native"}, "sass-footprint"};
  }
  p.make_case = [f, seed](const exec_facts&) {
    const grid g = mma_grid(f);
    lcg rng(seed);
    std::vector<std::uint8_t> a(16 * 32), bm(32 * 8);
    for (auto& x : a) x = static_cast<std::uint8_t>(narrow::grid_code(rng, f, g.q, g.n_max));
    for (auto& x : bm) x = static_cast<std::uint8_t>(narrow::grid_code(rng, f, g.q, g.n_max));
    std::vector<float> c(16 * 8);
    for (auto& x : c) x = static_cast<float>(rng.uniform(-8, 8));
    narrow::fit_accumulator_budget(a, 16, 8, 32, [&](int i, int j) {
      std::vector<double> terms{c[static_cast<std::size_t>(i * 8 + j)]};
      for (int k = 0; k < 32; ++k)
        terms.push_back(static_cast<double>(sm121::to_float(f, a[static_cast<std::size_t>(i * 32 + k)])) *
                    sm121::to_float(f, bm[static_cast<std::size_t>(k * 8 + j)]));
      return terms;
    });
    test_case tc;
    tc.launch.block = {32, 1, 1};
    tc.buffers = {{"A", to_bytes(a)}, {"B", to_bytes(bm)}, {"C", to_bytes(c)},
                  {"D", poisoned(c.size() * sizeof(float))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1), kernel_arg::buffer(2), kernel_arg::buffer(3)};
    return tc;
  };
  p.reference = [f](const test_case& tc) {
    const auto a = from_bytes<std::uint8_t>(tc.buffers[0].init);
    const auto b = from_bytes<std::uint8_t>(tc.buffers[1].init);
    const auto c = from_bytes<float>(tc.buffers[2].init);
    expectation e;
    e.buffer_index = 3;
    e.type = elem_type::f32;
    e.values.resize(16 * 8);
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 8; ++j) {
        double sum = c[static_cast<std::size_t>(i * 8 + j)];
        for (int k = 0; k < 32; ++k)
          sum += static_cast<double>(sm121::to_float(f, a[static_cast<std::size_t>(i * 32 + k)])) *
                 sm121::to_float(f, b[static_cast<std::size_t>(k * 8 + j)]);
        e.values[static_cast<std::size_t>(i * 8 + j)] = sum;
      }
    e.tol = {0.0, 0.0};  // exact within the accumulator budget
    return std::vector<expectation>{e};
  };
  return p;
}

}  // namespace

static probe make_mma_fp8(narrow_format f) { return make_narrow_mma(f, false, 300 + static_cast<std::uint64_t>(f)); }

static probe make_mma_f8f6f4(narrow_format f) { return make_narrow_mma(f, true, 310 + static_cast<std::uint64_t>(f)); }

static probe make_mma_s4() {
  probe p;
  p.id = "mma.s4";
  p.category = "mma";
  p.description = "Warp MMA m8n8k32 s4 x s4 -> s32 (int4; ptxas emulates it on sm_90 and later)";
  p.details =
      "int4 tensor math (m8n8k32, IMMA.S4 on Ampere and Ada) is what 4-bit integer quantisation kernels of the "
      "Ampere era use. It still compiles for every newer target, but from sm_90 on ptxas expands it into two s8 "
      "IMMAs plus dozens of integer instructions (a called subroutine): the result can be right while the int4 "
      "tensor instruction is not used, and the SASS check reports it as emulated on DGX Spark. The sm80-ptx variant is the same code as "
      "compute_80 PTX for the driver's JIT.";
  p.kernel = "kernels/mma_s4.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"native", "native", "native", "fallback", "fallback", "fallback", "fallback"}, "sass-footprint"};
  p.variants = native_and_sm80_ptx();
  p.see_also = {"mma.s8"};
  p.sass_checks = {{"IMMA", SM121_PTX_MMA_S4, SM121_OPS_MMA_S4}};
  p.make_case = [](const exec_facts&) {
    lcg rng(320);
    std::vector<std::uint8_t> a(8 * 32), b(32 * 8);
    for (auto& x : a) x = static_cast<std::uint8_t>(rng.uniform(-8, 7) & 0xf);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng.uniform(-8, 7) & 0xf);
    std::vector<std::int32_t> c(8 * 8);
    for (auto& x : c) x = rng.uniform(-1000, 1000);
    test_case tc;
    tc.buffers = {{"A", to_bytes(a)}, {"B", to_bytes(b)}, {"C", to_bytes(c)},
                  {"D", poisoned(c.size() * sizeof(std::int32_t))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1), kernel_arg::buffer(2), kernel_arg::buffer(3)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const auto a = from_bytes<std::uint8_t>(tc.buffers[0].init);
    const auto b = from_bytes<std::uint8_t>(tc.buffers[1].init);
    const auto c = from_bytes<std::int32_t>(tc.buffers[2].init);
    const auto s4 = [](std::uint8_t v) { return (v & 0x8) ? static_cast<int>(v & 0xf) - 16 : static_cast<int>(v & 0xf); };
    expectation e;
    e.buffer_index = 3;
    e.type = elem_type::s32;
    e.values.resize(64);
    for (int i = 0; i < 8; ++i)
      for (int j = 0; j < 8; ++j) {
        std::int64_t sum = c[static_cast<std::size_t>(i * 8 + j)];
        for (int k = 0; k < 32; ++k)
          sum += s4(a[static_cast<std::size_t>(i * 32 + k)]) * s4(b[static_cast<std::size_t>(k * 8 + j)]);
        e.values[static_cast<std::size_t>(i * 8 + j)] = static_cast<double>(sum);
      }
    return std::vector<expectation>{e};
  };
  return p;
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(400, [] { return make_mma_fp8(narrow_format::e4m3); });
SM121PROBE_FAMILY(401, [] { return make_mma_fp8(narrow_format::e5m2); });
SM121PROBE_FAMILY(402, [] { return make_mma_f8f6f4(narrow_format::e2m1); });
SM121PROBE_FAMILY(403, [] { return make_mma_f8f6f4(narrow_format::e3m2); });
SM121PROBE_FAMILY(404, [] { return make_mma_f8f6f4(narrow_format::e2m3); });
SM121PROBE_FAMILY(405, [] { return make_mma_f8f6f4(narrow_format::e4m3); });
SM121PROBE_FAMILY(420, make_mma_s4);

}  // namespace sm121probe::probe
