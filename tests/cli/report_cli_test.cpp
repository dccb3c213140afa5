// The built binary: output formats and redaction of `run`, --expect /
// --write-expect, `compare`, `merge`, progress on a terminal, docs/cli.md.
#include "sm121probe/util/io.hpp"
#include "support/golden.hpp"
#include "support/process.hpp"
#include "support/schema.hpp"
#include "support/xmllint.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace sm121probe {
namespace {

using testing::run_tool;
using testing::temp_dir;

const std::string source_dir = SM121PROBE_SOURCE_DIR;
const std::string data_dir = std::string(SM121PROBE_TEST_DATA_DIR) + "/report/";
const std::string report_schema = source_dir + "/docs/report.schema.json";
// Two quick probes: the runs below take a fraction of a second offline.
const std::string quick = "cuda.fma,mma.s8";

std::size_t line_count(const std::string& s) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')) + (!s.empty() && s.back() != '\n' ? 1 : 0);
}

void expect_one_line_error(const testing::process_result& r, const std::string& what) {
  EXPECT_EQ(r.exit_code, 2) << what << "\n" << r.err << r.out;
  EXPECT_EQ(line_count(r.err), 1u) << what << "\n" << r.err;
  EXPECT_EQ(r.err.rfind("sm121-probe: error: ", 0), 0u) << r.err;
}

void write(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }
nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(util::read_file(path)); }

std::string local_hostname() {
  std::array<char, 256> h{};
  if (::gethostname(h.data(), h.size() - 1) != 0) return {};
  return h.data();
}

// ---- run: formats and outputs -----------------------------------------------

TEST(RunFormats, FormatWithoutOutputGoesToStdoutAndWritesNoFile) {
  temp_dir dir;
  auto r = run_tool({"--only", quick, "--format", "json", "-q"}, {}, dir.path);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::schema_errors(nlohmann::json::parse(r.out), report_schema), "");
  r = run_tool({"--only", quick, "--format", "markdown", "-q"}, {}, dir.path);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("### sm121-probe: offline report for sm_121", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("<details><summary>Toolchain and host</summary>"), std::string::npos);
  r = run_tool({"--only", quick, "--format", "text", "-q"}, {}, dir.path);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PROBE"), std::string::npos);
  r = run_tool({"--only", quick, "--format", "junit", "-q"}, {}, dir.path);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::xml_schema_errors(r.out, data_dir + "junit.xsd"), "");
  EXPECT_EQ(testing::xml_count(r.out, "count(//testcase)"), 2);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path)) << "no report file unless asked for";
}

TEST(RunFormats, JunitFileWithJsonAlongsideAndTheTableOnStdout) {
  temp_dir dir;
  const auto r = run_tool({"--only", quick, "--format", "junit", "-o", dir / "junit.xml", "--json", dir / "r.json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("PROBE"), std::string::npos) << "the table still goes to stdout";
  const std::string xml = util::read_file(dir / "junit.xml");
  EXPECT_EQ(testing::xml_schema_errors(xml, data_dir + "junit.xsd"), "");
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase)"), 2);
  const auto j = read_json(dir / "r.json");
  EXPECT_EQ(testing::schema_errors(j, report_schema), "");
  EXPECT_EQ(j["probes"].size(), 2u);
  EXPECT_NE(r.err.find(dir / "junit.xml"), std::string::npos);
  EXPECT_NE(r.err.find(dir / "r.json"), std::string::npos);
}

TEST(RunFormats, OutputExtensionPicksTheFormatWithoutFormat) {
  temp_dir dir;
  auto r = run_tool({"--only", quick, "-o", dir / "r.md", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(util::read_file(dir / "r.md").rfind("### sm121-probe", 0), 0u);
  r = run_tool({"--only", quick, "-o", dir / "r.xml", "-q"});
  EXPECT_EQ(testing::xml_count(util::read_file(dir / "r.xml"), "count(//testcase)"), 2);
  r = run_tool({"--only", quick, "-o", dir / "r.out", "-q"});
  EXPECT_NO_THROW((void)read_json(dir / "r.out")) << "anything else is JSON, as before";
}

TEST(RunFormats, BadOutputCombinationsAreUsageErrors) {
  temp_dir dir;
  expect_one_line_error(run_tool({"--only", quick, "--format", "pdf"}), "--format pdf");
  expect_one_line_error(run_tool({"--only", quick, "-o", "-", "--json", "-"}), "two outputs on stdout");
  expect_one_line_error(run_tool({"--only", quick, "--format", "json", "--json", "-"}), "two outputs on stdout");
  expect_one_line_error(run_tool({"--only", quick, "--redact", "--no-redact"}), "--redact --no-redact");
  expect_one_line_error(run_tool({"--only", quick, "--json", dir / "missing/r.json"}), "unwritable --json");
  expect_one_line_error(run_tool({"--only", quick, "--write-expect", dir / "missing/e.json"}),
                        "unwritable --write-expect");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path));
}

TEST(RunFormats, MarkdownHidesTheHostUnlessNoRedact) {
  const std::string host = local_hostname();
  if (host.size() < 2) GTEST_SKIP() << "host name too short to look for";
  auto r = run_tool({"--only", quick, "--format", "markdown", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find("`" + host + "`"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("`<host-1>`"), std::string::npos);
  r = run_tool({"--only", quick, "--format", "markdown", "--no-redact", "-q"});
  EXPECT_NE(r.out.find("`" + host + "`"), std::string::npos) << r.out;
  // JSON keeps the host name unless --redact.
  r = run_tool({"--only", quick, "--format", "json", "-q"});
  EXPECT_EQ(nlohmann::json::parse(r.out)["host"]["hostname"], host);
  r = run_tool({"--only", quick, "--format", "json", "--redact", "-q"});
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["host"]["hostname"], "<host-1>");
  EXPECT_EQ(testing::schema_errors(j, report_schema), "") << "a redacted report is still a valid report";
}

// ---- --expect / --write-expect ----------------------------------------------------

TEST(RunExpect, WrittenBaselinePassesTheSameRunAndAnEditFails) {
  temp_dir dir;
  const std::string expect = dir / "expect.json";
  auto r = run_tool({"--only", quick, "-o", dir / "r1.json", "--write-expect", expect, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto e = read_json(expect);
  EXPECT_EQ(testing::schema_errors(e, source_dir + "/docs/expect.schema.json"), "");
  EXPECT_EQ(e["expect"].size(), 2u);
  ASSERT_EQ(e["expect"]["mma.s8"], nlohmann::json::array({"native"}));

  r = run_tool({"--only", quick, "-o", dir / "r2.json", "--expect", expect, "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  auto rep = read_json(dir / "r2.json");
  EXPECT_EQ(rep["summary"]["baseline_deviations"], 0);
  for (const auto& p : rep["probes"]) {
    EXPECT_EQ(p["baseline"]["rule"], p["id"]);
    EXPECT_EQ(p["baseline"]["ok"], true);
  }

  e["expect"]["mma.s8"] = {"fallback", "failing"};
  write(expect, e.dump(2));
  r = run_tool({"--only", quick, "-o", dir / "r3.json", "--expect", expect});
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  EXPECT_NE(r.out.find("Broken --expect rules:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mma.s8: native, but rule 'mma.s8' allows fallback, failing"), std::string::npos) << r.out;
  rep = read_json(dir / "r3.json");
  EXPECT_EQ(testing::schema_errors(rep, report_schema), "");
  EXPECT_EQ(rep["summary"]["baseline_deviations"], 1);
  for (const auto& p : rep["probes"]) {
    if (p["id"] != "mma.s8") continue;
    EXPECT_EQ(p["baseline"]["rule"], "mma.s8");
    EXPECT_EQ(p["baseline"]["ok"], false);
    EXPECT_EQ(p["baseline"]["allowed"], nlohmann::json::array({"fallback", "failing"}));
  }
}

TEST(RunExpect, BaselineAcceptsKnownFailuresAndGlobs) {
  temp_dir dir;
  // sm_75 cannot do bf16 MMA: the run fails on the built-in expectations ...
  const std::vector<std::string> base = {"--target", "sm_75", "--only", "cuda.fma,mma.bf16", "-q"};
  auto args = base;
  args.insert(args.end(), {"-o", dir / "r.json", "--write-expect", dir / "e.json"});
  auto r = run_tool(args);
  ASSERT_EQ(r.exit_code, 1) << r.err;
  // ... and passes against a baseline that records it.
  args = base;
  args.insert(args.end(), {"-o", dir / "r2.json", "--expect", dir / "e.json"});
  EXPECT_EQ(run_tool(args).exit_code, 0);
  // A glob rule: mma.* may fail, everything else must be native.
  write(dir / "glob.json", R"({"schema_version": 1, "expect": {"*": "native", "mma.*": ["failing"]}})");
  args = base;
  args.insert(args.end(), {"-o", dir / "r3.json", "--expect", dir / "glob.json"});
  EXPECT_EQ(run_tool(args).exit_code, 0);
  const auto rep = read_json(dir / "r3.json");
  for (const auto& p : rep["probes"]) EXPECT_EQ(p["baseline"]["rule"], p["id"] == "mma.bf16" ? "mma.*" : "*");
}

TEST(RunExpect, BadBaselinesAreUsageErrorsBeforeAnyRun) {
  temp_dir dir;
  write(dir / "malformed.json", "{\"schema_version\": 1, \"expect\": {");
  write(dir / "newer.json", R"({"schema_version": 2, "expect": {"cuda.fma": "native"}})");
  write(dir / "verdict.json", R"({"schema_version": 1, "expect": {"cuda.fma": "fast"}})");
  for (const char* f : {"malformed.json", "newer.json", "verdict.json", "missing.json"}) {
    const auto r = run_tool({"--only", quick, "-o", dir / "r.json", "--expect", dir / f});
    expect_one_line_error(r, f);
    EXPECT_FALSE(std::filesystem::exists(dir / "r.json")) << f;
  }
  EXPECT_NE(run_tool({"--only", quick, "--expect", dir / "newer.json"}).err.find("newer"), std::string::npos);
}

// ---- compare ------------------------------------------------------------------------

struct compare_files {
  temp_dir dir;
  std::string old_path = data_dir + "run-device.json";
  std::string same = dir / "same.json";
  std::string regressed = dir / "regressed.json";
  compare_files() {
    auto j = read_json(old_path);
    write(same, j.dump(2));
    for (auto& p : j["probes"])
      if (p["id"] == "mma.f16") p["verdict"] = "fallback";
    write(regressed, j.dump(2));
  }
};

TEST(CompareCli, ExitCodes) {
  compare_files f;
  auto r = run_tool({"compare", f.old_path, f.same});
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_NE(r.out.find("No differences"), std::string::npos) << r.out;
  r = run_tool({"compare", f.old_path, f.regressed});
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  EXPECT_NE(r.out.find("REGRESSIONS (1):\n  mma.f16"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("native -> fallback"), std::string::npos);
  // The other way round it is an improvement.
  EXPECT_EQ(run_tool({"compare", f.regressed, f.old_path}).exit_code, 0);
}

TEST(CompareCli, BadInputIsExit2WithOneLine) {
  compare_files f;
  write(f.dir / "malformed.json", "{\"schema_version\": 1, ");
  auto j = read_json(f.old_path);
  j["schema_version"] = 2;
  write(f.dir / "newer.json", j.dump());
  write(f.dir / "shape.json", R"({"schema_version": 1})");
  for (const char* bad : {"malformed.json", "newer.json", "shape.json", "missing.json"}) {
    expect_one_line_error(run_tool({"compare", f.old_path, f.dir / bad}), bad);
    expect_one_line_error(run_tool({"compare", f.dir / bad, f.old_path}), bad);
  }
  EXPECT_NE(run_tool({"compare", f.old_path, f.dir / "newer.json"}).err.find("newer"), std::string::npos);
  const auto r = run_tool({"compare", f.old_path, data_dir + "scan.json"});
  expect_one_line_error(r, "scan report");
  EXPECT_NE(r.err.find("is a scan report"), std::string::npos) << r.err;
  expect_one_line_error(run_tool({"compare", f.old_path}), "one report");
  expect_one_line_error(run_tool({"compare", f.old_path, f.same, "--format", "junit"}), "junit");
}

TEST(CompareCli, JsonAndMarkdown) {
  compare_files f;
  auto r = run_tool({"compare", f.old_path, f.regressed, "--format", "json"});
  EXPECT_EQ(r.exit_code, 1);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(testing::schema_errors(j, source_dir + "/docs/compare.schema.json"), "");
  EXPECT_EQ(j["regressed"], true);
  EXPECT_EQ(j["verdict_changes"][0]["id"], "mma.f16");
  EXPECT_EQ(j["old"]["hostname"], "spark-7f3a") << "JSON is not redacted by default";
  r = run_tool({"compare", f.old_path, f.regressed, "--format", "markdown", "-o", f.dir / "c.md"});
  EXPECT_EQ(r.exit_code, 1);
  const std::string md = util::read_file(f.dir / "c.md");
  EXPECT_NE(md.find("| `mma.f16` | **regression** | native | fallback |"), std::string::npos) << md;
  EXPECT_EQ(md.find("spark-7f3a"), std::string::npos) << "markdown is redacted by default";
  r = run_tool({"compare", f.old_path, f.regressed, "--format", "markdown", "--no-redact"});
  EXPECT_NE(r.out.find("spark-7f3a"), std::string::npos);
}

// ---- merge --------------------------------------------------------------------------

struct fleet_files {
  temp_dir dir;
  std::vector<std::string> paths;
  explicit fleet_files(const std::string& deviating_host) {
    for (const char* host : {"spark-a", "spark-b", "spark-c"}) {
      auto j = read_json(data_dir + "run-device.json");
      j["host"]["hostname"] = host;
      if (host == deviating_host)
        for (auto& p : j["probes"])
          if (p["id"] == "mma.f16") p["verdict"] = "fallback";
      paths.push_back(dir / (std::string("report-") + host + ".json"));
      write(paths.back(), j.dump(2));
    }
  }
};

TEST(MergeCli, MarksTheDeviatingHost) {
  fleet_files f("spark-b");
  std::vector<std::string> args{"merge"};
  args.insert(args.end(), f.paths.begin(), f.paths.end());
  auto r = run_tool(args);
  EXPECT_EQ(r.exit_code, 1) << r.err << r.out;
  EXPECT_NE(r.out.find("1 host deviates from the majority"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex(R"(\nmma\.f16 +native +native +fallback\* +native\n)"))) << r.out;
  EXPECT_NE(r.out.find("  spark-b  mma.f16"), std::string::npos) << r.out;
  args.insert(args.end(), {"--format", "json"});
  r = run_tool(args);
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(testing::schema_errors(j, source_dir + "/docs/merge.schema.json"), "");
  for (const auto& p : j["probes"])
    EXPECT_EQ(p["deviating_hosts"], p["id"] == "mma.f16" ? nlohmann::json::array({"spark-b"}) : nlohmann::json::array())
        << p["id"];
  EXPECT_EQ(j["hosts"][1]["deviations"], 1);
}

TEST(MergeCli, AgreementExitsZeroAndMarkdownIsRedacted) {
  fleet_files f("none");
  std::vector<std::string> args{"merge"};
  args.insert(args.end(), f.paths.begin(), f.paths.end());
  EXPECT_EQ(run_tool(args).exit_code, 0);
  fleet_files g("spark-c");
  args = {"merge", "--format", "markdown"};
  args.insert(args.end(), g.paths.begin(), g.paths.end());
  const auto r = run_tool(args);
  EXPECT_EQ(r.exit_code, 1);
  for (const char* host : {"spark-a", "spark-b", "spark-c"}) EXPECT_EQ(r.out.find(host), std::string::npos) << host;
  EXPECT_NE(r.out.find("| `mma.f16` | native | native | native | **fallback** (deviates) |"), std::string::npos)
      << r.out;
}

TEST(MergeCli, BadInputIsExit2) {
  fleet_files f("none");
  write(f.dir / "bad.json", "not json");
  expect_one_line_error(run_tool({"merge", f.paths[0], f.dir / "bad.json"}), "malformed");
  expect_one_line_error(run_tool({"merge"}), "no reports");
}

// ---- scan formats --------------------------------------------------------------------

TEST(ScanFormats, MarkdownRedactsHomeJunitAndJsonAlongside) {
  const std::string lib = std::string(SM121PROBE_CUDA_LIB_DIR) + "/libcudadevrt.a";
  if (!std::filesystem::exists(lib)) GTEST_SKIP() << lib << " not installed";
  temp_dir home;
  std::filesystem::create_directories(home / "venv/lib");
  std::filesystem::copy_file(lib, home / "venv/lib/libcudadevrt.a");
  // env(1) replaces HOME (run_tool's extra environment is appended, and the first HOME wins).
  const auto run_at_home = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"env", "HOME=" + home.path, SM121PROBE_BINARY});
    return testing::run_process(args);
  };
  auto r = run_at_home({"scan", "--target", "sm_121", "--driver-cuda", "13.0", home / "venv", "--format", "markdown"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("### sm121-probe scan: sm_121", 0), 0u) << r.out;
  EXPECT_EQ(r.out.find(home.path), std::string::npos) << "the home directory is redacted:\n" << r.out;
  EXPECT_NE(r.out.find("`<home-1>/venv/lib/libcudadevrt.a`"), std::string::npos) << r.out;
  r = run_at_home(
      {"scan", "--target", "sm_121", "--driver-cuda", "13.0", home / "venv", "--format", "markdown", "--no-redact"});
  EXPECT_NE(r.out.find(home.path), std::string::npos);

  temp_dir out;
  r = run_at_home({"scan", "--target", "sm_121", "--driver-cuda", "13.0", home / "venv", "--format", "junit", "-o",
                   out / "scan.xml", "--json", out / "scan.json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string xml = util::read_file(out / "scan.xml");
  EXPECT_EQ(testing::xml_schema_errors(xml, data_dir + "junit.xsd"), "");
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase)"), 1);
  EXPECT_EQ(testing::xml_count(xml, "count(//testcase[failure or error or skipped])"), 0);
  const auto j = read_json(out / "scan.json");
  EXPECT_EQ(testing::schema_errors(j, source_dir + "/docs/scan.schema.json"), "");
  EXPECT_EQ(j["files"][0]["path"], home / "venv/lib/libcudadevrt.a") << "JSON keeps paths unless --redact";
  expect_one_line_error(run_tool({"scan", home / "venv", "-o", "-", "--json", "-"}), "two outputs on stdout");
}

// ---- progress -----------------------------------------------------------------------

// Runs the tool with stderr on a pseudo-terminal; returns what the terminal showed.
std::string stderr_on_a_terminal(const std::vector<std::string>& args) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0 || ::grantpt(master) != 0 || ::unlockpt(master) != 0) return "<no pty>";
  const std::string slave_name = ::ptsname(master);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();
    const int slave = ::open(slave_name.c_str(), O_RDWR);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(slave, 2);
    ::dup2(null, 1);
    std::vector<std::string> argv{SM121PROBE_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  std::string seen;
  std::array<char, 4096> buf{};
  for (;;) {
    const ssize_t n = ::read(master, buf.data(), buf.size());
    if (n > 0) seen.append(buf.data(), static_cast<std::size_t>(n));
    else if (n < 0 && errno == EINTR) continue;
    else break;  // EIO once the child closed the terminal
  }
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return seen;
}

TEST(Progress, OnATerminalOnly) {
  const std::string tty = stderr_on_a_terminal({"--only", quick, "-o", "-"});
  EXPECT_NE(tty.find("[1/2] cuda.fma"), std::string::npos) << tty;
  EXPECT_NE(tty.find("[2/2] mma.s8"), std::string::npos) << tty;
  EXPECT_EQ(stderr_on_a_terminal({"--only", quick, "-o", "-", "-q"}), "") << "-q: nothing on stderr";
  auto r = run_tool({"--only", quick, "-o", "-"});
  EXPECT_EQ(r.err.find("[1/"), std::string::npos) << "no progress when stderr is not a terminal:\n" << r.err;
  r = run_tool({"--only", quick, "-o", "-", "-v"});
  EXPECT_NE(r.err.find("[1/2] cuda.fma\n"), std::string::npos) << "-v: progress lines anyway\n" << r.err;
}

// ---- docs/cli.md ----------------------------------------------------------------------

// docs/cli.md holds the --help of every command in ```text blocks under headings
// "### `sm121-probe ... --help`"; each must equal what the binary prints.
TEST(CliDoc, MatchesHelp) {
  const std::string path = source_dir + "/docs/cli.md";
  const std::string doc = util::read_file(path);
  const std::string heading = "### `sm121-probe ", open = "--help`\n\n```text\n", close = "```\n";
  std::string updated;
  std::size_t last = 0, blocks = 0;
  for (std::size_t h = doc.find(heading); h != std::string::npos; h = doc.find(heading, h + 1)) {
    const std::size_t args_at = h + heading.size();
    const std::size_t open_at = doc.find(open, args_at);
    ASSERT_NE(open_at, std::string::npos) << doc.substr(h, 60);
    const std::size_t body = open_at + open.size();
    const std::size_t body_end = doc.find(close, body);
    ASSERT_NE(body_end, std::string::npos);
    ++blocks;
    std::vector<std::string> args;
    std::istringstream words(doc.substr(args_at, open_at - args_at));
    for (std::string w; words >> w;) args.push_back(w);
    args.push_back("--help");
    const auto r = run_tool(args);
    ASSERT_EQ(r.exit_code, 0) << doc.substr(args_at, open_at - args_at);
    updated += doc.substr(last, body - last) + r.out;
    last = body_end;
    if (!testing::updating_goldens()) {
      EXPECT_EQ(testing::first_difference(doc.substr(body, body_end - body), r.out), "")
          << "docs/cli.md is out of date for `sm121-probe " << doc.substr(args_at, open_at - args_at)
          << "--help` (SM121PROBE_UPDATE_GOLDEN=1 rewrites the help blocks)";
    }
  }
  EXPECT_GE(blocks, 6u) << "root, run, list, scan, compare and merge";
  if (testing::updating_goldens()) {
    updated += doc.substr(last);
    std::ofstream(path, std::ios::binary) << updated;
    GTEST_SKIP() << "docs/cli.md help blocks rewritten";
  }
}

}  // namespace
}  // namespace sm121probe
