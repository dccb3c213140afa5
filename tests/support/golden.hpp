#pragma once
// Test helper: compare output with a golden file under tests/data.
//
// By default the test compares and fails on any difference, naming the first
// differing line. To accept new output after a reviewed change, run the tests
// with SM121PROBE_UPDATE_GOLDEN=1: each golden is rewritten and the test is
// reported as skipped, so an update never passes silently. Review the diff
// (git diff tests/data) before committing.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace sm121probe::testing {

inline bool updating_goldens() {
  const char* v = std::getenv("SM121PROBE_UPDATE_GOLDEN");
  return v && std::string(v) == "1";
}

/// Where a golden lives: tests/data/<relative>.
inline std::string golden_path(const std::string& relative) {
  return std::string(SM121PROBE_TEST_DATA_DIR) + "/" + relative;
}

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// "" when equal, else where the texts first differ.
inline std::string first_difference(const std::string& want, const std::string& got) {
  if (want == got) return {};
  std::istringstream a(want), b(got);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ha = static_cast<bool>(std::getline(a, la));
    const bool hb = static_cast<bool>(std::getline(b, lb));
    if (!ha && !hb) return "texts differ only in a trailing newline";
    if (!ha || !hb || la != lb)
      return "line " + std::to_string(line) + ":\n  golden: " + (ha ? la : "<end of file>") +
             "\n  actual: " + (hb ? lb : "<end of file>");
  }
}

}  // namespace sm121probe::testing

/// Compares `actual` with tests/data/<relative> (or rewrites it, see above).
#define SM121_EXPECT_GOLDEN(relative, actual)                                                             \
  do {                                                                                                    \
    const std::string sm121_path_ = ::sm121probe::testing::golden_path(relative);                        \
    const std::string sm121_actual_ = (actual);                                                           \
    if (::sm121probe::testing::updating_goldens()) {                                                      \
      std::ofstream(sm121_path_, std::ios::binary) << sm121_actual_;                                      \
      GTEST_SKIP() << "golden rewritten: " << sm121_path_;                                                \
    }                                                                                                     \
    const std::string sm121_want_ = ::sm121probe::testing::read_text(sm121_path_);                        \
    ASSERT_FALSE(sm121_want_.empty()) << "missing golden " << sm121_path_                                 \
                                      << " (create it with SM121PROBE_UPDATE_GOLDEN=1 and review it)";    \
    EXPECT_EQ(::sm121probe::testing::first_difference(sm121_want_, sm121_actual_), "")                    \
        << "golden " << sm121_path_ << " differs (if the change is intended: SM121PROBE_UPDATE_GOLDEN=1)"; \
  } while (false)
