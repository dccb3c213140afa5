#include "sm121probe/report/json.hpp"
#include "support/schema.hpp"

#include <gtest/gtest.h>

namespace sm121probe::report {
namespace {

const std::string schema_path = std::string(SM121PROBE_SOURCE_DIR) + "/docs/report.schema.json";

run_report sample_report() {
  run_report r;
  r.tool = {"sm121-probe", "0.1.0", "abc123"};
  r.created = "2026-11-21T10:00:00Z";
  r.command_line = {"sm121-probe", "--only", "mma.*"};
  r.mode = run_mode::device;
  r.target = "sm_121";
  r.host = {"spark-01", "Linux", "6.11.0", "aarch64"};
  r.toolkit = {"13.0",
               {75, 80, 121},
               "13.0",
               "",
               {"/usr/local/cuda-13.0/lib/libnvrtc.so.13", "13.0.88",
                "wheel metadata (nvidia_cuda_nvrtc-13.0.88.dist-info)", "LD_LIBRARY_PATH"},
               {"/usr/local/cuda-13.0/lib/libnvJitLink.so.13", "13.0.88", "file name", "next to NVRTC"},
               ""};
  r.driver.available = true;
  r.driver.version = 13000;
  r.driver.cuda_version = "13.0";
  r.driver.device_count = 1;
  device_info d;
  d.name = "NVIDIA GB10";
  d.uuid = "GPU-01234567-89ab-cdef-0123-456789abcdef";
  d.pci_bus_id = "000f:01:00.0";
  d.cc_major = 12;
  d.cc_minor = 1;
  d.total_memory_bytes = 130000000000ull;
  d.free_memory_bytes = 4000000000ull;
  d.system_mem_available_bytes = 90000000000ull;
  d.memory_note = "cuMemGetInfo disagrees with MemAvailable";
  for (const char* k : {"multiprocessor_count", "clock_rate_khz", "l2_cache_bytes", "shared_memory_per_block_bytes",
                        "shared_memory_per_block_optin_bytes", "shared_memory_per_multiprocessor_bytes",
                        "registers_per_block", "max_threads_per_block", "warp_size", "cluster_launch", "integrated",
                        "managed_memory", "concurrent_managed_access", "pageable_memory_access",
                        "pageable_memory_access_uses_host_page_tables", "host_native_atomic_supported", "ecc_enabled"})
    d.attributes[k] = 1;
  d.attributes["ecc_enabled"] = std::nullopt;
  r.device = d;
  probe_result p;
  p.id = "mma.f16";
  p.category = "mma";
  p.description = "warp mma";
  p.result = verdict::fallback;
  p.basis = evidence::run;
  p.reason = "only sm80-ptx works";
  p.least_specific_target = "sm_121";
  p.expectation = expectation_kind::verdict;
  p.expected = verdict::native;
  p.expected_source = "ptx-mma";
  p.as_expected = false;
  p.worse_than_expected = true;
  p.baseline = baseline_check{"mma.*", {"native"}, false};
  attempt_result a;
  a.variant = "native";
  a.target = "sm_121";
  a.stages = {{stage_kind::compile, true, 12.5, "", "", false},
              {stage_kind::load, false, 3.0, "CUDA_ERROR_NO_BINARY_FOR_GPU", "log \xff text", false}};
  a.warnings = {"Advisory: something"};
  a.sass = sass_summary{"HMMA", true, 21, {{"HMMA", 1}}, ""};
  attempt_result b;
  b.variant = "sm80-ptx";
  b.target = "compute_80";
  b.fallback = true;
  b.stages = {{stage_kind::compile, true, 10.0, "", "", false}, {stage_kind::load, true, 50.0, "", "", false},
              {stage_kind::launch, true, 0.1, "", "", false}, {stage_kind::verify, true, 0.1, "", "", false}};
  b.max_abs_err = 0.0;
  b.max_rel_err = 0.0;
  b.mismatches = 0;
  p.attempts = {a, b};
  r.probes.push_back(p);
  r.totals = summarize(r.probes);
  return r;
}

TEST(ReportJson, ValidatesAgainstSchema) {
  const run_report r = sample_report();
  EXPECT_EQ(testing::schema_errors(to_json(r), schema_path), "");
  run_report offline = r;
  offline.mode = run_mode::offline;
  offline.device.reset();
  offline.driver = {};
  offline.driver.error = "libcuda.so.1 not found";
  EXPECT_EQ(testing::schema_errors(to_json(offline), schema_path), "");
}

TEST(ReportJson, SchemaRejectsWrongShapes) {
  nlohmann::json j = to_json(sample_report());
  j["probes"][0]["verdict"] = "maybe";
  EXPECT_NE(testing::schema_errors(j, schema_path), "");
  j = to_json(sample_report());
  j.erase("summary");
  EXPECT_NE(testing::schema_errors(j, schema_path), "");
  j = to_json(sample_report());
  j["probes"][0]["attempts"][0]["stages"][0]["stage"] = "link";
  EXPECT_NE(testing::schema_errors(j, schema_path), "");
}

TEST(ReportJson, RoundTrips) {
  const run_report r = sample_report();
  const std::string text = dump(to_json(r));
  const run_report back = parse_run_report(text);
  EXPECT_EQ(dump(to_json(back)), text);
  EXPECT_EQ(back.probes.at(0).baseline->rule, "mma.*");
  EXPECT_EQ(back.device->attribute("ecc_enabled"), std::nullopt);
  EXPECT_EQ(back.device->attribute("warp_size"), 1);
}

TEST(ReportJson, InvalidUtf8IsReplacedNotThrown) {
  const std::string text = dump(to_json(sample_report()));
  EXPECT_NE(text.find("log \xef\xbf\xbd text"), std::string::npos) << "0xFF became U+FFFD";
}

TEST(ReportJson, RejectsMalformedAndNewerSchema) {
  EXPECT_THROW((void)parse_run_report("{not json"), report_error);
  EXPECT_THROW((void)parse_run_report("[]"), report_error);
  nlohmann::json j = to_json(sample_report());
  j["schema_version"] = schema_version + 1;
  try {
    (void)parse_run_report(dump(j));
    FAIL() << "newer schema accepted";
  } catch (const report_error& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos);
  }
  j = to_json(sample_report());
  j["probes"][0].erase("verdict");
  try {
    (void)parse_run_report(dump(j));
    FAIL();
  } catch (const report_error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "one line";
    EXPECT_NE(std::string(e.what()).find("verdict"), std::string::npos);
  }
}

TEST(Summary, CountsEverything) {
  std::vector<probe_result> ps(4);
  ps[0].result = verdict::native;
  ps[1].result = verdict::failing;
  ps[1].as_expected = false;
  ps[1].worse_than_expected = true;
  ps[2].result = verdict::skipped;
  ps[3].result = verdict::fallback;
  ps[3].baseline = baseline_check{"*", {"native"}, false};
  const summary s = summarize(ps);
  EXPECT_EQ(s.native, 1);
  EXPECT_EQ(s.failing, 1);
  EXPECT_EQ(s.skipped, 1);
  EXPECT_EQ(s.fallback, 1);
  EXPECT_EQ(s.unexpected, 1);
  EXPECT_EQ(s.worse_than_expected, 1);
  EXPECT_EQ(s.baseline_deviations, 1);
}

}  // namespace
}  // namespace sm121probe::report
