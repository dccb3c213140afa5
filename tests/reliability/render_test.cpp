// Renderers and readers under hostile content and size (issue 11, items 8, 11, 12).
#include "sm121probe/report/baseline.hpp"
#include "sm121probe/report/compare.hpp"
#include "sm121probe/report/json.hpp"
#include "sm121probe/report/merge.hpp"
#include "sm121probe/report/redact.hpp"
#include "sm121probe/report/render.hpp"
#include "sm121probe/report/scan_formats.hpp"
#include "sm121probe/report/scan_render.hpp"
#include "sm121probe/util/io.hpp"

#include <gtest/gtest.h>
#include <fmt/format.h>

#include <chrono>
#include <sstream>

namespace sm121probe::report {
namespace {

const std::string data_dir = std::string(SM121PROBE_TEST_DATA_DIR) + "/report/";

run_report device() { return parse_run_report(util::read_file(data_dir + "run-device.json")); }

// Bytes no rendered report may carry raw: ESC, BEL, CR, backspace, DEL, and C1 CSI (U+009B).
void expect_no_controls(const std::string& out, const std::string& what) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto u = static_cast<unsigned char>(out[i]);
    const bool c1 = u == 0xC2 && i + 1 < out.size() && static_cast<unsigned char>(out[i + 1]) >= 0x80 &&
                    static_cast<unsigned char>(out[i + 1]) <= 0x9F;
    if ((u < 0x20 && u != '\n' && u != '\t') || u == 0x7f || c1) {
      ADD_FAILURE() << what << ": control byte 0x" << std::hex << int(u) << " at " << std::dec << i << ": "
                    << out.substr(i > 40 ? i - 40 : 0, 80);
      return;
    }
  }
}

const std::string evil = "x\x1b]0;owned\x07\x1b[2J\r\b\x7f\xc2\x9b" "31m";

TEST(HostileText, ControlCharactersNeverReachAnyRenderer) {
  run_report r = device();
  r.host.hostname = "host" + evil;
  r.probes.at(0).id = "cuda.fma" + evil;
  r.probes.at(0).reason = "reason" + evil;
  r.driver.error = "driver" + evil;
  r.device->name = "GPU" + evil;
  std::ostringstream text;
  render_text(r, text, {});
  expect_no_controls(text.str(), "run text");
  std::ostringstream coloured;
  render_text(r, coloured, {true});
  // Colours are ours: only "ESC[" + digits + "m" sequences may remain.
  std::string stripped = coloured.str();
  for (std::size_t p; (p = stripped.find("\x1b[")) != std::string::npos;) {
    const auto m = stripped.find('m', p);
    ASSERT_NE(m, std::string::npos);
    ASSERT_LE(m - p, 4u) << "not one of our colour codes";
    stripped.erase(p, m - p + 1);
  }
  expect_no_controls(stripped, "run text with colour");
  expect_no_controls(render_markdown(r), "run markdown");
  expect_no_controls(render_junit(r), "run junit");
  EXPECT_NE(render_markdown(r).find("\\x1b"), std::string::npos) << "made visible, not dropped";

  const comparison c = compare_reports(device(), r, "old" + evil, "new.json");
  expect_no_controls(render_compare_text(c), "compare text");
  expect_no_controls(render_compare_markdown(c), "compare markdown");

  std::vector<std::pair<std::string, run_report>> many = {{"a" + evil, device()}, {"b.json", r}, {"c.json", device()}};
  const fleet f = merge_reports(many);
  expect_no_controls(render_merge_text(f), "merge text");
  expect_no_controls(render_merge_markdown(f), "merge markdown");

  binscan::scan_report s = parse_scan_report(util::read_file(data_dir + "scan.json"));
  ASSERT_FALSE(s.files.empty());
  s.files.front().path = "/tmp/lib" + evil + ".so";
  s.files.front().reason = "why" + evil;
  s.roots.push_back("/tmp" + evil);
  std::ostringstream scan_text;
  render_scan_text(s, scan_text, {true, true});
  expect_no_controls(scan_text.str(), "scan text");
  expect_no_controls(render_scan_markdown(s), "scan markdown");
  expect_no_controls(render_scan_junit(s), "scan junit");
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(Scaling, RedactionIsNearLinearInTheNumberOfHostNames) {
  // 20000 distinct host names, a text naming each: the old per-name scan (and a
  // sort per learnt name) took minutes here; a trie takes milliseconds.
  constexpr int n = 20000;
  redactor rd;
  identity id;
  std::string text;
  for (int i = 0; i < n; ++i) {
    id.hostnames.push_back(fmt::format("node{:05d}.cluster.example", i));
    text += fmt::format("node{:05d}.cluster.example ran; ", i);
  }
  const auto t0 = std::chrono::steady_clock::now();
  rd.learn(id);
  const std::string out = rd.redact(text);
  EXPECT_LT(seconds_since(t0), 10.0);
  EXPECT_EQ(out.find("node"), std::string::npos);
  EXPECT_NE(out.find("<host-20000> ran"), std::string::npos);
  // Longest whole-token match wins: the short name inside a longer word stays.
  redactor small;
  small.learn(identity{{"gpu01.lab", "gpu01"}, {}, {}});
  EXPECT_EQ(small.redact("gpu01.lab gpu01 gpu01x gpu01.labs"), "<host-1> <host-1> gpu01x <host-1>.labs");
}

TEST(Scaling, ExpectWithManyRulesIsNearLinear) {
  // 100000 rules: exact ids, globs sharing prefixes, and the rules that must win.
  std::string text = R"({"schema_version": 1, "expect": {)";
  for (int i = 0; i < 50000; ++i) text += fmt::format(R"("unused.{}": "native", )", i);
  for (int i = 0; i < 49990; ++i) text += fmt::format(R"("mma.*x{}": "native", )", i);
  text += R"("mma.*": ["native", "fallback"], "mma.f1?": "failing", "mma.f16": "skipped", "m*": "failing", )";
  text += R"("cuda.f*": "failing", "cuda.*a": "native", "*": ["native", "fallback", "failing", "skipped"]}})";
  const auto t0 = std::chrono::steady_clock::now();
  const expect_file f = parse_expect_file(text);
  run_report r = device();
  const auto unused = apply_baseline(r, f);
  EXPECT_LT(seconds_since(t0), 10.0);
  ASSERT_EQ(f.rules.size(), 100000u - 10u + 7u);
  EXPECT_EQ(f.rules.front().pattern, "unused.0") << "file order kept";
  EXPECT_EQ(f.rules.back().pattern, "*");
  EXPECT_EQ(rule_for(f, "mma.f16")->pattern, "mma.f16") << "an exact id beats every glob";
  EXPECT_EQ(rule_for(f, "mma.f17")->pattern, "mma.f1?") << "the most literal characters win";
  EXPECT_EQ(rule_for(f, "mma.bf16")->pattern, "mma.*");
  EXPECT_EQ(rule_for(f, "cuda.fma")->pattern, "cuda.f*") << "a tie goes to the rule written first";
  EXPECT_EQ(rule_for(f, "zzz")->pattern, "*");
  EXPECT_GE(unused.size(), 50000u);
}

TEST(MergeMarkdown, DeviatingRowsComeFirstAndAreNeverCut) {
  // Enough hosts that the host table alone passes 60 KB: only the news fits.
  std::vector<std::pair<std::string, run_report>> reports;
  run_report base = device();
  for (auto& p : base.probes) p.attempts.clear();  // only verdicts matter here
  ASSERT_GT(base.probes.size(), 5u);
  const std::string last_id = base.probes.back().id;
  for (int h = 0; h < 1000; ++h) {
    run_report r = base;
    r.host.hostname = fmt::format("host{:04d}", h);
    if (h == 7) r.probes.back().result = r.probes.back().result == verdict::failing ? verdict::native : verdict::failing;
    reports.emplace_back(r.host.hostname + ".json", std::move(r));
  }
  const fleet f = merge_reports(reports);
  ASSERT_EQ(f.deviations(), 1u);
  const std::string md = render_merge_markdown(f);
  const auto row = md.find(fmt::format("`{}`", last_id));
  ASSERT_NE(row, std::string::npos) << "the deviating probe (last in the catalogue) is shown";
  const auto first_probe = md.find(fmt::format("`{}`", base.probes.front().id));
  EXPECT_TRUE(first_probe == std::string::npos || first_probe > row) << "deviating rows come first";

  // Few hosts, the matrix form: the deviating row leads too.
  std::vector<std::pair<std::string, run_report>> few(reports.begin(), reports.begin() + 8);
  const std::string md8 = render_merge_markdown(merge_reports(few));
  const auto dev_row = md8.find(fmt::format("| `{}` |", last_id));
  ASSERT_NE(dev_row, std::string::npos);
  EXPECT_LT(dev_row, md8.find(fmt::format("| `{}` |", base.probes.front().id)));
}

}  // namespace
}  // namespace sm121probe::report
