// Numerics that survive real tensor cores (issue 10, docs/numerics.md).
//
// FP8 tensor-core accumulation has been reported to keep about 13 mantissa
// bits (FP22), not f32's 23. The narrow-format MMA probes compare exactly, so
// their inputs must make every output exact for such an accumulator too. These
// tests check that with a simulated device whose accumulator truncates every
// partial sum to 13 mantissa bits, and check that the comparison still sees a
// single wrong code or scale. The device is a "kernel" of the driver double
// that reads the probe's buffers as placed in (fake) device memory and
// computes D from the PTX ISA semantics written here: row-major A (M x K) and
// B (K x N), scale chunks of K / V elements; nothing is taken from the
// probes' CPU references.
#include "support/fake_driver.hpp"
#include "support/report_lookup.hpp"
#include "support/toolchain.hpp"
#include "narrow_formats.cuh"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/probe/runner.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

namespace sm121probe {
namespace {

using report::verdict;
using sm121::narrow_format;
using testing::fake_driver;
using testing::find;
using testing::tools;

int option_value(const probe::variant& v, const std::string& name, int fallback) {
  for (const auto& o : v.options)
    if (o.starts_with("-D" + name + "=")) return std::stoi(o.substr(name.size() + 3));
  return fallback;
}

// The operand shape of a dense narrow MMA probe, from its kernel options.
struct mma_shape {
  bool scaled = false;
  int k = 32, vec = 1;
  narrow_format a = narrow_format::e4m3, b = narrow_format::e4m3, sf = narrow_format::ue8m0;
};

bool is_dense_narrow_mma(const probe::probe& p) {
  if (p.id.starts_with("mma.precision.")) return false;  // measures the accumulator instead
  return p.kernel == "kernels/mma_narrow.cu" || p.kernel == "kernels/mma_block_scaled.cu";
}

mma_shape shape_of(const probe::probe& p) {
  mma_shape s;
  if (p.kernel == "kernels/mma_narrow.cu") {
    s.a = s.b = static_cast<narrow_format>(option_value(p.variants.at(0), "SM121_FORMAT", -1));
    return s;
  }
  s.scaled = true;
  switch (option_value(p.variants.at(0), "SM121_BS_KIND", -1)) {
    case 0: s = {true, 32, 1, narrow_format::e4m3, narrow_format::e2m1, narrow_format::ue8m0}; break;
    case 1: s = {true, 64, 2, narrow_format::e2m1, narrow_format::e2m1, narrow_format::ue8m0}; break;
    default: s = {true, 64, 4, narrow_format::e2m1, narrow_format::e2m1, narrow_format::ue4m3}; break;
  }
  return s;
}

// The inputs as bytes: A, B, [scale_A, scale_B,] C.
struct mma_inputs {
  std::vector<std::uint8_t> A, B, SFA, SFB;
  std::vector<float> C;
};

template <typename T>
std::vector<T> as(const std::vector<std::byte>& b) {
  std::vector<T> out(b.size() / sizeof(T));
  std::memcpy(out.data(), b.data(), out.size() * sizeof(T));
  return out;
}

mma_inputs inputs_from(const mma_shape& s, const std::vector<const std::vector<std::byte>*>& bufs) {
  mma_inputs in;
  in.A = as<std::uint8_t>(*bufs.at(0));
  in.B = as<std::uint8_t>(*bufs.at(1));
  if (s.scaled) {
    in.SFA = as<std::uint8_t>(*bufs.at(2));
    in.SFB = as<std::uint8_t>(*bufs.at(3));
    in.C = as<float>(*bufs.at(4));
  } else {
    in.C = as<float>(*bufs.at(2));
  }
  return in;
}

// How the simulated tensor core decodes an element (a hook for the faults).
struct decoder {
  std::function<double(narrow_format, unsigned code, int row, int k)> a;
  std::function<double(narrow_format, unsigned code, int chunk, int col)> sfb;
  int sfa_row_offset = 0;  // a device that reads scale_A of row (m + offset) % 16 for row m
};

decoder exact_decoder() {
  return {[](narrow_format f, unsigned c, int, int) { return static_cast<double>(sm121::to_float(f, c)); },
          [](narrow_format f, unsigned c, int, int) { return static_cast<double>(sm121::to_float(f, c)); }};
}

// Term list of output (i, j): C first, then the product of every k.
std::vector<double> terms(const mma_shape& s, const mma_inputs& in, int i, int j, const decoder& dec) {
  std::vector<double> t{in.C.at(static_cast<std::size_t>(i * 8 + j))};
  const int chunk = s.k / s.vec;
  for (int k = 0; k < s.k; ++k) {
    double v = dec.a(s.a, in.A.at(static_cast<std::size_t>(i * s.k + k)), i, k) *
               sm121::to_float(s.b, in.B.at(static_cast<std::size_t>(k * 8 + j)));
    if (s.scaled)
      v *= sm121::to_float(s.sf, in.SFA.at(static_cast<std::size_t>(((i + dec.sfa_row_offset) % 16) * s.vec + k / chunk))) *
           dec.sfb(s.sf, in.SFB.at(static_cast<std::size_t>((k / chunk) * 8 + j)), k / chunk, j);
    t.push_back(v);
  }
  return t;
}

// Keeps `mantissa_bits` bits after the leading one, rounding toward zero (an
// FP22-style accumulator keeps 13).
double truncate_to(double x, int mantissa_bits) {
  if (x == 0.0 || !std::isfinite(x)) return x;
  int e = 0;
  const double m = std::frexp(x, &e);  // x = m * 2^e, |m| in [0.5, 1)
  return std::ldexp(std::trunc(std::ldexp(m, mantissa_bits + 1)), e - mantissa_bits - 1);
}

// Significant bits of the worst-order accumulation: bit width of sum|t| / q,
// q the finest power of two dividing every term (written independently of
// src/probes/narrow_probes.hpp).
int worst_order_bits(const std::vector<double>& t) {
  int q = 1 << 30;
  double sum = 0.0;
  for (double v : t) {
    if (v == 0.0) continue;
    sum += std::fabs(v);
    int e = 0;
    while (std::ldexp(v, -e) != std::trunc(std::ldexp(v, -e))) --e;  // v / 2^e integral
    while (std::ldexp(v, -(e + 1)) == std::trunc(std::ldexp(v, -(e + 1)))) ++e;
    q = std::min(q, e);
  }
  if (sum == 0.0) return 0;
  return static_cast<int>(std::bit_width(static_cast<std::uint64_t>(std::ldexp(sum, -q))));
}

TEST(NarrowNumerics, TruncationHelperLosesTheLowBits) {
  EXPECT_EQ(truncate_to(std::ldexp(1.0, 20) + 1.0, 13), std::ldexp(1.0, 20));
  EXPECT_EQ(truncate_to(std::ldexp(1.0, 13) + 1.0, 13), std::ldexp(1.0, 13) + 1.0);
  EXPECT_EQ(truncate_to(-(std::ldexp(1.0, 14) + 1.0), 13), -std::ldexp(1.0, 14));
  EXPECT_EQ(worst_order_bits({1.0, 0.5, -0.25}), 3);  // 1.75 / 0.25 = 7
  EXPECT_EQ(worst_order_bits({1024.0, 1.0}), 11);
  EXPECT_EQ(worst_order_bits({2048.0, 1.0}), 12);
}

// Every output of every dense narrow MMA probe fits in 11 significant bits in
// every order, and the inputs stay varied (most A codes non-zero).
TEST(NarrowNumerics, EveryOutputNeedsAtMostElevenBits) {
  int checked = 0;
  for (const auto& p : cli::builtin_catalogue().probes) {
    if (!is_dense_narrow_mma(p)) continue;
    const mma_shape s = shape_of(p);
    const probe::test_case tc = p.make_case({{12, 1}, nullptr});
    std::vector<const std::vector<std::byte>*> bufs;
    for (const auto& b : tc.buffers) bufs.push_back(&b.init);
    const mma_inputs in = inputs_from(s, bufs);
    int worst = 0;
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 8; ++j) worst = std::max(worst, worst_order_bits(terms(s, in, i, j, exact_decoder())));
    EXPECT_LE(worst, 11) << p.id;
    const auto zeros = std::count(in.A.begin(), in.A.end(), std::uint8_t{0});
    EXPECT_LE(zeros * 2, static_cast<long>(in.A.size())) << p.id << ": most of A must stay non-zero";
    ++checked;
  }
  EXPECT_GE(checked, 9) << "mma.fp8.*, mma.f8f6f4.*, mma.mxf8f6f4, mma.mxf4, mma.nvf4";
}

// A device whose tensor core accumulates with `mantissa_bits` (in k order, then
// again in reverse order for odd columns), with a decoder that may be faulty.
class simulated_tensor_core final : public probe::device_executor {
 public:
  simulated_tensor_core(fake_driver& d, int bits, decoder dec_) : drv(d), inner(&d), mantissa_bits(bits), dec(std::move(dec_)) {}
  cuda::driver_query query(int ordinal) override { return inner.query(ordinal); }
  void execute(const probe::device_attempt& a, report::attempt_result& out) override {
    const mma_shape s = shape_of(*a.spec);
    drv.on_launch = [this, s](fake_driver& d, const std::string&, void** params) -> CUresult {
      const int n_in = s.scaled ? 5 : 3;
      std::vector<const std::vector<std::byte>*> bufs;
      for (int i = 0; i < n_in; ++i) bufs.push_back(&d.buffer(fake_driver::param_ptr(params, i)));
      const mma_inputs in = inputs_from(s, bufs);
      std::vector<float> D(16 * 8);
      for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 8; ++j) {
          std::vector<double> t = terms(s, in, i, j, dec);
          if (j % 2) std::reverse(t.begin() + 1, t.end());
          double acc = t[0];
          for (std::size_t k = 1; k < t.size(); ++k) acc = truncate_to(acc + t[k], mantissa_bits);
          D[static_cast<std::size_t>(i * 8 + j)] = static_cast<float>(acc);
        }
      auto& out_buf = d.buffer(fake_driver::param_ptr(params, n_in));
      std::memcpy(out_buf.data(), D.data(), D.size() * sizeof(float));
      return CUDA_SUCCESS;
    };
    inner.execute(a, out);
  }

 private:
  fake_driver& drv;
  probe::in_process_executor inner;
  int mantissa_bits;
  decoder dec;
};

report::run_report run_dense_narrow(simulated_tensor_core& ex) {
  probe::run_options opts;
  opts.only = {"mma.fp8.*", "mma.f8f6f4.*", "mma.mxf8f6f4", "mma.mxf4", "mma.nvf4"};
  return probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
}

TEST(NarrowNumerics, Fp22AccumulatorKeepsEveryVerdictNative) {
  fake_driver drv;  // GB10
  simulated_tensor_core ex(drv, 13, exact_decoder());
  const auto r = run_dense_narrow(ex);
  ASSERT_GE(r.probes.size(), 9u);
  for (const auto& p : r.probes) {
    ASSERT_FALSE(p.attempts.empty()) << p.id;
    EXPECT_TRUE(p.attempts[0].passed()) << p.id << ": " << p.reason;
    EXPECT_EQ(p.result, verdict::native) << p.id << ": " << p.reason;
  }
}

// The first A element of row 0 that meets a non-zero B in column 0.
std::pair<int, int> visible_element(const mma_shape& s, const mma_inputs& in) {
  for (int k = 0; k < s.k; ++k)
    if (in.A[static_cast<std::size_t>(k)] != 0 && in.B[static_cast<std::size_t>(k * 8)] != 0) return {0, k};
  return {-1, -1};
}

TEST(NarrowNumerics, OneWrongCodeFailsVerification) {
  for (const auto& p : cli::builtin_catalogue().probes) {
    if (!is_dense_narrow_mma(p)) continue;
    const mma_shape s = shape_of(p);
    const probe::test_case tc = p.make_case({{12, 1}, nullptr});
    std::vector<const std::vector<std::byte>*> bufs;
    for (const auto& b : tc.buffers) bufs.push_back(&b.init);
    const auto [row, col] = visible_element(s, inputs_from(s, bufs));
    ASSERT_GE(row, 0) << p.id;
    decoder dec = exact_decoder();
    // The device decodes that one element as the neighbouring code (mantissa LSB flipped).
    dec.a = [row, col](narrow_format f, unsigned c, int i, int k) {
      return static_cast<double>(sm121::to_float(f, (i == row && k == col) ? (c ^ 1u) : c));
    };
    fake_driver drv;
    simulated_tensor_core ex(drv, 23, dec);
    probe::run_options opts;
    opts.only = {p.id};
    const auto r = probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
    const auto& res = find(r, p.id);
    const auto* f = res.attempts.at(0).first_failure();
    ASSERT_NE(f, nullptr) << p.id << ": one wrong code must not verify";
    EXPECT_EQ(f->stage, report::stage_kind::verify) << p.id;
    EXPECT_NE(res.result, verdict::native) << p.id;
  }
}

TEST(NarrowNumerics, OneWrongScaleFailsVerification) {
  int checked = 0;
  for (const auto& p : cli::builtin_catalogue().probes) {
    if (!is_dense_narrow_mma(p) || p.kernel != "kernels/mma_block_scaled.cu") continue;
    const mma_shape s = shape_of(p);
    decoder dec = exact_decoder();
    // The device reads scale_B of chunk 0, column 0 as the next larger code.
    dec.sfb = [](narrow_format f, unsigned c, int chunk, int col) {
      return static_cast<double>(sm121::to_float(f, (chunk == 0 && col == 0) ? c + 1 : c));
    };
    fake_driver drv;
    simulated_tensor_core ex(drv, 23, dec);
    probe::run_options opts;
    opts.only = {p.id};
    const auto r = probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
    const auto& res = find(r, p.id);
    const auto* f = res.attempts.at(0).first_failure();
    ASSERT_NE(f, nullptr) << p.id << ": one wrong scale must not verify";
    EXPECT_EQ(f->stage, report::stage_kind::verify) << p.id;
    ++checked;
    (void)s;
  }
  EXPECT_GE(checked, 3);
}

// A device that reads scale_A of row m from the other row of its lane pair
// (m + 8): the verify stage fails and the report's CPU diagnosis names that
// reading, for the selector-0 case and the .sel case alike.
TEST(NarrowNumerics, SwappedLanePairRowsAreDiagnosed) {
  for (const char* id : {"mma.mxf8f6f4", "mma.nvf4", "mma.mxf4.sel"}) {
    decoder dec = exact_decoder();
    dec.sfa_row_offset = 8;
    fake_driver drv;
    simulated_tensor_core ex(drv, 23, dec);
    probe::run_options opts;
    opts.only = {id};
    const auto r = probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
    const auto& native = find(r, id).attempts.at(0);
    ASSERT_NE(native.first_failure(), nullptr) << id;
    std::string diagnosis;
    for (const auto& n : native.notes)
      if (n.starts_with("scale mapping diagnosis")) diagnosis = n;
    EXPECT_NE(diagnosis.find("scale_A rows of each lane pair swapped"), std::string::npos) << id << ": " << diagnosis;
  }
}

TEST(NarrowNumerics, AnUnrelatedErrorMatchesNoAlternativeReading) {
  decoder dec = exact_decoder();
  dec.a = [](narrow_format f, unsigned c, int i, int k) {
    return static_cast<double>(sm121::to_float(f, (i == 2 && k == 5 && c != 0) ? (c ^ 1u) : c));
  };
  fake_driver drv;
  simulated_tensor_core ex(drv, 23, dec);
  probe::run_options opts;
  opts.only = {"mma.nvf4"};
  const auto r = probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
  std::string diagnosis;
  for (const auto& n : find(r, "mma.nvf4").attempts.at(0).notes)
    if (n.starts_with("scale mapping diagnosis")) diagnosis = n;
  EXPECT_NE(diagnosis.find("matches none of"), std::string::npos) << diagnosis;
}

}  // namespace
}  // namespace sm121probe
