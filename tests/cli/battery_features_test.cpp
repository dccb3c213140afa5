// The architecture-feature probes end to end: the built binary, offline, for
// GB10 (sm_121), datacenter Blackwell (sm_100a), Hopper (sm_90a) and Ampere.
#include "sm121probe/arch.hpp"
#include "sm121probe/report/json.hpp"
#include "sm121probe/util/io.hpp"
#include "support/process.hpp"
#include "support/schema.hpp"
#include "support/report_lookup.hpp"

#include <gtest/gtest.h>

#include <map>

namespace sm121probe {
namespace {

using report::verdict;
using testing::run_tool;
using testing::temp_dir;

const std::string schema = std::string(SM121PROBE_SOURCE_DIR) + "/docs/report.schema.json";

const char* const feature_probes =
    "tcgen05.*,wgmma.*,image.load.*,tma.*,cluster.*,smem.max,cp.async,stmatrix,elect.sync,redux.sync,um.*";

struct offline_run {
  testing::process_result process;
  report::run_report report;
};

offline_run run_offline(const std::string& target, const std::string& only = feature_probes) {
  temp_dir dir;
  offline_run r;
  r.process = run_tool({"--target", target, "--only", only, "-o", dir / "r.json", "-q"});
  const std::string text = util::read_file(dir / "r.json");
  r.report = report::parse_run_report(text);
  EXPECT_EQ(testing::schema_errors(nlohmann::json::parse(text), schema), "") << target;
  // Exit code 1 exactly when something is worse than expected (or failing without an expectation).
  bool worse = false;
  for (const auto& p : r.report.probes) worse = worse || p.worse_than_expected;
  EXPECT_EQ(r.process.exit_code, worse ? 1 : 0) << target << "\n" << r.process.err;
  return r;
}

using testing::find;

// Once the expectation table has a row for a probe on this architecture, the
// offline result must match it.
void expect_as_expected_if_tabled(const report::probe_result& p) {
  if (p.expectation == report::expectation_kind::verdict) {
    EXPECT_TRUE(p.as_expected) << p.id << ": " << report::to_string(p.result) << " vs expected "
                               << report::to_string(p.expected);
    EXPECT_FALSE(p.worse_than_expected) << p.id;
  }
}

void expect_instruction_set_missing(const report::probe_result& p, const std::string& target,
                                    const std::string& home) {
  EXPECT_EQ(p.result, verdict::failing) << p.id;
  EXPECT_EQ(p.basis, report::evidence::compile);
  ASSERT_EQ(p.attempts.size(), 2u) << p.id;
  const auto* native = p.attempts[0].first_failure();
  ASSERT_NE(native, nullptr) << p.id;
  EXPECT_EQ(native->stage, report::stage_kind::compile);
  EXPECT_NE(native->log.find("ptxas"), std::string::npos) << native->log;
  EXPECT_NE(native->log.find("not supported on .target '" + target + "'"), std::string::npos) << native->log;
  EXPECT_EQ(p.attempts[1].target, home);
  const auto* load = p.attempts[1].first_failure();
  ASSERT_NE(load, nullptr) << p.id;
  EXPECT_EQ(load->stage, report::stage_kind::load);
  EXPECT_TRUE(load->predicted);
  EXPECT_EQ(load->error, "CUDA_ERROR_NO_BINARY_FOR_GPU");
  EXPECT_EQ(p.see_also, std::vector<std::string>{"mma.*"}) << p.id;
  EXPECT_TRUE(p.least_specific_target.empty());
  expect_as_expected_if_tabled(p);
}

TEST(BatteryFeatures, OfflineSm121) {
  const auto r = run_offline("sm_121");
  for (const char* id : {"tcgen05.alloc", "tcgen05.mma", "tcgen05.ld"})
    expect_instruction_set_missing(find(r.report, id), "sm_121", "sm_100a");
  expect_instruction_set_missing(find(r.report, "wgmma.mma_async"), "sm_121", "sm_90a");
  EXPECT_NE(find(r.report, "wgmma.mma_async").attempts[0].stages[0].log.find("wgmma.mma_async"), std::string::npos);

  // image.load.*: the documented rules for a 12.1 device.
  const std::map<std::string, verdict> images = {
      {"sm_120", verdict::native},       {"sm_120a", verdict::failing},     {"sm_120f", verdict::native},
      {"sm_121", verdict::native},       {"sm_121a", verdict::native},      {"sm_100a", verdict::failing},
      {"sm_90", verdict::failing},       {"compute_120", verdict::native},  {"compute_121a", verdict::native},
      {"compute_80", verdict::native}};
  for (const auto& [image, expected] : images) {
    const auto& p = find(r.report, "image.load." + image);
    EXPECT_EQ(p.result, expected) << p.id << ": " << p.reason;
    ASSERT_EQ(p.attempts.size(), 1u);
    const auto& stages = p.attempts[0].stages;
    ASSERT_EQ(stages.size(), 2u) << p.id;
    if (image.rfind("sm_", 0) == 0) {
      EXPECT_EQ(stages[1].stage, report::stage_kind::load) << p.id;
      EXPECT_TRUE(stages[1].predicted) << p.id;
    } else {
      EXPECT_EQ(stages[1].stage, report::stage_kind::jit_link) << p.id;
    }
    expect_as_expected_if_tabled(p);
  }
  EXPECT_NE(find(r.report, "image.load.sm_120a").reason.find("CUDA_ERROR_NO_BINARY_FOR_GPU"), std::string::npos);

  // The sm_90+ features compile for plain sm_121; the rest as well.
  for (const char* id : {"tma.bulk", "tma.tensor", "stmatrix", "elect.sync", "cp.async", "redux.sync"}) {
    const auto& p = find(r.report, id);
    EXPECT_EQ(p.result, verdict::native) << id << ": " << p.reason;
    EXPECT_EQ(p.least_specific_target, "sm_121") << id;
  }
  // Run-time questions (launch limits, memory behaviour): offline they only compile,
  // and the report says so instead of claiming native.
  // cluster.dsmem is not marked runtime_only: its cluster launch makes it one.
  for (const char* id : {"cluster.launch", "cluster.dsmem", "smem.max", "um.managed", "um.pageable", "um.registered"}) {
    const auto& p = find(r.report, id);
    EXPECT_EQ(p.result, verdict::skipped) << id << ": " << p.reason;
    EXPECT_NE(p.reason.find("needs a GPU"), std::string::npos) << id;
    EXPECT_EQ(p.least_specific_target, "sm_121") << id << ": the compile is still recorded";
    ASSERT_FALSE(p.attempts.empty());
    EXPECT_TRUE(p.attempts[0].passed()) << id;
    EXPECT_TRUE(p.as_expected) << id << ": a skipped probe is neither confirmation nor contradiction";
    EXPECT_FALSE(p.worse_than_expected) << id;
  }
}

TEST(BatteryFeatures, OfflineSm100aHasTcgen05ButNotWgmma) {
  const auto r = run_offline("sm_100a", "tcgen05.*,wgmma.*,image.load.sm_100a,image.load.sm_120,tma.tensor");
  for (const char* id : {"tcgen05.alloc", "tcgen05.mma", "tcgen05.ld"}) {
    const auto& p = find(r.report, id);
    EXPECT_EQ(p.result, verdict::native) << id << ": " << p.reason;
    EXPECT_EQ(p.least_specific_target, "sm_100f") << id << ": family code is enough for tcgen05";
    ASSERT_EQ(p.attempts.size(), 2u);
    EXPECT_TRUE(p.attempts[1].passed()) << "the sm_100a image is predicted to load on 10.0";
    expect_as_expected_if_tabled(p);
  }
  expect_instruction_set_missing(find(r.report, "wgmma.mma_async"), "sm_100", "sm_90a");
  EXPECT_EQ(find(r.report, "image.load.sm_100a").result, verdict::native);
  EXPECT_EQ(find(r.report, "image.load.sm_120").result, verdict::failing);
  EXPECT_EQ(find(r.report, "tma.tensor").result, verdict::native);
}

TEST(BatteryFeatures, OfflineSm90aHasWgmmaButNotTcgen05) {
  const auto r = run_offline("sm_90a", "tcgen05.*,wgmma.*,image.load.*,cluster.*");
  const auto& w = find(r.report, "wgmma.mma_async");
  EXPECT_EQ(w.result, verdict::native) << w.reason;
  EXPECT_EQ(w.least_specific_target, "sm_90a") << "wgmma needs the arch-specific target";
  ASSERT_EQ(w.attempts.size(), 2u);
  ASSERT_FALSE(w.attempts[0].notes.empty());
  EXPECT_EQ(w.attempts[0].notes[0].rfind("sm_90 rejected: ", 0), 0u) << w.attempts[0].notes[0];
  expect_as_expected_if_tabled(w);
  for (const char* id : {"tcgen05.alloc", "tcgen05.mma", "tcgen05.ld"})
    expect_instruction_set_missing(find(r.report, id), "sm_90", "sm_100a");
  for (const auto& [image, expected] : std::map<std::string, verdict>{{"sm_90", verdict::native},
                                                                      {"sm_120", verdict::failing},
                                                                      {"compute_80", verdict::native},
                                                                      {"compute_120", verdict::failing}})
    EXPECT_EQ(find(r.report, "image.load." + image).result, expected) << image;
  EXPECT_EQ(find(r.report, "cluster.dsmem").result, verdict::skipped) << "a cluster launch: decided at run time";
}

TEST(BatteryFeatures, OfflineSm80SkipsHopperFeatures) {
  const auto r = run_offline("sm_80", "tma.*,cluster.*,stmatrix,elect.sync,cp.async,redux.sync");
  for (const char* id : {"tma.bulk", "tma.tensor", "cluster.launch", "cluster.dsmem", "stmatrix", "elect.sync"}) {
    const auto& p = find(r.report, id);
    EXPECT_EQ(p.result, verdict::skipped) << id;
    EXPECT_NE(p.reason.find("9.0"), std::string::npos) << p.reason;
  }
  for (const char* id : {"cp.async", "redux.sync"}) EXPECT_EQ(find(r.report, id).result, verdict::native) << id;
}

}  // namespace
}  // namespace sm121probe
