// mma.precision.fp8 / .fp4 (issue 10): the accumulator precision is measured
// and reported as a note. A simulated device (driver double) computes
// C + sum(A*B) from the buffers it was given, keeping `bits` mantissa bits
// after every addition, truncating or rounding to nearest; the probe must
// report exactly that, and call the result sane (native) either way.
#include "support/fake_driver.hpp"
#include "support/report_lookup.hpp"
#include "support/toolchain.hpp"
#include "narrow_formats.cuh"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/probe/runner.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

namespace sm121probe {
namespace {

using sm121::narrow_format;
using testing::fake_driver;

double keep(double x, int mantissa_bits, bool nearest) {
  if (x == 0.0) return x;
  int e = 0;
  const double m = std::ldexp(std::frexp(x, &e), mantissa_bits + 1);
  return std::ldexp(nearest ? std::nearbyint(m) : std::trunc(m), e - mantissa_bits - 1);
}

class accumulator_device final : public probe::device_executor {
 public:
  accumulator_device(fake_driver& d, int bits, bool nearest) : drv(d), inner(&d), bits_(bits), nearest_(nearest) {}
  cuda::driver_query query(int ordinal) override { return inner.query(ordinal); }
  void execute(const probe::device_attempt& a, report::attempt_result& out) override {
    const bool fp4 = a.spec->id.ends_with("fp4");
    drv.on_launch = [this, fp4](fake_driver& d, const std::string&, void** params) -> CUresult {
      const int k = fp4 ? 64 : 32;
      const narrow_format f = fp4 ? narrow_format::e2m1 : narrow_format::e4m3;
      const auto& A = d.buffer(fake_driver::param_ptr(params, 0));
      const auto& B = d.buffer(fake_driver::param_ptr(params, 1));
      const auto& Cb = d.buffer(fake_driver::param_ptr(params, fp4 ? 4 : 2));
      auto& D = d.buffer(fake_driver::param_ptr(params, fp4 ? 5 : 3));
      for (int i = 0; i < 16; ++i)
        for (int j = 0; j < 8; ++j) {
          float c = 0;
          std::memcpy(&c, Cb.data() + 4 * (i * 8 + j), 4);
          double acc = c;
          for (int x = 0; x < k; ++x)
            acc = keep(acc + static_cast<double>(sm121::to_float(f, static_cast<unsigned>(A[static_cast<std::size_t>(i * k + x)]))) *
                                 sm121::to_float(f, static_cast<unsigned>(B[static_cast<std::size_t>(x * 8 + j)])),
                       bits_, nearest_);
          const auto v = static_cast<float>(acc);
          std::memcpy(D.data() + 4 * (i * 8 + j), &v, 4);
        }
      return CUDA_SUCCESS;
    };
    inner.execute(a, out);
  }

 private:
  fake_driver& drv;
  probe::in_process_executor inner;
  int bits_;
  bool nearest_;
};

std::string fact_of(const report::probe_result& p) {
  for (const auto& a : p.attempts)
    for (const auto& n : a.notes)
      if (n.starts_with("accumulator precision")) return n;
  return {};
}

report::run_report run(int bits, bool nearest) {
  fake_driver drv;
  accumulator_device ex(drv, bits, nearest);
  probe::run_options opts;
  opts.only = {"mma.precision.*"};
  return probe::run_battery(opts, cli::builtin_catalogue(), testing::tools(), &ex, nullptr);
}

TEST(AccumulatorPrecision, Fp22TruncationIsReportedAsAFact) {
  const auto r = run(13, false);
  for (const char* id : {"mma.precision.fp8", "mma.precision.fp4"}) {
    const auto& p = testing::find(r, id);
    EXPECT_EQ(p.result, report::verdict::native) << id << ": " << p.reason;
    const std::string fact = fact_of(p);
    EXPECT_NE(fact.find("13 mantissa bits kept (14 significant)"), std::string::npos) << id << ": " << fact;
    EXPECT_NE(fact.find("truncated toward zero"), std::string::npos) << id << ": " << fact;
  }
}

TEST(AccumulatorPrecision, F32RoundingIsReportedAsAFact) {
  const auto r = run(23, true);
  const std::string fact = fact_of(testing::find(r, "mma.precision.fp8"));
  EXPECT_NE(fact.find("23 mantissa bits kept (24 significant) in C + A*B (f32)"), std::string::npos) << fact;
  const auto r16 = run(16, true);
  const std::string f16 = fact_of(testing::find(r16, "mma.precision.fp4"));
  EXPECT_NE(f16.find("16 mantissa bits kept"), std::string::npos) << f16;
  EXPECT_NE(f16.find("rounded to nearest"), std::string::npos) << f16;
}

TEST(AccumulatorPrecision, TooFewBitsIsNotNative) {
  const auto r = run(7, false);
  const auto& p = testing::find(r, "mma.precision.fp8");
  EXPECT_NE(p.result, report::verdict::native);
  EXPECT_EQ(p.attempts.at(0).first_failure()->stage, report::stage_kind::verify);
}

}  // namespace
}  // namespace sm121probe
