#include "sm121probe/nvrtc/toolchain.hpp"

#include <gtest/gtest.h>

namespace sm121probe::nvrtc {
namespace {

TEST(CleanLog, KeepsEveryPartAroundNuls) {
  const char raw_c[] = "ptxas info    : Advisory: something\0ptxas error   : real problem\0\0";
  const std::string raw(raw_c, sizeof raw_c - 1);
  const std::string log = clean_log(raw);
  EXPECT_NE(log.find("Advisory"), std::string::npos);
  EXPECT_NE(log.find("real problem"), std::string::npos);
  EXPECT_EQ(log.find('\0'), std::string::npos);
}

TEST(TrimLog, KeepsHeadAndTail) {
  std::string big(10000, 'x');
  big.replace(0, 5, "HEAD:");
  big.replace(big.size() - 5, 5, ":TAIL");
  const std::string t = trim_log(big, 1000);
  EXPECT_LT(t.size(), 1100u);
  EXPECT_EQ(t.rfind("HEAD:", 0), 0u);
  EXPECT_EQ(t.substr(t.size() - 5), ":TAIL");
  EXPECT_NE(t.find("bytes trimmed"), std::string::npos);
  EXPECT_EQ(trim_log("short", 1000), "short");
}

TEST(FirstErrorLine, PrefersErrorsAndTidies) {
  const std::string log =
      "kernels/x.cu(3): warning: unused\n"
      "ptxas application ptx input, line 86; error   : Feature '.bf16' requires .target sm_80 or higher\n"
      "ptxas fatal   : Ptx assembly aborted due to errors";
  EXPECT_EQ(first_error_line(log), "error: Feature '.bf16' requires .target sm_80 or higher");
  EXPECT_EQ(first_error_line("just text\nmore"), "just text");
  EXPECT_EQ(first_error_line(""), "");
}

TEST(ExtractWarnings, FindsAdvisories) {
  const std::string log =
      "ptxas info    : Advisory: '.multicast::cluster' modifier ... substantially reduced performance\n"
      "ptxas info    : (C7508) Potential Performance Loss: 'setmaxnreg' ignored\n"
      "ptxas info    : Used 32 registers\n";
  const auto w = extract_warnings(log);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("Advisory"), std::string::npos);
  EXPECT_NE(w[1].find("setmaxnreg"), std::string::npos);
}

}  // namespace
}  // namespace sm121probe::nvrtc
