// `sm121-probe bench` end to end (offline, the built tool) and its report:
// JSON against docs/bench.schema.json, the text says nothing was timed,
// markdown is redacted, bad flags exit 2 with one line.
#include "sm121probe/report/bench_json.hpp"
#include "sm121probe/report/bench_render.hpp"
#include "support/process.hpp"
#include "support/schema.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sm121probe {
namespace {

const std::string tool = SM121PROBE_BINARY;
const std::string schema = std::string(SM121PROBE_SOURCE_DIR) + "/docs/bench.schema.json";

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

TEST(BenchCli, OfflineJsonValidatesAndCarriesNoFigure) {
  testing::temp_dir dir;
  const std::string json_path = dir / "bench.json";
  const auto r = testing::run_process({tool, "bench", "--target", "sm_121", "--only", "tensor.nvf4.*,tensor.bf16.*",
                                       "--only", "memory.device.read", "-q", "--format", "json", "-o", json_path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto j = nlohmann::json::parse(read(json_path));
  EXPECT_EQ(testing::schema_errors(j, schema), "");
  EXPECT_EQ(j["mode"], "offline");
  EXPECT_EQ(j["nothing_timed"], true);
  EXPECT_EQ(j["target"], "sm_121");
  ASSERT_EQ(j["tensor"].size(), 4u);
  for (const auto& t : j["tensor"]) {
    EXPECT_EQ(t["status"], "compiled") << t["id"];
    EXPECT_TRUE(t["throughput"].is_null());
    EXPECT_TRUE(t["timing"].is_null());
    EXPECT_EQ(t["sass"]["expected_found"], true) << t["sass"]["note"];
  }
  EXPECT_EQ(j["tensor"][2]["id"], "tensor.nvf4.native");
  EXPECT_EQ(j["tensor"][2]["sass"]["per_iteration"]["OMMA.SF"], 8);
  ASSERT_EQ(j["memory"].size(), 1u);
  EXPECT_EQ(j["memory"][0]["status"], "skipped");
  EXPECT_TRUE(j["memory"][0]["gb_per_s"].is_null());
  EXPECT_EQ(j["anchors"].size(), 3u);
}

TEST(BenchCli, OfflineTextSaysNothingWasTimed) {
  const auto r = testing::run_process({tool, "bench", "--target", "sm_80", "--only", "tensor.fp8-e4m3.*", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("offline for sm_80: NOTHING WAS TIMED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("format-absent: format absent on target: fp8-e4m3 needs sm_89 or later"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("16 HMMA/iter (ok)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("TFLOP/s ("), std::string::npos) << r.out;
}

TEST(BenchCli, BadFlagsExitTwoWithOneLine) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--seconds", "0"},
           {"--seconds", "nan"},
           {"--target", "sm_999x"},
           {"--target", "compute_80"},
           {"--target", "sm_121", "--only", "nothing.*"},
           {"--target", "sm_121", "--format", "junit"},
           {"--device", "-1"},
           {"--bogus"}}) {
    std::vector<std::string> argv{tool, "bench"};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = testing::run_process(argv);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("sm121-probe: error: ", 0), 0u) << r.err;
  }
}

// A device report built by hand (no GPU here): schema, text and markdown.
report::bench_report device_report() {
  report::bench_report r;
  r.tool.version = "0.1.0";
  r.tool.git_sha = "abc";
  r.created = "2026-12-03T09:00:00Z";
  r.mode = report::run_mode::device;
  r.target = "sm_121";
  r.nothing_timed = false;
  r.host.hostname = "spark-of-alice";
  r.command_line = {"sm121-probe", "bench", "-o", "/home/alice/b.md"};
  r.seconds_per_measurement = 2;
  r.device = report::device_info{};
  r.device->name = "NVIDIA GB10";
  r.device->uuid = "GPU-12345678-1234-1234-1234-123456789abc";
  r.device->pci_bus_id = "0000:0f:00.0";
  r.driver.available = true;
  r.anchors = {{"gb10-bf16-dense", "~91-92 TFLOP/s", "dense BF16", "a guide", "https://example.org/guide"}};
  report::bench_tensor t;
  t.id = "tensor.bf16.native";
  t.format = "bf16";
  t.path = "native";
  t.status = report::bench_status::measured;
  t.m = 16;
  t.n = 8;
  t.k = 16;
  t.mma_per_iteration = 8;
  t.ops_per_mma = 4096;
  t.unit = "TFLOP/s";
  t.timing = report::bench_timing{3, {10, 11, 12}, 11, 10, 12, 18.2};
  t.throughput = 87.25;
  t.native_over_fallback = 1.02;
  t.anchor = "gb10-bf16-dense";
  t.verify = "ok";
  r.tensor.push_back(t);
  report::bench_tensor bad = t;
  bad.id = "tensor.bf16.fallback";
  bad.path = "fallback";
  bad.status = report::bench_status::rejected;
  bad.timing.reset();
  bad.throughput.reset();
  bad.native_over_fallback.reset();
  bad.reason = "the timed loop's result is wrong";
  r.tensor.push_back(bad);
  report::bench_memory m;
  m.id = "memory.device.read";
  m.memory = "device";
  m.op = "read";
  m.status = report::bench_status::measured;
  m.timing = report::bench_timing{3, {1.1}, 1.1, 1.1, 1.1, 0};
  m.gb_per_s = 230.5;
  m.peak_gb_per_s = 273;
  m.fraction_of_peak = 230.5 / 273;
  m.peak_source = "documented";
  r.memory.push_back(m);
  report::bench_latency l;
  l.id = "launch.round-trip";
  l.status = report::bench_status::measured;
  l.timing = report::bench_timing{3, {0.01}, 0.01, 0.01, 0.01, 0};
  l.value = 10;
  l.unit = "us";
  r.latency.push_back(l);
  r.conditions = report::bench_conditions{"not reported: libnvidia-ml.so.1 not found", std::nullopt, std::nullopt, ""};
  return r;
}

TEST(BenchReport, DeviceReportValidatesAndPrintsFiguresWithAnchors) {
  const report::bench_report r = device_report();
  EXPECT_EQ(testing::schema_errors(report::to_json(r), schema), "");
  std::ostringstream text;
  report::render_bench_text(r, text);
  const std::string s = text.str();
  EXPECT_NE(s.find("87.2 TFLOP/s (median of 3, spread 18.2%), 1.02x the fallback"), std::string::npos) << s;
  EXPECT_NE(s.find("public anchor: ~91-92 TFLOP/s (a guide)"), std::string::npos) << s;
  EXPECT_NE(s.find("rejected: the timed loop's result is wrong"), std::string::npos) << s;
  EXPECT_NE(s.find("230.5 GB/s (median of 1, spread 0.0%), 84% of 273 GB/s"), std::string::npos) << s;
  EXPECT_NE(s.find("NVML: not reported: libnvidia-ml.so.1 not found"), std::string::npos) << s;

  // A figure on a row that was not measured breaks the schema.
  nlohmann::json j = report::to_json(r);
  j["tensor"][1]["throughput"] = 5.0;
  EXPECT_NE(testing::schema_errors(j, schema), "");
}

TEST(BenchReport, MarkdownIsRedactedLikeRun) {
  report::redactor rd(report::identity{{}, {"alice"}, {}});
  const report::bench_report red = report::redacted(device_report(), rd);
  const std::string md = report::render_bench_markdown(red);
  EXPECT_EQ(md.find("spark-of-alice"), std::string::npos) << md;
  EXPECT_EQ(red.host.hostname.find("spark"), std::string::npos);
  EXPECT_EQ(red.device->uuid.find("12345678"), std::string::npos) << red.device->uuid;
  EXPECT_EQ(red.device->pci_bus_id.find("0f:00"), std::string::npos) << red.device->pci_bus_id;
  EXPECT_EQ(red.command_line[3], "/home/<user-1>/b.md");
  EXPECT_NE(md.find("| `tensor.bf16.native` |"), std::string::npos) << md;
  EXPECT_NE(md.find("87.2 TFLOP/s"), std::string::npos) << md;
  EXPECT_EQ(testing::schema_errors(report::to_json(red), schema), "");
}

TEST(BenchReport, RowsSurviveTheWorkerWire) {
  const report::bench_report r = device_report();
  const auto t = report::bench_tensor_from_json(report::to_json(r.tensor[0]));
  EXPECT_EQ(report::to_json(t), report::to_json(r.tensor[0]));
  const auto m = report::bench_memory_from_json(report::to_json(r.memory[0]));
  EXPECT_EQ(report::to_json(m), report::to_json(r.memory[0]));
  const auto l = report::bench_latency_from_json(report::to_json(r.latency[0]));
  EXPECT_EQ(report::to_json(l), report::to_json(r.latency[0]));
}

}  // namespace
}  // namespace sm121probe
