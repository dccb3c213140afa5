// Every verdict of the offline battery, per architecture, against a golden
// (tests/data/verdicts/offline-<arch>.txt): probe id, verdict, expected verdict
// and its source. A refactoring of the engine or the catalogue must leave these
// unchanged; a change of the truth updates the golden in the same commit
// (SM121PROBE_UPDATE_GOLDEN=1, then review `git diff tests/data`).
#include "sm121probe/report/json.hpp"
#include "sm121probe/report/render.hpp"
#include "sm121probe/util/io.hpp"
#include "support/golden.hpp"
#include "support/process.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <string>

namespace sm121probe {
namespace {

using testing::run_tool;
using testing::temp_dir;

std::string verdict_table(const report::run_report& r) {
  std::string out = fmt::format("# offline verdicts for {}: id verdict expected (source)\n", r.target);
  for (const auto& p : r.probes) {
    std::string expected = "-";
    if (p.expectation == report::expectation_kind::verdict)
      expected = std::string(report::to_string(p.expected));
    else if (p.expectation == report::expectation_kind::unknown)
      expected = "unknown";
    out += fmt::format("{} {} {}{}\n", p.id, report::to_string(p.result), expected,
                       p.expected_source.empty() ? "" : " (" + p.expected_source + ")");
  }
  return out;
}

class OfflineVerdicts : public ::testing::TestWithParam<const char*> {};

TEST_P(OfflineVerdicts, MatchTheGolden) {
  const std::string target = GetParam();
  temp_dir dir;
  const auto run = run_tool({"--target", target, "-o", dir / "r.json", "-q"});
  ASSERT_TRUE(run.exit_code == 0 || run.exit_code == 1) << run.exit_code << "\n" << run.err;
  const report::run_report r = report::parse_run_report(util::read_file(dir / "r.json"));
  EXPECT_EQ(r.target, target);
  SM121_EXPECT_GOLDEN("verdicts/offline-" + target + ".txt", verdict_table(r));

  // Issue "no native without proof", on the same run: the questions only a
  // run answers (clusters, DSMEM, unified memory, shared-memory limits; this
  // list is the issue's, independent of the engine's rule) are never native
  // offline, and no inconclusive SASS check ends as native.
  for (const auto& p : r.probes) {
    if (p.result != report::verdict::native) continue;
    EXPECT_FALSE(p.category == "cluster" || p.id.starts_with("um.") || p.id.starts_with("smem."))
        << p.id << " is native offline on " << target << ": only a run can answer it";
    for (const auto& a : p.attempts)
      EXPECT_FALSE(a.sass && a.sass->inconclusive) << p.id << " native with an inconclusive SASS check";
  }
  // ... and no offline verdict cell reads like a device-verified one.
  std::ostringstream text;
  report::render_text(r, text);
  const std::regex bare_text(R"(^\S+\s+(native|fallback)\s{2,})");
  std::istringstream lines(text.str());
  for (std::string line; std::getline(lines, line);)
    EXPECT_FALSE(std::regex_search(line, bare_text)) << "bare verdict in the offline text table: " << line;
  const std::string md = report::render_markdown(r);
  const std::regex bare_md(R"(\| `[^`]+` \| (native|\*\*fallback\*\*) \|)");  // the verdict column
  std::smatch m;
  EXPECT_FALSE(std::regex_search(md, m, bare_md)) << "bare verdict in the offline markdown: " << m.str();
  EXPECT_NE(md.find(" (SASS)"), std::string::npos) << "the offline markdown names its SASS-backed verdicts";
}

INSTANTIATE_TEST_SUITE_P(Targets, OfflineVerdicts,
                         ::testing::Values("sm_121", "sm_120", "sm_100a", "sm_90a", "sm_89", "sm_80", "sm_75"),
                         [](const auto& param_info) { return std::string(param_info.param); });

}  // namespace
}  // namespace sm121probe
