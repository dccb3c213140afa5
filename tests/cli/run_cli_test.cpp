// The built binary, end to end, on this GPU-less machine.
#include "sm121probe/report/json.hpp"
#include "sm121probe/util/io.hpp"
#include "support/process.hpp"
#include "support/schema.hpp"
#include "support/report_lookup.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace sm121probe {
namespace {

using testing::run_process;
using testing::run_tool;
using testing::temp_dir;

const std::string schema = std::string(SM121PROBE_SOURCE_DIR) + "/docs/report.schema.json";

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const auto nl = s.find('\n', pos);
    out.push_back(s.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  return out;
}

using testing::find;

TEST(RunCli, BinaryDoesNotLinkTheCudaLibraries) {
  const auto r = run_process({"readelf", "-d", SM121PROBE_BINARY});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* lib : {"libcuda.so", "libnvrtc", "libnvJitLink"})
    EXPECT_EQ(r.out.find(lib), std::string::npos) << lib << " must be loaded at run time, not linked";
}

TEST(RunCli, DefaultRunIsOfflineSm121WithOneLineNotice) {
  temp_dir dir;
  const auto r = run_tool({}, {}, dir.path);
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  // One line says there is no GPU; the other stderr line names the report.
  const auto err = lines_of(r.err);
  ASSERT_EQ(err.size(), 2u) << r.err;
  EXPECT_NE(err[0].find("libcuda.so.1"), std::string::npos) << err[0];
  EXPECT_NE(err[0].find("offline"), std::string::npos) << err[0];
  EXPECT_NE(r.out.find("nothing ran on a GPU"), std::string::npos) << "the table says plainly that nothing ran";
  const auto report = report::parse_run_report(util::read_file(dir / "sm121-probe-report.json"));
  EXPECT_EQ(report.mode, report::run_mode::offline);
  EXPECT_EQ(report.target, "sm_121");
  EXPECT_FALSE(report.driver.available);
  EXPECT_FALSE(report.device.has_value());
  for (const auto& p : report.probes) {
    if (p.result != report::verdict::skipped) {
      EXPECT_EQ(p.basis, report::evidence::compile) << p.id;
    }
  }
  // The sm_80-path MMA battery is native on sm_121 (compile evidence).
  for (const char* id : {"mma.f16", "mma.f16f16", "mma.bf16", "mma.tf32", "mma.s8", "ldmatrix", "cuda.fma"}) {
    const auto& p = find(report, id);
    EXPECT_EQ(p.result, report::verdict::native) << id << ": " << p.reason;
    EXPECT_EQ(p.least_specific_target, "sm_121") << id;
  }
  EXPECT_EQ(testing::schema_errors(nlohmann::json::parse(util::read_file(dir / "sm121-probe-report.json")), schema),
            "");
}

TEST(RunCli, Sm75ReportsBf16FailingWithPtxasMessageAndNoFallback) {
  temp_dir dir;
  const auto r = run_tool({"--target", "sm_75", "-o", dir / "r.json"});
  EXPECT_EQ(r.exit_code, 1) << "failing probes without an expectation fail the run";
  const auto report = report::parse_run_report(util::read_file(dir / "r.json"));
  EXPECT_EQ(report.target, "sm_75");
  const auto& p = find(report, "mma.bf16");
  EXPECT_EQ(p.result, report::verdict::failing);
  ASSERT_EQ(p.attempts.size(), 2u);
  const auto* native = p.attempts[0].first_failure();
  ASSERT_NE(native, nullptr);
  EXPECT_EQ(native->stage, report::stage_kind::compile);
  EXPECT_NE(native->log.find("ptxas"), std::string::npos);
  EXPECT_NE(native->log.find("'.bf16' requires .target sm_80"), std::string::npos) << native->log;
  const auto* fb = p.attempts[1].first_failure();
  ASSERT_NE(fb, nullptr) << "compute_80 PTX cannot target sm_75";
  EXPECT_EQ(fb->stage, report::stage_kind::jit_link);
  EXPECT_EQ(find(report, "cuda.fma").result, report::verdict::native);
  EXPECT_EQ(testing::schema_errors(nlohmann::json::parse(util::read_file(dir / "r.json")), schema), "");
}

TEST(RunCli, JsonOnStdout) {
  const auto r = run_tool({"--only", "cuda.fma,mma.s8", "-o", "-", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "") << "-q keeps stderr quiet";
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["probes"].size(), 2u);
  EXPECT_EQ(j["command_line"], nlohmann::json({"sm121-probe", "--only", "cuda.fma,mma.s8", "-o", "-", "-q"}))
      << "the report records how it was made";
  EXPECT_EQ(testing::schema_errors(j, schema), "");
}

TEST(RunCli, NoIsolateAlsoRunsOffline) {
  const auto r = run_tool({"--no-isolate", "--only", "cuda.fma", "-o", "-", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["mode"], "offline");
}

TEST(RunCli, BadFlagsExit2WithOneLine) {
  const std::vector<std::vector<std::string>> cases = {
      {"--bogus"},          {"--target", "sm_12x"},   {"--target", "compute_80"}, {"--target", "sm_130"},
      {"--target", "sm_89a"}, {"--only", "nothing*"}, {"--timeout", "0"},         {"--device", "-1"},
      {"-j"},               {"scan", "--format", "x"}, {"list", "--format", "pdf"}, {"--driver-cuda", "12.x"},
      {"--driver-cuda", "twelve"}};
  for (const auto& args : cases) {
    const auto r = run_tool(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r.err;
    const auto err = lines_of(r.err);
    ASSERT_EQ(err.size(), 1u) << joined << "\n" << r.err;
    EXPECT_EQ(err[0].rfind("sm121-probe: error: ", 0), 0u) << err[0];
    EXPECT_EQ(r.out, "") << joined;
  }
}

TEST(RunCli, UnwritableOutputIsAClearErrorAndLeavesNoFile) {
  temp_dir dir;
  for (const std::string& path : {dir / "missing-dir/r.json", std::string("/proc/r.json"), dir.path}) {
    const auto r = run_tool({"--only", "cuda.fma", "-o", path});
    EXPECT_EQ(r.exit_code, 2) << path;
    const auto err = lines_of(r.err);
    ASSERT_EQ(err.size(), 1u) << r.err;
    EXPECT_NE(err[0].find(path), std::string::npos) << err[0];
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path)) << "no partial or temporary file left";
}

TEST(RunCli, MissingNvrtcIsAnEnvironmentError) {
  const auto r = run_tool({"-o", "-"}, {"SM121PROBE_NVRTC_LIBRARY=/nonexistent/libnvrtc.so.13"});
  EXPECT_EQ(r.exit_code, 3);
  ASSERT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("NVRTC"), std::string::npos);
}

TEST(RunCli, HelpVersionAndList) {
  auto r = run_tool({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("Exit codes"), std::string::npos);
  EXPECT_NE(r.out.find("Examples"), std::string::npos);
  r = run_tool({"run", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--target"), std::string::npos);
  r = run_tool({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("sm121-probe ", 0), 0u);
  r = run_tool({"list"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* id : {"cuda.fma", "mma.f16", "mma.f16f16", "mma.bf16", "mma.tf32", "mma.s8", "ldmatrix"})
    EXPECT_NE(r.out.find(id), std::string::npos) << id;
  r = run_tool({"list", "--format", "json"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(nlohmann::json::parse(r.out).is_array());
}

}  // namespace
}  // namespace sm121probe
