// A broken driver (issue 11, item 2): a libcuda.so.1 whose cuInit hangs,
// segfaults or calls _exit(0), first on LD_LIBRARY_PATH. The parent process
// never touches libcuda (NVRTC and nvJitLink would dlopen it and call cuInit
// while compiling); every driver contact is in a worker with a deadline; the
// run ends with a report that says what happened. The fake driver is a few
// lines of C built here with the system C compiler into the test's directory.
#include "sm121probe/util/io.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

namespace sm121probe {
namespace {

using testing::process_result;
using testing::run_process;
using testing::temp_dir;

constexpr const char* kFakeDriver = R"C(
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
/* Every cuInit leaves a mark, so a test can tell whether anything called it. */
static void mark(void) {
  const char* m = getenv("FAKE_CUDA_MARK");
  if (m) { int fd = open(m, O_WRONLY | O_CREAT | O_APPEND, 0600); if (fd >= 0) { write(fd, "x", 1); close(fd); } }
}
int cuInit(unsigned flags) {
  (void)flags;
  mark();
  const char* mode = getenv("FAKE_CUDA_MODE");
  if (mode && mode[0] == 'h') for (;;) pause();
  if (mode && mode[0] == 's') { volatile int* p = 0; *p = 1; }
  if (mode && mode[0] == 'e') _exit(0);
  return 100; /* CUDA_ERROR_NO_DEVICE */
}
int cuDriverGetVersion(int* v) { *v = 13000; return 0; }
int cuDeviceGetCount(int* n) { *n = 1; return 0; }
int cuGetExportTable(const void** table, const void* id) { (void)table; (void)id; mark(); return 100; }
)C";

// Builds libcuda.so.1 from kFakeDriver in `dir` with the system C compiler.
void build_fake_driver(const temp_dir& dir) {
  std::ofstream(dir / "fake_cuda.c") << kFakeDriver;
  process_result r;
  for (const char* cc : {"cc", "gcc", "clang"}) {
    r = run_process({"sh", "-c", std::string("command -v ") + cc + " >/dev/null && exec " + cc +
                                     " -shared -fPIC -o \"$0\"/libcuda.so.1 \"$0\"/fake_cuda.c",
                     dir.path});
    if (r.exit_code == 0) return;
  }
  FAIL() << "cannot build the fake libcuda.so.1 with the system C compiler: " << r.err;
}

// Runs the tool with the fake driver first on the loader path, under a hard
// outer deadline so a regression fails the test instead of hanging it.
process_result run_with_fake(const temp_dir& dir, const std::string& mode, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"timeout", "-s", "KILL", "180", SM121PROBE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  // ASAN_OPTIONS: under the sanitizer build a SEGV in the fake cuInit must kill
  // the worker by the signal as in a normal build, not become ASan's exit 1.
  return run_process(argv, {}, {"LD_LIBRARY_PATH=" + dir.path, "FAKE_CUDA_MODE=" + mode,
                                "FAKE_CUDA_MARK=" + (dir / ("mark-" + mode)), "ASAN_OPTIONS=handle_segv=0"},
                     dir.path);
}

TEST(BrokenDriver, OfflineTargetNeverCallsTheDriver) {
  temp_dir dir;
  build_fake_driver(dir);
  if (::testing::Test::HasFatalFailure()) return;
  // --target: no worker queries the driver, and NVRTC/nvJitLink must not either.
  const auto r = run_with_fake(dir, "hang", {"--target", "sm_121", "--only", "cuda.fma,mma.f16", "-q", "-o", "r.json"});
  ASSERT_LE(r.exit_code, 1) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir / "r.json"));
  EXPECT_FALSE(std::filesystem::exists(dir / "mark-hang")) << "something in the process called cuInit";
}

// `doctor` asks the driver in a worker too: the driver it reports comes from
// there (this process refuses libcuda), and a hanging cuInit costs only the
// detection, never the audit.
TEST(BrokenDriver, DoctorAsksTheDriverInAWorker) {
  temp_dir dir;
  build_fake_driver(dir);
  if (::testing::Test::HasFatalFailure()) return;
  const auto ok = run_with_fake(dir, "normal", {"doctor", "--python", "/bin/false", "--no-device", "--format", "json", "-o", "d.json"});
  // /bin/false as the interpreter fails: exit 3, but the report's driver facts are what matter here.
  const auto read_json = [&](const std::string& name) {
    std::ifstream in(dir / name);
    return nlohmann::json::parse(in, nullptr, false);
  };
  (void)ok;
  EXPECT_TRUE(std::filesystem::exists(dir / "mark-normal")) << "the driver was never asked (a worker must ask it)";
  const auto hang = run_with_fake(dir, "hang", {"doctor", "--no-device", "--format", "json", "-o", "h.json"});
  ASSERT_LE(hang.exit_code, 1) << hang.err;
  const auto h = read_json("h.json");
  ASSERT_TRUE(h.is_object()) << hang.err;
  EXPECT_TRUE(h.at("driver_cuda").is_null()) << h.dump();
  EXPECT_TRUE(std::filesystem::exists(dir / "mark-hang"));
}

TEST(BrokenDriver, HangCrashAndExitInCuInitEndInAReport) {
  temp_dir dir;
  build_fake_driver(dir);
  if (::testing::Test::HasFatalFailure()) return;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"hang", "did not finish within 2000 ms"},
      {"segv", "SIGSEGV"},
      {"exit", "exited with code 0 without answering"},
  };
  for (const auto& [mode, expected] : cases) {
    const std::string out = "r-" + mode + ".json";
    const auto r = run_with_fake(dir, mode, {"--only", "cuda.fma", "--timeout", "2", "-q", "-o", out});
    ASSERT_LE(r.exit_code, 1) << mode << "\n" << r.err;
    ASSERT_TRUE(std::filesystem::exists(dir / out)) << mode;
    const auto j = nlohmann::json::parse(util::read_file(dir / out));
    EXPECT_EQ(j.at("mode"), "offline") << mode;
    const std::string error = j.at("driver").at("error").get<std::string>();
    EXPECT_NE(error.find(expected), std::string::npos) << mode << ": " << error;
    EXPECT_TRUE(std::filesystem::exists(dir / ("mark-" + mode))) << "the worker did call the fake cuInit";
  }
}

TEST(BrokenDriver, ScanAsksTheDriverInAWorker) {
  temp_dir dir;
  build_fake_driver(dir);
  if (::testing::Test::HasFatalFailure()) return;
  std::filesystem::create_directory(dir / "d");
  std::ofstream(dir / "d/plain.txt") << "no GPU code here";
  for (const std::string& mode : {std::string("segv"), std::string("exit"), std::string("hang")}) {
    const auto r = run_with_fake(dir, mode, {"scan", dir / "d", "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << mode << "\n" << r.err;
    const auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << mode << ": " << r.out;
    EXPECT_NE(j.dump().find("assumed"), std::string::npos) << "driver and target assumed: " << mode;
  }
}

}  // namespace
}  // namespace sm121probe
