// The steps of run_battery, each on its own: target selection, skip
// evaluation, the worker pool, and execution + classification of one probe.
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/probe/runner.hpp"
#include "support/fake_driver.hpp"
#include "support/toolchain.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

namespace sm121probe::probe {
namespace {

using report::stage_kind;
using report::verdict;
using testing::tools;

struct notices final : run_observer {
  std::vector<std::string> lines;
  void notice(const std::string& line) override { lines.push_back(line); }
  void progress(std::size_t, std::size_t, const std::string&) override {}
};

// --- target selection -----------------------------------------------------------

TEST(ChooseTarget, ExplicitTargetIsOfflineAndNeverQueriesTheDriver) {
  testing::fake_driver drv;
  in_process_executor ex(&drv);
  run_options o;
  o.target = parse_arch_name("sm_90a");
  report::run_report r;
  r.toolkit.nvrtc_archs = tools().supported_archs();
  const battery_target t = choose_target(o, tools(), &ex, nullptr, r);
  EXPECT_TRUE(t.offline);
  EXPECT_EQ(t.arch, (gpu_arch{9, 0, arch_variant::arch_specific}));
  EXPECT_EQ(r.target, "sm_90a");
  EXPECT_EQ(r.mode, report::run_mode::offline);
  EXPECT_FALSE(r.device.has_value());
}

TEST(ChooseTarget, NoDriverMeansOfflineSm121WithANotice) {
  in_process_executor ex(nullptr, "libcuda.so.1 not found");
  notices obs;
  report::run_report r;
  const battery_target t = choose_target({}, tools(), &ex, &obs, r);
  EXPECT_TRUE(t.offline);
  EXPECT_EQ(r.target, "sm_121");
  EXPECT_EQ(t.arch, (gpu_arch{12, 1}));
  ASSERT_EQ(obs.lines.size(), 1u);
  EXPECT_NE(obs.lines[0].find("offline report for sm_121"), std::string::npos) << obs.lines[0];
}

TEST(ChooseTarget, ADeviceMeansDeviceModeForItsArchitecture) {
  testing::fake_driver drv;
  drv.cc_major = 8;
  drv.cc_minor = 9;
  in_process_executor ex(&drv);
  report::run_report r;
  const battery_target t = choose_target({}, tools(), &ex, nullptr, r);
  EXPECT_FALSE(t.offline);
  EXPECT_EQ(t.arch, (gpu_arch{8, 9}));
  EXPECT_EQ(r.target, "sm_89");
  EXPECT_EQ(r.mode, report::run_mode::device);
  EXPECT_TRUE(r.device.has_value());
}

TEST(ChooseTarget, UnknownTargetAndDeviceBeyondTheCountAreSelectionErrors) {
  run_options virt;
  virt.target = parse_arch_name("compute_90");
  report::run_report r;
  r.toolkit.nvrtc_archs = tools().supported_archs();
  EXPECT_THROW((void)choose_target(virt, tools(), nullptr, nullptr, r), selection_error);
  testing::fake_driver drv;
  in_process_executor ex(&drv);
  run_options dev;
  dev.device = 7;
  report::run_report r2;
  EXPECT_THROW((void)choose_target(dev, tools(), &ex, nullptr, r2), selection_error);
}

// --- skip evaluation ------------------------------------------------------------

TEST(SkipReasons, OnlyProbesThatDoNotApplyAreSkipped) {
  const auto& cat = cli::builtin_catalogue();
  const auto probes = cat.select({"mma.f16", "tma.bulk", "cluster.launch"}, {});
  ASSERT_EQ(probes.size(), 3u);
  const auto on80 = skip_reasons(probes, exec_facts{gpu_arch{8, 0}, nullptr});
  EXPECT_FALSE(on80[0].has_value());
  ASSERT_TRUE(on80[1].has_value());
  EXPECT_NE(on80[1]->find("9.0 or later"), std::string::npos);
  EXPECT_TRUE(on80[2].has_value());
  for (const auto& s : skip_reasons(probes, exec_facts{gpu_arch{12, 1}, nullptr})) EXPECT_FALSE(s.has_value());
}

// --- the worker pool ------------------------------------------------------------

TEST(ParallelFor, CallsEveryIndexExactlyOnceOnTheRequestedThreads) {
  for (unsigned threads : {0u, 1u, 3u, 64u}) {
    std::vector<std::atomic<int>> calls(100);
    std::mutex m;
    std::set<std::thread::id> seen;
    parallel_for(calls.size(), threads, [&](std::size_t i) {
      calls[i].fetch_add(1);
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      std::lock_guard lock(m);
      seen.insert(std::this_thread::get_id());
    });
    for (std::size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i].load(), 1) << i << " threads " << threads;
    if (threads == 1) {
      EXPECT_EQ(seen.size(), 1u);
      EXPECT_TRUE(seen.count(std::this_thread::get_id())) << "the caller is one of the workers";
    }
    if (threads == 3) {
      EXPECT_LE(seen.size(), 3u);
    }
  }
  int calls = 0;
  parallel_for(0, 4, [&](std::size_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(CompileAll, SkippedProbesAreNotCompiledAndExceptionsBecomeFailedStages) {
  const auto& cat = cli::builtin_catalogue();
  probe throwing = *cat.find("cuda.fma");
  throwing.kernel = "kernels/no_such_kernel.cu";
  const std::vector<const probe*> probes{cat.find("cuda.fma"), cat.find("tma.bulk"), &throwing};
  const std::vector<std::optional<std::string>> skips{std::nullopt, std::string("skipped"), std::nullopt};
  const auto out = compile_all(tools(), cat, probes, skips, battery_target{{12, 1}, true}, std::nullopt, 2);
  ASSERT_EQ(out.size(), 3u);
  ASSERT_EQ(out[0].size(), 2u);
  EXPECT_TRUE(out[0][0].device_ready);
  EXPECT_EQ(out[0][0].attempt.target, "sm_121");
  EXPECT_TRUE(out[1].empty()) << "a skipped probe is not compiled";
  ASSERT_EQ(out[2].size(), 2u);
  EXPECT_FALSE(out[2][0].attempt.passed());
  EXPECT_EQ(out[2][0].attempt.stages.at(0).error, "missing_kernel");
}

// --- execution and classification of one probe ------------------------------------

compiled_variant compiled_ok(const variant& v, bool emulated = false) {
  compiled_variant cv;
  cv.attempt.variant = v.label;
  cv.attempt.fallback = v.fallback;
  cv.attempt.target = "sm_121";
  report::stage_result s;
  s.stage = stage_kind::compile;
  s.ok = true;
  cv.attempt.stages.push_back(s);
  cv.attempt.emulated = emulated;
  cv.image = {std::byte{1}};
  cv.device_ready = true;
  return cv;
}

compiled_variant compiled_failing(const variant& v) {
  compiled_variant cv = compiled_ok(v);
  cv.attempt.stages.front().ok = false;
  cv.attempt.stages.front().error = "NVRTC_ERROR_COMPILATION";
  cv.image.clear();
  cv.device_ready = false;
  return cv;
}

struct counting_executor final : device_executor {
  int executed = 0;
  cuda::driver_query query(int) override { return {}; }
  void execute(const device_attempt&, report::attempt_result& out) override {
    ++executed;
    report::stage_result s;
    s.stage = stage_kind::verify;
    s.ok = false;
    s.error = "mismatch";
    out.stages.push_back(s);
  }
};

TEST(ProbeResult, OfflineClassifiesCompilesAndAppliesTheExpectation) {
  const probe& p = *cli::builtin_catalogue().find("mma.s4");
  const battery_target offline{{12, 1}, true};
  auto pr = probe_result_from(p, {compiled_ok(p.variants[0], true), compiled_ok(p.variants[1])}, offline, "sm_121",
                              nullptr, 0);
  EXPECT_EQ(pr.result, verdict::fallback) << "emulated native compile";
  EXPECT_EQ(pr.basis, report::evidence::compile);
  EXPECT_EQ(pr.expected, verdict::fallback);
  EXPECT_TRUE(pr.as_expected);
  EXPECT_EQ(pr.least_specific_target, "sm_121");
  EXPECT_EQ(pr.see_also, p.see_also);

  pr = probe_result_from(p, {compiled_failing(p.variants[0]), compiled_failing(p.variants[1])}, offline, "sm_121",
                         nullptr, 0);
  EXPECT_EQ(pr.result, verdict::failing);
  EXPECT_TRUE(pr.worse_than_expected);
  EXPECT_TRUE(pr.least_specific_target.empty());
}

TEST(ProbeResult, DeviceModeRunsOnlyReadyImagesThroughTheExecutor) {
  const probe& p = *cli::builtin_catalogue().find("cuda.fma");
  counting_executor ex;
  const auto pr = probe_result_from(p, {compiled_ok(p.variants[0]), compiled_failing(p.variants[1])},
                                    battery_target{{12, 1}, false}, "sm_121", &ex, 0);
  EXPECT_EQ(ex.executed, 1);
  EXPECT_EQ(pr.basis, report::evidence::run);
  EXPECT_EQ(pr.result, verdict::failing) << "the device stage failed";
}

TEST(ProbeResult, RunTimeOnlyProbesReadSkippedOfflineAndSkippedProbesKeepTheirReason) {
  const probe& p = *cli::builtin_catalogue().find("um.managed");
  ASSERT_TRUE(p.runtime_only);
  const auto pr = probe_result_from(p, {compiled_ok(p.variants[0])}, battery_target{{12, 1}, true}, "sm_121",
                                    nullptr, 0);
  EXPECT_EQ(pr.result, verdict::skipped);
  EXPECT_NE(pr.reason.find("needs a GPU"), std::string::npos);
  const auto sk = skipped_result(*cli::builtin_catalogue().find("tma.bulk"), "too old", gpu_arch{8, 0});
  EXPECT_EQ(sk.result, verdict::skipped);
  EXPECT_EQ(sk.basis, report::evidence::none);
  EXPECT_EQ(sk.reason, "too old");
  EXPECT_EQ(sk.expected, verdict::skipped);
  EXPECT_TRUE(sk.as_expected);
}

}  // namespace
}  // namespace sm121probe::probe
