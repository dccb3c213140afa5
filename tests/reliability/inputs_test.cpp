// Hostile inputs (issue 11, items 6, 7, 10, 13, 15): numeric flags, a missing
// nvJitLink, endless or huge report inputs, numbers JSON cannot hold.
#include "sm121probe/binscan/fatbin.hpp"
#include "sm121probe/binscan/scan.hpp"
#include "sm121probe/util/io.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace sm121probe {
namespace {

using testing::process_result;
using testing::run_tool;
using testing::temp_dir;

const std::string data_dir = std::string(SM121PROBE_TEST_DATA_DIR) + "/report/";
const std::string report_a = data_dir + "run-device.json";

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

void expect_error(const process_result& r, int code, const std::string& needle, const std::string& what) {
  EXPECT_EQ(r.exit_code, code) << what << "\n" << r.err;
  EXPECT_EQ(lines(r.err), 1u) << what << "\n" << r.err;
  EXPECT_EQ(r.err.rfind("sm121-probe: error: ", 0), 0u) << what << "\n" << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << what << "\n" << r.err;
}

TEST(Inputs, NumericFlagsAreBoundedAndValidated) {
  temp_dir dir;
  for (const char* t : {"inf", "-inf", "nan", "1e300", "-1", "0", "abc", "86401", "1e-400x"})
    expect_error(run_tool({"--only", "cuda.fma", "--timeout", t}, {}, dir.path), 2, "--timeout",
                 std::string("--timeout ") + t);
  for (const char* d : {"-1", "1024", "99999999999"})
    expect_error(run_tool({"--only", "cuda.fma", "--device", d}, {}, dir.path), 2, "--device",
                 std::string("--device ") + d);
  for (const char* j : {"-1", "100000"})
    expect_error(run_tool({"--only", "cuda.fma", "-j", j}, {}, dir.path), 2, "jobs", std::string("-j ") + j);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path));
  const auto ok = run_tool({"--only", "cuda.fma", "--timeout", "0.5", "-q", "-o", "-"}, {}, dir.path);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST(Inputs, MissingNvJitLinkIsAnEnvironmentError) {
  temp_dir dir;
  for (const auto& args : {std::vector<std::string>{"--only", "cuda.fma", "-q"},
                                              std::vector<std::string>{"--target", "sm_90", "-q", "-o", "r.json"}}) {
    const auto r = run_tool(args, {"SM121PROBE_NVJITLINK_LIBRARY=/nonexistent/libnvJitLink.so.13"}, dir.path);
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("error: nvJitLink cannot be loaded"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path)) << "no report with false verdicts";
}

TEST(Inputs, OversizedReportInputsStopAtTheSizeLimit) {
  // An 80 MiB sparse file (no disk used): refused at 64 MiB, whatever it holds.
  temp_dir dir;
  const std::string big = dir / "big.json";
  {
    std::ofstream(big) << "{";
    ASSERT_EQ(::truncate(big.c_str(), 80 << 20), 0);
  }
  expect_error(run_tool({"compare", big, report_a}), 2, "larger than 64 MiB", "compare BIG");
  expect_error(run_tool({"merge", report_a, big}), 2, "larger than 64 MiB", "merge BIG");
  expect_error(run_tool({"--only", "cuda.fma", "--expect", big, "-o", "-"}, {}, dir.path), 2, "larger than 64 MiB",
               "--expect BIG");
  expect_error(run_tool({"compare", dir.path, report_a}), 2, "directory", "compare DIR");
}

TEST(Inputs, EndlessReportInputsStopAtTheSizeLimit) {
  // /dev/zero is read (never written). Under a hard deadline, so that a
  // regression (reading until memory runs out) is killed, not left running.
  for (const auto& args : {std::vector<std::string>{"compare", "/dev/zero", report_a},
                                              std::vector<std::string>{"merge", report_a, "/dev/zero"},
                                              std::vector<std::string>{"--only", "cuda.fma", "--expect", "/dev/zero",
                                                                       "-o", "-"}}) {
    std::vector<std::string> argv{"timeout", "-s", "KILL", "10", SM121PROBE_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    expect_error(testing::run_process(argv), 2, "larger than 64 MiB", args.front() + " /dev/zero");
  }
}

TEST(Inputs, NumbersJsonCannotHoldAreMalformedInputNotInternalErrors) {
  temp_dir dir;
  std::ifstream in(report_a);
  const std::string good((std::istreambuf_iterator<char>(in)), {});
  const auto with = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    const auto p = s.find(from);
    EXPECT_NE(p, std::string::npos) << from;
    if (p != std::string::npos) s.replace(p, from.size(), to);
    return s;
  };
  std::ofstream(dir / "huge.json") << with("\"schema_version\": 1", "\"schema_version\": 1, \"x\": 1e400");
  std::ofstream(dir / "u64.json") << with("\"schema_version\": 1", "\"schema_version\": 18446744073709551615");
  std::ofstream(dir / "neg.json") << with("\"schema_version\": 1", "\"schema_version\": -9223372036854775808");
  std::ofstream(dir / "e.json") << R"({"schema_version": 1e400, "expect": {}})";
  std::ofstream(dir / "e64.json") << R"({"schema_version": 18446744073709551615, "expect": {}})";
  expect_error(run_tool({"compare", dir / "huge.json", report_a}), 2, "malformed JSON", "1e400 in a report");
  expect_error(run_tool({"merge", report_a, dir / "huge.json"}), 2, "malformed JSON", "1e400 in merge");
  expect_error(run_tool({"compare", dir / "u64.json", report_a}), 2, "schema_version 18446744073709551615, newer",
               "2^64-1");
  expect_error(run_tool({"compare", dir / "neg.json", report_a}), 2, "invalid schema_version -9223372036854775808",
               "-2^63");
  expect_error(run_tool({"--only", "cuda.fma", "--expect", dir / "e.json", "-o", "-"}), 2, "malformed JSON",
               "1e400 in --expect");
  expect_error(run_tool({"--only", "cuda.fma", "--expect", dir / "e64.json", "-o", "-"}), 2,
               "schema_version 18446744073709551615, newer", "2^64-1 in --expect");
}

}  // namespace
}  // namespace sm121probe

namespace sm121probe {
namespace {

TEST(Inputs, TruncatedFatbinHeaderSaysTruncated) {
  // 15 bytes of a valid header (magic, version 1, header size 16): the message
  // must not claim "version 1, header size 16; expected 1 and 16".
  std::vector<std::byte> bytes(15, std::byte{0});
  const std::uint32_t magic = binscan::fatbin_magic;
  for (int i = 0; i < 4; ++i) bytes[static_cast<std::size_t>(i)] = std::byte((magic >> (8 * i)) & 0xff);
  bytes[4] = std::byte{1};
  bytes[6] = std::byte{16};
  const auto r = binscan::scan_bytes(bytes, "x.fatbin", binscan::scan_target{{12, 1}, {13, 0}});
  EXPECT_EQ(r.result, binscan::verdict::error);
  EXPECT_NE(r.reason.find("truncated (15 of 16 bytes)"), std::string::npos) << r.reason;
  EXPECT_EQ(r.reason.find("expected 1 and 16"), std::string::npos) << r.reason;
}

}  // namespace
}  // namespace sm121probe
