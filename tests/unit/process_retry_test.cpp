// tests/support/process.hpp reruns a child whose only failure was
// LeakSanitizer's tracer crashing at exit (seen in CI, `make asan-test`), and
// nothing else: a leak report or any other failure is returned as it is.
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace {

using namespace sm121probe::testing;

// What the CI run printed for the tool's child process (stop 18).
const std::string tracer_crash =
    "Tracer caught signal 11: addr=0x25a8 pc=0x7f4815ae80f0 sp=0x7f4805630d10\n"
    "==27056==LeakSanitizer has encountered a fatal error.\n"
    "==27056==HINT: For debugging, try setting environment variable LSAN_OPTIONS=verbosity=1:log_threads=1\n"
    "==27056==HINT: LeakSanitizer does not work under ptrace (strace, gdb, etc)\n";

// A shell script that counts its runs in `counter` and prints `err` to stderr
// and exits with `code` on the first `bad_runs` runs, then exits 0.
process_result counted(const temp_dir& dir, const std::string& err, int code, int bad_runs) {
  const std::string script = "n=$(cat '" + (dir / "n") + "' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '" +
                             (dir / "n") + "'; if [ $n -le " + std::to_string(bad_runs) + " ]; then printf '%s' \"$ERR\" >&2; exit " +
                             std::to_string(code) + "; fi; echo ok";
  return run_process({"sh", "-c", script}, {}, {"ERR=" + err});
}

int runs(const temp_dir& dir) {
  std::ifstream in(dir / "n");
  int n = 0;
  in >> n;
  return n;
}

TEST(ProcessRetry, TheTracerCrashIsRecognisedAndALeakReportIsNot) {
  EXPECT_TRUE(leak_sanitizer_crashed({1, "", "some output\n" + tracer_crash}));
  EXPECT_FALSE(leak_sanitizer_crashed({1, "", "==1==ERROR: LeakSanitizer: detected memory leaks\n"}));
  EXPECT_FALSE(leak_sanitizer_crashed({1, "", "==1==ERROR: AddressSanitizer: heap-buffer-overflow\n"}));
  EXPECT_FALSE(leak_sanitizer_crashed({0, "", ""}));
}

TEST(ProcessRetry, ATracerCrashIsRunAgain) {
  temp_dir dir;
  const auto r = counted(dir, tracer_crash, 1, 1);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ok\n");
  EXPECT_EQ(runs(dir), 2);
}

TEST(ProcessRetry, AtMostTwiceThenTheCrashIsTheResult) {
  temp_dir dir;
  const auto r = counted(dir, tracer_crash, 1, 10);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(leak_sanitizer_crashed(r));
  EXPECT_EQ(runs(dir), 3);
}

TEST(ProcessRetry, LeaksAndOtherFailuresAreNeverRetried) {
  temp_dir dir;
  auto r = counted(dir, "==1==ERROR: LeakSanitizer: detected memory leaks\n", 1, 1);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(runs(dir), 1);
  temp_dir other;
  r = counted(other, "error: something\n", 2, 1);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(runs(other), 1);
}

// The same rule for the test executables themselves, in the sanitizer build's
// launcher (tests/sanitizers/rerun-on-lsan-tracer-crash.sh).
process_result launched(const temp_dir& dir, const std::string& err, int code, int bad_runs) {
  const std::string script = "n=$(cat '" + (dir / "n") + "' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '" +
                             (dir / "n") + "'; if [ $n -le " + std::to_string(bad_runs) + " ]; then printf '%s' \"$ERR\" >&2; exit " +
                             std::to_string(code) + "; fi; echo ok";
  return run_process_once({SM121PROBE_LSAN_RERUN, "sh", "-c", script}, {}, {"ERR=" + err, "TMPDIR=" + dir.path});
}

TEST(ProcessRetry, TheSanitizerLauncherRerunsOnlyTheTracerCrash) {
  {
    temp_dir dir;
    const auto r = launched(dir, tracer_crash, 1, 1);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(runs(dir), 2);
    EXPECT_NE(r.err.find("LeakSanitizer's tracer crashed (not a leak report); run 2 of at most 3"), std::string::npos)
        << r.err;
  }
  {
    temp_dir dir;
    const auto r = launched(dir, tracer_crash, 1, 10);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_EQ(runs(dir), 3);
  }
  {
    temp_dir dir;
    const auto r = launched(dir, "==1==ERROR: LeakSanitizer: detected memory leaks\n", 23, 1);
    EXPECT_EQ(r.exit_code, 23);
    EXPECT_EQ(runs(dir), 1);
    EXPECT_EQ(r.err, "==1==ERROR: LeakSanitizer: detected memory leaks\n");
  }
  {
    temp_dir dir;
    const auto r = launched(dir, "", 0, 0);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, "ok\n");
    EXPECT_EQ(runs(dir), 1);
    // Its stderr file was removed.
    EXPECT_EQ(run_process_once({"sh", "-c", "ls '" + dir.path + "' | grep -c stderr"}).out, "0\n");
  }
}

}  // namespace
