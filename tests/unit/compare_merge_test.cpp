// compare and merge on the model: judgments, ordering, majority, and golden renderings.
#include "sm121probe/report/compare.hpp"
#include "sm121probe/report/json.hpp"
#include "sm121probe/report/merge.hpp"
#include "sm121probe/util/io.hpp"
#include "support/golden.hpp"
#include "support/schema.hpp"
#include "support/report_lookup.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace sm121probe::report {
namespace {

const std::string data_dir = std::string(SM121PROBE_TEST_DATA_DIR) + "/report/";

run_report device() { return parse_run_report(util::read_file(data_dir + "run-device.json")); }

using testing::find;

// NEW: mma.f16 native -> fallback (regression), cluster.dsmem skipped -> native (change),
// image.load.sm_90 failing -> native (improvement), elect.sync removed, redux.sync added,
// tcgen05.alloc fails differently, a newer driver.
run_report changed() {
  run_report r = device();
  auto& f16 = find(r, "mma.f16");
  f16.result = verdict::fallback;
  f16.reason = "native (sm_121) failed at load: CUDA_ERROR_INVALID_PTX; sm80-ptx (compute_80) passed";
  find(r, "cluster.dsmem").result = verdict::native;
  find(r, "image.load.sm_90").result = verdict::native;
  find(r, "tcgen05.alloc").attempts.at(0).stages.at(0).error = "NVRTC_ERROR_INVALID_OPTION";
  r.probes.erase(r.probes.begin() + 5);  // elect.sync
  probe_result added = find(r, "cuda.fma");
  added.id = "redux.sync";
  added.category = "warp";
  r.probes.push_back(added);
  r.driver.cuda_version = "13.1";
  r.driver.version = 13010;
  r.created = "2026-12-01T08:00:00Z";
  return r;
}

TEST(Compare, JudgesChanges) {
  EXPECT_EQ(judge_change(verdict::native, verdict::fallback), change_kind::regression);
  EXPECT_EQ(judge_change(verdict::fallback, verdict::failing), change_kind::regression);
  EXPECT_EQ(judge_change(verdict::native, verdict::skipped), change_kind::regression);
  EXPECT_EQ(judge_change(verdict::skipped, verdict::failing), change_kind::regression);
  EXPECT_EQ(judge_change(verdict::failing, verdict::native), change_kind::improvement);
  EXPECT_EQ(judge_change(verdict::fallback, verdict::native), change_kind::improvement);
  EXPECT_EQ(judge_change(verdict::skipped, verdict::native), change_kind::change);
  EXPECT_EQ(judge_change(verdict::native, verdict::unverified), change_kind::regression) << "no longer proven";
  EXPECT_EQ(judge_change(verdict::unverified, verdict::native), change_kind::change);
}

TEST(Compare, IdenticalReportsHaveNoDifferences) {
  const auto c = compare_reports(device(), device(), "a.json", "b.json");
  EXPECT_TRUE(c.identical());
  EXPECT_FALSE(c.regressed());
  // Timing and creation time are not differences.
  run_report later = device();
  later.created = "2027-01-01T00:00:00Z";
  later.probes[0].attempts[0].stages[0].ms = 999;
  EXPECT_TRUE(compare_reports(device(), later, "a", "b").identical());
}

TEST(Compare, FindsEveryKindOfChangeRegressionsFirst) {
  const auto c = compare_reports(device(), changed(), "old.json", "new.json");
  EXPECT_TRUE(c.regressed());
  ASSERT_EQ(c.verdicts.size(), 3u);
  EXPECT_EQ(c.verdicts[0].id, "mma.f16");
  EXPECT_EQ(c.verdicts[0].kind, change_kind::regression);
  EXPECT_EQ(c.verdicts[1].id, "image.load.sm_90");
  EXPECT_EQ(c.verdicts[1].kind, change_kind::improvement);
  EXPECT_EQ(c.verdicts[2].id, "cluster.dsmem");
  EXPECT_EQ(c.verdicts[2].kind, change_kind::change);
  ASSERT_EQ(c.added.size(), 1u);
  EXPECT_EQ(c.added[0].id, "redux.sync");
  ASSERT_EQ(c.removed.size(), 1u);
  EXPECT_EQ(c.removed[0].id, "elect.sync");
  ASSERT_EQ(c.errors.size(), 1u);
  EXPECT_EQ(c.errors[0].id, "tcgen05.alloc");
  EXPECT_EQ(c.errors[0].old_errors, "native/compile: NVRTC_ERROR_COMPILATION");
  EXPECT_EQ(c.errors[0].new_errors, "native/compile: NVRTC_ERROR_INVALID_OPTION");
  std::vector<std::string> fields;
  for (const auto& f : c.environment) fields.push_back(f.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"driver.cuda_version", "driver.version"}));
  EXPECT_EQ(testing::schema_errors(nlohmann::json::parse(compare_to_json(c).dump()),
                                   std::string(SM121PROBE_SOURCE_DIR) + "/docs/compare.schema.json"),
            "");
}

// One golden per test: updating (SM121PROBE_UPDATE_GOLDEN=1) skips the rest of a test.
TEST(CompareGolden, Text) {
  SM121_EXPECT_GOLDEN("report/golden/compare.txt",
                      render_compare_text(compare_reports(device(), changed(), "old.json", "new.json")));
}
TEST(CompareGolden, Markdown) {
  SM121_EXPECT_GOLDEN("report/golden/compare.md",
                      render_compare_markdown(compare_reports(device(), changed(), "old.json", "new.json")));
}
TEST(CompareGolden, IdenticalText) {
  SM121_EXPECT_GOLDEN("report/golden/compare-identical.txt",
                      render_compare_text(compare_reports(device(), device(), "a.json", "b.json")));
}

std::vector<std::pair<std::string, run_report>> fleet_of_three() {
  std::vector<std::pair<std::string, run_report>> v;
  for (const char* host : {"spark-a", "spark-b", "spark-c"}) {
    run_report r = device();
    r.host.hostname = host;
    v.emplace_back(fmt::format("report-{}.json", host), r);
  }
  find(v[1].second, "mma.f16").result = verdict::fallback;
  v[1].second.driver.cuda_version = "12.9";
  return v;
}

TEST(Merge, MarksTheDeviatingHost) {
  const fleet f = merge_reports(fleet_of_three());
  ASSERT_EQ(f.hosts.size(), 3u);
  EXPECT_EQ(f.deviations(), 1u);
  EXPECT_EQ(f.deviating_hosts(), 1u);
  EXPECT_EQ(f.hosts[0].deviations, 0u);
  EXPECT_EQ(f.hosts[1].deviations, 1u);
  EXPECT_EQ(f.hosts[2].deviations, 0u);
  for (const auto& p : f.probes) {
    const bool f16 = p.id == "mma.f16";
    EXPECT_EQ(p.deviates, (std::vector<bool>{false, f16, false})) << p.id;
    if (f16) {
      EXPECT_EQ(p.majority, verdict::native);
    }
  }
  bool driver_fact = false;
  for (const auto& fact : f.facts) {
    if (fact.field != "driver.cuda_version") continue;
    driver_fact = true;
    EXPECT_EQ(fact.majority, "13.0");
    EXPECT_EQ(fact.deviates, (std::vector<bool>{false, true, false}));
  }
  EXPECT_TRUE(driver_fact);
  EXPECT_EQ(testing::schema_errors(nlohmann::json::parse(merge_to_json(f).dump()),
                                   std::string(SM121PROBE_SOURCE_DIR) + "/docs/merge.schema.json"),
            "");
}

TEST(Merge, MajorityAndLabels) {
  using v = verdict;
  EXPECT_EQ(majority_verdict({v::native, v::fallback, v::fallback}), v::fallback);
  EXPECT_EQ(majority_verdict({v::fallback, v::native}), v::native) << "a tie goes to the better verdict";
  EXPECT_EQ(majority_verdict({v::failing, v::skipped}), v::failing);
  EXPECT_EQ(majority_verdict({std::nullopt, v::failing}), v::failing);
  EXPECT_EQ(majority_verdict({std::nullopt}), std::nullopt);
  // Two reports of one host (two devices) get distinct labels; a probe missing in one report is no deviation.
  auto reports = fleet_of_three();
  reports[2].second.host.hostname = "spark-a";
  reports[2].second.device->ordinal = 1;
  reports[2].second.probes.pop_back();
  const fleet f = merge_reports(reports);
  EXPECT_EQ(f.hosts[0].label, "spark-a:0");
  EXPECT_EQ(f.hosts[2].label, "spark-a:1");
  EXPECT_EQ(f.probes.back().verdicts[2], std::nullopt);
  EXPECT_EQ(f.deviations(), 1u);
}

TEST(MergeGolden, Text) { SM121_EXPECT_GOLDEN("report/golden/merge.txt", render_merge_text(merge_reports(fleet_of_three()))); }
TEST(MergeGolden, Markdown) {
  SM121_EXPECT_GOLDEN("report/golden/merge.md", render_merge_markdown(merge_reports(fleet_of_three())));
}
TEST(MergeGolden, ManyHostsText) {
  // Many hosts: per probe, the majority and the deviating hosts.
  std::vector<std::pair<std::string, run_report>> many;
  for (int i = 0; i < 12; ++i) {
    run_report r = device();
    r.host.hostname = fmt::format("node{}", i);
    if (i == 7) find(r, "mma.bf16").result = verdict::failing;
    many.emplace_back(fmt::format("r{}.json", i), r);
  }
  SM121_EXPECT_GOLDEN("report/golden/merge-many.txt", render_merge_text(merge_reports(many)));
}

}  // namespace
}  // namespace sm121probe::report
