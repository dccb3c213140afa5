// Renderers of the run and scan reports (text, markdown, JUnit) on the fixed
// reports in tests/data/report: golden files plus properties that hold for any
// input (size limit, escaping, well-formed and schema-valid XML, counts).
#include "sm121probe/report/json.hpp"
#include "sm121probe/report/redact.hpp"
#include "sm121probe/report/render.hpp"
#include "sm121probe/report/scan_formats.hpp"
#include "sm121probe/report/scan_render.hpp"
#include "sm121probe/util/io.hpp"
#include "support/golden.hpp"
#include "support/schema.hpp"
#include "support/xmllint.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <sstream>

namespace sm121probe::report {
namespace {

const std::string data_dir = std::string(SM121PROBE_TEST_DATA_DIR) + "/report/";
const std::string junit_xsd = data_dir + "junit.xsd";

run_report load(const std::string& name) { return parse_run_report(util::read_file(data_dir + name)); }
binscan::scan_report load_scan() { return parse_scan_report(util::read_file(data_dir + "scan.json")); }
nlohmann::json raw(const std::string& name) { return nlohmann::json::parse(util::read_file(data_dir + name)); }

std::string text_of(const run_report& r) {
  std::ostringstream s;
  render_text(r, s);
  return s.str();
}

// Markdown as the CLI renders it by default: redacted with a fresh redactor
// that knows only what the report says (no machine identity, so goldens do not
// depend on where the tests run).
std::string default_markdown(const run_report& r) {
  redactor rd;
  return render_markdown(redacted(r, rd));
}

std::size_t count_of(const std::string& s, const std::string& what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + what.size())) ++n;
  return n;
}

// Cells of a markdown table row: '|' not preceded by a backslash separate cells.
std::size_t cells(const std::string& row) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < row.size(); ++i)
    if (row[i] == '|' && (i == 0 || row[i - 1] != '\\')) ++n;
  return n == 0 ? 0 : n - 1;
}

// ---- golden files -----------------------------------------------------------

TEST(ReportGolden, RunDeviceText) { SM121_EXPECT_GOLDEN("report/golden/run-device.txt", text_of(load("run-device.json"))); }
TEST(ReportGolden, RunOfflineText) {
  SM121_EXPECT_GOLDEN("report/golden/run-offline.txt", text_of(load("run-offline.json")));
}
TEST(ReportGolden, RunDeviceMarkdown) {
  SM121_EXPECT_GOLDEN("report/golden/run-device.md", default_markdown(load("run-device.json")));
}
TEST(ReportGolden, RunOfflineMarkdown) {
  SM121_EXPECT_GOLDEN("report/golden/run-offline.md", default_markdown(load("run-offline.json")));
}
TEST(ReportGolden, RunDeviceJunit) {
  SM121_EXPECT_GOLDEN("report/golden/run-device.xml", render_junit(load("run-device.json")));
}
TEST(ReportGolden, RunOfflineJunit) {
  SM121_EXPECT_GOLDEN("report/golden/run-offline.xml", render_junit(load("run-offline.json")));
}
TEST(ReportGolden, ScanText) {
  std::ostringstream s;
  render_scan_text(load_scan(), s);
  SM121_EXPECT_GOLDEN("report/golden/scan.txt", s.str());
}
TEST(ReportGolden, ScanMarkdown) {
  // A scan report names no host: the CLI adds the machine's identity; here a fixed one.
  redactor rd(identity{{"spark-7f3a"}, {"alice"}, {"/home/alice"}});
  SM121_EXPECT_GOLDEN("report/golden/scan.md", render_scan_markdown(redacted(load_scan(), rd)));
}
TEST(ReportGolden, ScanJunit) { SM121_EXPECT_GOLDEN("report/golden/scan.xml", render_scan_junit(load_scan())); }

// ---- fixtures are what they claim to be ---------------------------------------

TEST(ReportFixtures, ValidateAgainstTheirSchemas) {
  for (const char* f : {"run-device.json", "run-offline.json"})
    EXPECT_EQ(testing::schema_errors(raw(f), std::string(SM121PROBE_SOURCE_DIR) + "/docs/report.schema.json"), "") << f;
  EXPECT_EQ(testing::schema_errors(raw("scan.json"), std::string(SM121PROBE_SOURCE_DIR) + "/docs/scan.schema.json"), "");
  EXPECT_EQ(load("run-device.json").mode, run_mode::device);
  EXPECT_EQ(load("run-offline.json").mode, run_mode::offline);
}

// ---- markdown -------------------------------------------------------------------

TEST(VerdictCell, OfflineVerdictsSayWhatTheyRestOn) {
  probe_result p;
  p.result = verdict::native;
  p.basis = evidence::run;
  attempt_result a;
  a.variant = "native";
  a.stages = {stage_result{stage_kind::compile, true, 0.0, "", "", false}};
  p.attempts = {a};
  EXPECT_EQ(verdict_cell(p), "native") << "a device verdict is the bare word";
  p.basis = evidence::compile;
  EXPECT_EQ(verdict_cell(p), "native (compiles)");
  p.attempts[0].stages.push_back(stage_result{stage_kind::load, true, 0.0, "", "", true});
  EXPECT_EQ(verdict_cell(p), "native (predicted)");
  p.attempts[0].sass = sass_summary{};
  p.attempts[0].sass->expected_found = true;
  EXPECT_EQ(verdict_cell(p), "native (SASS)");
  p.attempts[0].sass->inconclusive = true;
  EXPECT_EQ(verdict_cell(p), "native (predicted)") << "an inconclusive check is no SASS evidence";
  p.result = verdict::fallback;
  p.attempts[0].sass->inconclusive = false;
  p.attempts[0].sass->expected_found = false;
  p.attempts[0].emulated = true;
  EXPECT_EQ(verdict_cell(p), "fallback (SASS)");
  for (const verdict v : {verdict::failing, verdict::skipped, verdict::unverified}) {
    p.result = v;
    EXPECT_EQ(verdict_cell(p), to_string(v));
  }
}

TEST(Expectations, UnverifiedIsNeitherAsExpectedNorWorse) {
  probe_result p;
  p.result = verdict::unverified;
  p.expectation = expectation_kind::verdict;
  p.expected = verdict::native;
  apply_expectation(p);
  EXPECT_FALSE(p.as_expected);
  EXPECT_FALSE(p.worse_than_expected) << "not proven worse: does not fail a run";
  const summary s = summarize({p});
  EXPECT_EQ(s.unverified, 1);
  EXPECT_EQ(s.native, 0);
}

TEST(RunMarkdown, SummaryTableAndCollapsedSections) {
  const run_report r = load("run-device.json");
  const std::string md = render_markdown(r);
  // One paragraph summary naming device, driver, toolkit and counts.
  EXPECT_NE(md.find("**NVIDIA GB10** (compute capability 12.1, 48 SMs"), std::string::npos) << md;
  EXPECT_NE(md.find("driver CUDA 13.0 (580.95.05)"), std::string::npos);
  EXPECT_NE(md.find("NVRTC 13.0.88, nvJitLink 13.0.88"), std::string::npos);
  EXPECT_NE(md.find("7 probes: 3 native, 1 fallback, 2 failing, 1 skipped"), std::string::npos);
  // A table row per probe.
  for (const auto& p : r.probes) EXPECT_NE(md.find("| `" + p.id + "` |"), std::string::npos) << p.id;
  // Collapsed sections: device, toolchain, and one per probe that is not native.
  EXPECT_NE(md.find("<details><summary>Device properties</summary>"), std::string::npos);
  EXPECT_NE(md.find("<details><summary>Toolchain and host</summary>"), std::string::npos);
  for (const char* id : {"mma.bf16", "tcgen05.alloc", "image.load.sm_90", "cluster.dsmem"})
    EXPECT_NE(md.find(std::string("<details><summary><code>") + id + "</code>"), std::string::npos) << id;
  for (const char* id : {"cuda.fma", "mma.f16"})
    EXPECT_EQ(md.find(std::string("<details><summary><code>") + id + "</code>"), std::string::npos) << id;
  EXPECT_EQ(count_of(md, "<details>"), count_of(md, "</details>"));
  // The 6 KB tcgen05 log is trimmed to 4 KiB, with a note.
  EXPECT_NE(md.find("trimmed; the JSON report has the full log]"), std::string::npos);
  EXPECT_NE(md.find("> Note: logs longer than 4.0 KiB were trimmed to keep this under 60 KB"), std::string::npos);
}

TEST(RunMarkdown, TableRowsKeepTheirColumnsWhateverTheText) {
  run_report r = load("run-device.json");
  r.probes[0].reason = "a | b || c\nsecond line with `ticks` and <tags> & *stars*";
  r.probes[0].id = "weird|id";
  const std::string md = render_markdown(r);
  std::istringstream in(md);
  std::string line;
  std::size_t header = 0, rows = 0;
  while (std::getline(in, line)) {
    if (line.rfind("| Probe | Verdict", 0) == 0) header = cells(line);
    else if (header && line.rfind("| `", 0) == 0 && rows < r.probes.size()) {
      EXPECT_EQ(cells(line), header) << line;
      ++rows;
    }
  }
  EXPECT_EQ(rows, r.probes.size());
  // Raw HTML from a reason must not reach the markdown: escaped as \<tags> in text, &lt;tags&gt; in HTML.
  for (auto p = md.find("<tags>"); p != std::string::npos; p = md.find("<tags>", p + 1))
    EXPECT_TRUE(p > 0 && md[p - 1] == '\\') << md.substr(p > 40 ? p - 40 : 0, 80);
}

TEST(RunMarkdown, StaysUnderTheLimitWithANote) {
  run_report r = load("run-device.json");
  const probe_result big = r.probes.at(3);  // tcgen05.alloc: failing, with a long log
  r.probes.clear();
  for (int i = 0; i < 400; ++i) {
    probe_result p = big;
    p.id = "probe.number" + std::to_string(i);
    p.attempts.at(0).stages.at(0).log = std::string(30000, 'x') + "\nend";
    r.probes.push_back(p);
  }
  r.totals = summarize(r.probes);
  const std::string md = render_markdown(r);
  EXPECT_LT(md.size(), markdown_limit_bytes);
  EXPECT_NE(md.find("were left out to keep this under 60 KB"), std::string::npos);
  EXPECT_NE(md.find("### sm121-probe: NVIDIA GB10"), std::string::npos) << "the summary survives trimming";
  EXPECT_NE(md.find("400 probes: 0 native, 0 fallback, 400 failing"), std::string::npos);
}

TEST(RunMarkdown, SmallLogsAreNotTrimmed) {
  run_report r = load("run-device.json");
  r.probes.resize(3);  // no long log left
  r.totals = summarize(r.probes);
  const std::string md = render_markdown(r);
  EXPECT_EQ(md.find("trimmed"), std::string::npos);
  EXPECT_NE(md.find("cuModuleLoadData: no kernel image is available"), std::string::npos);
}

// ---- JUnit ----------------------------------------------------------------------

// Failures and skips counted from the fixture's raw JSON, not through the renderer's logic:
// a probe fails when its --expect rule is broken, or (without a rule) when it is worse than expected.
std::pair<long, long> expected_counts(const nlohmann::json& j) {
  long failures = 0, skipped = 0;
  for (const auto& p : j["probes"]) {
    const bool fails = p["baseline"].is_null() ? p["worse_than_expected"].get<bool>() : !p["baseline"]["ok"].get<bool>();
    if (fails) ++failures;
    else if (p["verdict"] == "skipped") ++skipped;
  }
  return {failures, skipped};
}

TEST(RunJunit, ParsesValidatesAndCountsPerProbe) {
  for (const char* f : {"run-device.json", "run-offline.json"}) {
    const std::string xml = render_junit(load(f));
    EXPECT_EQ(testing::xml_wellformed_errors(xml), "") << f;
    EXPECT_EQ(testing::xml_schema_errors(xml, junit_xsd), "") << f;
    const auto j = raw(f);
    const auto [failures, skipped] = expected_counts(j);
    EXPECT_EQ(testing::xml_count(xml, "count(/testsuites/testsuite)"), 1) << f;
    EXPECT_EQ(testing::xml_count(xml, "count(//testcase)"), static_cast<long>(j["probes"].size())) << f;
    EXPECT_EQ(testing::xml_count(xml, "count(//testcase[failure])"), failures) << f;
    EXPECT_EQ(testing::xml_count(xml, "count(//testcase[skipped])"), skipped) << f;
    EXPECT_EQ(testing::xml_count(xml, "number(/testsuites/testsuite/@failures)"), failures) << f;
    EXPECT_EQ(testing::xml_count(xml, "number(/testsuites/testsuite/@skipped)"), skipped) << f;
    EXPECT_EQ(testing::xml_count(xml, "number(/testsuites/testsuite/@tests)"), static_cast<long>(j["probes"].size()));
    // classname is the category.
    for (const auto& p : j["probes"])
      EXPECT_EQ(testing::xml_count(xml, "count(//testcase[@name='" + p["id"].get<std::string>() + "' and @classname='" +
                                            p["category"].get<std::string>() + "'])"),
                1)
          << p["id"];
  }
  // The device fixture, by hand: mma.bf16 breaks its --expect rule, image.load.sm_90 is worse than
  // expected, cluster.dsmem is skipped; tcgen05.alloc fails as expected and is no failure.
  const std::string xml = render_junit(load("run-device.json"));
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase[failure])"), 2);
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase[@name='mma.bf16']/failure[@type='expect_rule_broken'])"), 1);
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase[@name='image.load.sm_90']/failure[@type='worse_than_expected'])"),
            1);
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase[@name='tcgen05.alloc']/failure)"), 0);
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase[@name='cluster.dsmem']/skipped)"), 1);
  // Properties for device, driver and toolkit.
  for (const char* prop : {"device", "device.compute_capability", "driver", "driver.version", "toolkit.nvrtc",
                           "toolkit.nvjitlink"})
    EXPECT_EQ(testing::xml_count(xml, std::string("count(//properties/property[@name='") + prop + "'])"), 1) << prop;
}

TEST(RunJunit, WellFormedWhateverTheLogsHold) {
  run_report r = load("run-device.json");
  r.probes[2].attempts[0].stages[1].log = std::string("ctrl \x01\x02\x1b[31m ]]> <![CDATA[ & \"q\" 'a' \xff\xfe bad utf8");
  r.probes[2].reason = "reason with \x07 bell and \"quotes\" <x>";
  r.probes[0].id = "id\"with'quotes<&>";
  r.host.hostname = "host\x01";
  const std::string xml = render_junit(r);
  EXPECT_EQ(testing::xml_wellformed_errors(xml), "");
  EXPECT_EQ(testing::xml_schema_errors(xml, junit_xsd), "");
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase)"), static_cast<long>(r.probes.size()));
}

TEST(ScanJunit, OneTestcasePerFileWithGpuCode) {
  const binscan::scan_report s = load_scan();
  const std::string xml = render_scan_junit(s);
  EXPECT_EQ(testing::xml_wellformed_errors(xml), "");
  EXPECT_EQ(testing::xml_schema_errors(xml, junit_xsd), "");
  // The fixture: 6 files, one without GPU code found by walking (not listed).
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase)"), 5);
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase[failure])"), 1);
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase[error])"), 1);
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase[skipped])"), 0);
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase[@classname='torch'])"), 1);
}

TEST(ScanMarkdown, SummaryTableAndLimit) {
  binscan::scan_report s = load_scan();
  std::string md = render_scan_markdown(s);
  EXPECT_NE(md.find("5 files with GPU code, **2 native**, 1 fallback (PTX JIT only), 1 failing, 1 unreadable; 1 "
                    "without GPU code"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("libc10.so"), std::string::npos) << "walked files without GPU code are only counted";
  // Failing first.
  EXPECT_LT(md.find("flash_attn_2_cuda"), md.find("libtorch_cuda.so"));
  // Thousands of files still fit.
  const auto one = s.files.front();
  s.files.clear();
  for (int i = 0; i < 3000; ++i) {
    auto f = one;
    f.path += std::to_string(i);
    s.files.push_back(f);
  }
  md = render_scan_markdown(s);
  EXPECT_LT(md.size(), scan_markdown_limit_bytes) << "a forum post's limit (issue 12)";
  EXPECT_NE(md.find("> Note: lists were cut to stay under 32 KB"), std::string::npos);
}

// ---- reading scan reports -------------------------------------------------------

TEST(ScanRead, RoundTripsTheJsonTheScannerWrites) {
  const binscan::scan_report s = load_scan();
  EXPECT_EQ(s.files.size(), 6u);
  EXPECT_EQ(s.group_by, binscan::grouping::python_package);
  EXPECT_EQ(s.skipped_files, 812u);
  // Rendering it again gives the same JSON content (containers aside).
  const auto again = scan_to_json(s);
  const auto orig = raw("scan.json");
  EXPECT_EQ(nlohmann::json::parse(again.dump())["files"], orig["files"]);
  EXPECT_EQ(nlohmann::json::parse(again.dump())["summary"], orig["summary"]);
}

TEST(ScanRead, RejectsMalformedAndNewerInput) {
  const auto fails = [](const std::string& text) {
    try {
      (void)parse_scan_report(text);
    } catch (const scan_read_error& e) {
      return std::string(e.what()).find('\n') == std::string::npos;
    }
    return false;
  };
  EXPECT_TRUE(fails("{not json"));
  EXPECT_TRUE(fails("[]"));
  auto j = raw("scan.json");
  j["schema_version"] = 99;
  EXPECT_TRUE(fails(j.dump()));
  j = raw("scan.json");
  j["files"][0]["verdict"] = "maybe";
  EXPECT_TRUE(fails(j.dump()));
  j = raw("scan.json");
  j["files"][0].erase("reason");
  EXPECT_TRUE(fails(j.dump()));
}

}  // namespace
}  // namespace sm121probe::report
