// The narrow-format probes in device mode, through the driver double: real
// NVRTC compiles (and SASS inspection), simulated loads and launches whose
// "kernel" writes the CPU reference (or a corrupted one). Shows that a device
// run applies the same SASS rule as an offline report and that a wrong FP4
// result is a failing verify stage, not a silent pass.
#include "support/toolchain.hpp"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/runner.hpp"
#include "support/fake_gpu.hpp"

#include <gtest/gtest.h>

namespace sm121probe {
namespace {

using report::verdict;
using testing::fake_driver;

using testing::tools;

// Tells the double which probe's reference to write (a real GPU runs the kernel).
class reference_executor final : public probe::device_executor {
 public:
  explicit reference_executor(fake_driver& d) : drv(d), inner(&d) {}
  std::function<void(const std::string&, const std::string&, std::vector<double>&)> corrupt;
  cuda::driver_query query(int ordinal) override { return inner.query(ordinal); }
  void execute(const probe::device_attempt& a, report::attempt_result& out) override {
    const probe::probe* p = a.spec;
    const std::string variant = a.var->label;
    drv.on_launch = testing::reference_kernel(
        *p, probe::exec_facts{gpu_arch{drv.cc_major, drv.cc_minor}, nullptr},
        [this, p, variant](std::vector<double>& v) {
          if (corrupt) corrupt(p->id, variant, v);
        });
    inner.execute(a, out);
  }

 private:
  fake_driver& drv;
  probe::in_process_executor inner;
};

const report::probe_result& find(const report::run_report& r, const std::string& id) {
  for (const auto& p : r.probes)
    if (p.id == id) return p;
  throw std::runtime_error("no probe " + id);
}

TEST(NarrowDevice, Gb10RunsNativeExceptInt4WhichIsEmulated) {
  fake_driver drv;  // compute capability 12.1
  reference_executor ex(drv);
  probe::run_options opts;
  opts.only = {"mma.fp8.*", "mma.f8f6f4.*", "mma.mx*", "mma.nvf4", "mma.s4", "cvt.*"};
  const auto r = probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
  EXPECT_EQ(r.mode, report::run_mode::device);
  for (const auto& p : r.probes) {
    EXPECT_EQ(p.basis, report::evidence::run) << p.id;
    ASSERT_FALSE(p.attempts.empty());
    const auto& native = p.attempts[0];
    EXPECT_TRUE(native.passed()) << p.id << ": launched and verified";
    ASSERT_EQ(native.stages.back().stage, report::stage_kind::verify) << p.id;
    if (p.id == "mma.s4") {
      EXPECT_EQ(p.result, verdict::fallback) << "right result, emulated instruction";
      EXPECT_TRUE(native.emulated);
    } else {
      EXPECT_EQ(p.result, verdict::native) << p.id << ": " << p.reason;
      ASSERT_TRUE(native.sass) << p.id;
      EXPECT_TRUE(native.sass->expected_found) << p.id;
    }
    EXPECT_TRUE(p.as_expected) << p.id;
  }
  EXPECT_EQ(find(r, "mma.nvf4").attempts[0].target, "sm_121f");
}

TEST(NarrowDevice, WrongFp4ResultFailsVerifyAndFallsBack) {
  fake_driver drv;
  reference_executor ex(drv);
  ex.corrupt = [](const std::string& id, const std::string& variant, std::vector<double>& v) {
    if (id == "mma.nvf4" && variant == "native") v[17] *= 2;  // silent garbage in one element
  };
  probe::run_options opts;
  opts.only = {"mma.nvf4"};
  const auto r = probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
  const auto& p = find(r, "mma.nvf4");
  const auto* f = p.attempts.at(0).first_failure();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->stage, report::stage_kind::verify);
  EXPECT_EQ(p.attempts[0].mismatches, 1u);
  EXPECT_EQ(p.result, verdict::fallback) << "the sm80-dequant path still verifies";
  EXPECT_TRUE(p.worse_than_expected) << "native was expected on GB10";
}

TEST(NarrowDevice, AmpereTakesTheDequantPath) {
  fake_driver drv;
  drv.cc_major = 8;
  drv.cc_minor = 0;
  reference_executor ex(drv);
  probe::run_options opts;
  opts.only = {"mma.f8f6f4.e2m1", "mma.mxf4"};
  const auto r = probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
  for (const auto& p : r.probes) {
    EXPECT_EQ(p.result, verdict::fallback) << p.id;
    EXPECT_EQ(p.attempts.at(0).stages.size(), 1u) << "native did not compile: nothing loaded";
    EXPECT_TRUE(p.attempts.at(1).passed()) << p.id;
    EXPECT_EQ(p.attempts.at(1).variant, "sm80-dequant");
    EXPECT_TRUE(p.as_expected) << p.id;
  }
}

}  // namespace
}  // namespace sm121probe
