// Expectations baselines (--expect / --write-expect) on the model.
#include "sm121probe/report/baseline.hpp"
#include "sm121probe/report/json.hpp"
#include "sm121probe/report/render.hpp"
#include "sm121probe/util/io.hpp"
#include "support/schema.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sm121probe::report {
namespace {

const std::string data_dir = std::string(SM121PROBE_TEST_DATA_DIR) + "/report/";
const std::string expect_schema = std::string(SM121PROBE_SOURCE_DIR) + "/docs/expect.schema.json";

run_report device_report() {
  run_report r = parse_run_report(util::read_file(data_dir + "run-device.json"));
  for (auto& p : r.probes) p.baseline.reset();  // the fixture carries rules from an earlier --expect
  r.totals = summarize(r.probes);
  return r;
}

std::string one_line_error(const std::string& text) {
  try {
    (void)parse_expect_file(text);
  } catch (const expect_error& e) {
    const std::string m = e.what();
    return m.find('\n') == std::string::npos ? m : "MULTI-LINE: " + m;
  }
  return "";
}

TEST(Baseline, ParsesStringsListsAndGlobs) {
  const auto f = parse_expect_file(R"({"schema_version": 1, "comment": "x",
    "expect": {"cuda.fma": "native", "mma.*": ["native", "fallback", "native"], "*": ["failing"]}})");
  ASSERT_EQ(f.rules.size(), 3u);
  EXPECT_EQ(f.rules[0].pattern, "cuda.fma");
  EXPECT_EQ(f.rules[0].allowed, std::vector<verdict>{verdict::native});
  EXPECT_EQ(f.rules[1].allowed, (std::vector<verdict>{verdict::native, verdict::fallback})) << "duplicates dropped";
  EXPECT_EQ(f.rules[2].pattern, "*");
}

TEST(Baseline, RejectsBadFilesWithOneLine) {
  for (const char* bad : {
           "{not json",
           "[]",
           R"({"expect": {}})",
           R"({"schema_version": 2, "expect": {}})",
           R"({"schema_version": "1", "expect": {}})",
           R"({"schema_version": 1})",
           R"({"schema_version": 1, "expect": []})",
           R"({"schema_version": 1, "expect": {"a": "great"}})",
           R"({"schema_version": 1, "expect": {"a": []}})",
           R"({"schema_version": 1, "expect": {"a": [1]}})",
           R"({"schema_version": 1, "expect": {"": "native"}})",
           R"({"schema_version": 1, "expect": {}, "extra": 1})",
       }) {
    const std::string e = one_line_error(bad);
    EXPECT_NE(e, "") << bad;
    EXPECT_EQ(e.rfind("MULTI-LINE", 0), std::string::npos) << e;
  }
  EXPECT_NE(one_line_error(R"({"schema_version": 7, "expect": {}})").find("newer"), std::string::npos);
}

TEST(Baseline, MostSpecificRuleWins) {
  const auto f = parse_expect_file(R"({"schema_version": 1, "expect": {
    "*": "failing", "mma.*": "fallback", "mma.f1?": "skipped", "mma.bf16": "native", "m*": "native"}})");
  EXPECT_EQ(rule_for(f, "mma.bf16")->pattern, "mma.bf16") << "an exact id beats every glob";
  EXPECT_EQ(rule_for(f, "mma.f16")->pattern, "mma.f1?") << "more literal characters win";
  EXPECT_EQ(rule_for(f, "mma.s8")->pattern, "mma.*");
  EXPECT_EQ(rule_for(f, "cuda.fma")->pattern, "*");
  const auto tie = parse_expect_file(R"({"schema_version": 1, "expect": {"a*": "native", "*b": "failing"}})");
  EXPECT_EQ(rule_for(tie, "ab")->pattern, "a*") << "a tie goes to the rule written first";
  const auto none = parse_expect_file(R"({"schema_version": 1, "expect": {"x": "native"}})");
  EXPECT_EQ(rule_for(none, "y"), nullptr);
}


TEST(Baseline, WrittenFromARunPassesThatRun) {
  run_report r = device_report();
  ASSERT_TRUE(run_failed(r)) << "the fixture has results worse than the built-in expectations";
  const std::string text = expect_file_text(baseline_from_report(r), "from the fixture");
  EXPECT_EQ(testing::schema_errors(nlohmann::json::parse(text), expect_schema), "");
  const auto unused = apply_baseline(r, parse_expect_file(text));
  EXPECT_TRUE(unused.empty());
  for (const auto& p : r.probes) {
    ASSERT_TRUE(p.baseline.has_value()) << p.id;
    EXPECT_EQ(p.baseline->rule, p.id);
    EXPECT_TRUE(p.baseline->ok) << p.id;
  }
  EXPECT_EQ(r.totals.baseline_deviations, 0);
  EXPECT_FALSE(run_failed(r)) << "the baseline replaces the built-in expectations for the probes it covers";
}

TEST(Baseline, AnEditedVerdictIsADeviationNamingTheRule) {
  run_report r = device_report();
  auto j = nlohmann::json::parse(expect_file_text(baseline_from_report(r), ""));
  ASSERT_EQ(j["expect"]["cuda.fma"], nlohmann::json::array({"native"}));
  j["expect"]["cuda.fma"] = {"fallback"};
  (void)apply_baseline(r, parse_expect_file(j.dump()));
  EXPECT_EQ(r.totals.baseline_deviations, 1);
  EXPECT_TRUE(run_failed(r));
  const auto& p = r.probes.at(0);
  ASSERT_EQ(p.id, "cuda.fma");
  ASSERT_TRUE(p.baseline.has_value());
  EXPECT_FALSE(p.baseline->ok);
  EXPECT_EQ(p.baseline->rule, "cuda.fma");
  EXPECT_EQ(p.baseline->allowed, std::vector<std::string>{"fallback"});
  // The JSON report records it.
  const auto out = to_json(r);
  EXPECT_EQ(out["probes"][0]["baseline"]["rule"], "cuda.fma");
  EXPECT_EQ(out["probes"][0]["baseline"]["ok"], false);
  EXPECT_EQ(out["summary"]["baseline_deviations"], 1);
}

TEST(Baseline, UncoveredProbesKeepBuiltInExpectationsAndUnusedRulesAreReported) {
  run_report r = device_report();
  const auto unused = apply_baseline(
      r, parse_expect_file(R"({"schema_version": 1, "expect": {"mma.*": ["native", "fallback"], "gone.probe": "native"}})"));
  EXPECT_EQ(unused, std::vector<std::string>{"gone.probe"});
  EXPECT_EQ(r.totals.baseline_deviations, 0);
  // image.load.sm_90 has no rule and is worse than the built-in expectation: the run still fails.
  EXPECT_TRUE(run_failed(r));
  for (const auto& p : r.probes) EXPECT_EQ(p.baseline.has_value(), p.id.rfind("mma.", 0) == 0) << p.id;
}

}  // namespace
}  // namespace sm121probe::report
