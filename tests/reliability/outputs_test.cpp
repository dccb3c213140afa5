// Hostile outputs (issue 11, items 1, 3, 14, 15): devices, FIFOs, symlinks and
// sockets as output paths, lost output, empty values, two outputs on one file,
// and temporary files under signals. Nothing here writes outside its
// temporary directory: a FIFO stands in for a character device (both are
// written in place), an RLIMIT_FSIZE limit for a full disk.
#include "sm121probe/util/io.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <functional>
#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sm121probe {
namespace {

using testing::process_result;
using testing::run_process;
using testing::run_tool;
using testing::temp_dir;

const std::string data_dir = std::string(SM121PROBE_TEST_DATA_DIR) + "/report/";
const std::string report_a = data_dir + "run-device.json";
const std::string report_b = data_dir + "run-offline.json";
const std::string quick = "cuda.fma";

std::size_t lines(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

void expect_one_line_error(const process_result& r, int code, const std::string& what) {
  EXPECT_EQ(r.exit_code, code) << what << "\n" << r.err;
  EXPECT_EQ(lines(r.err), 1u) << what << "\n" << r.err;
  EXPECT_EQ(r.err.rfind("sm121-probe: error: ", 0), 0u) << what << "\n" << r.err;
}

// The files in `dir` (names only).
std::vector<std::string> listing(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Runs `fn` (the writer) with the FIFO open for reading (non-blocking, so a
// writer that never comes cannot hang the test) and returns what arrived. The
// outputs here are far below the 64 KiB a pipe buffers.
std::string read_fifo_while(const std::string& fifo, const std::function<void()>& fn) {
  const int fd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return "(cannot open the FIFO)";
  fn();
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return got;
}

bool is_fifo(const std::string& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

TEST(Outputs, FifoIsWrittenInPlaceByEveryWriter) {
  temp_dir dir;
  const std::string fifo = dir / "out.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::vector<std::vector<std::string>> commands = {
      {"--only", quick, "-q", "-o", fifo},
      {"--only", quick, "-q", "-o", dir / "r.json", "--json", fifo},
      {"--only", quick, "-q", "-o", dir / "r2.json", "--write-expect", fifo},
      {"compare", report_a, report_b, "-o", fifo},
      {"merge", report_a, report_b, "-o", fifo},
  };
  for (const auto& args : commands) {
    process_result r;
    const std::string got = read_fifo_while(fifo, [&] { r = run_tool(args, {}, dir.path); });
    EXPECT_LE(r.exit_code, 1) << args.back() << "\n" << r.err;
    EXPECT_FALSE(got.empty()) << "the report went through the FIFO: " << args.front();
    EXPECT_TRUE(is_fifo(fifo)) << "the FIFO is still a FIFO after " << args.front();
  }
  for (const auto& name : listing(dir.path)) EXPECT_EQ(name.find(".tmp-"), std::string::npos) << name;
}

TEST(Outputs, SymlinkStaysAndItsTargetKeepsItsMode) {
  temp_dir dir;
  const std::string target = dir / "target.json", link = dir / "link.json";
  std::ofstream(target) << "old";
  ASSERT_EQ(::chmod(target.c_str(), 0600), 0);
  ASSERT_EQ(::symlink("target.json", link.c_str()), 0);
  auto r = run_tool({"--only", quick, "-q", "-o", link}, {}, dir.path);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::lstat(link.c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode)) << "the symlink was replaced by a file";
  ASSERT_EQ(::stat(target.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u) << "a 0600 report stays 0600";
  EXPECT_GT(st.st_size, 100) << "the target holds the new report";

  // A plain file keeps its mode too (compare and merge use the same writer).
  const std::string plain = dir / "c.txt";
  std::ofstream(plain) << "old";
  ASSERT_EQ(::chmod(plain.c_str(), 0640), 0);
  r = run_tool({"compare", report_a, report_b, "-o", plain});
  EXPECT_LE(r.exit_code, 1) << r.err;
  ASSERT_EQ(::stat(plain.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
  EXPECT_EQ(listing(dir.path), (std::vector<std::string>{"c.txt", "link.json", "target.json"}));
}

TEST(Outputs, SocketsDirectoriesAndDanglingSymlinksAreRefusedBeforeTheRun) {
  temp_dir dir;
  const std::string sock_path = dir / "s.sock";
  const int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(sock_path.size(), sizeof addr.sun_path);
  std::copy(sock_path.begin(), sock_path.end(), addr.sun_path);
  ASSERT_EQ(::bind(sock, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::symlink("missing/target.json", (dir / "dangling").c_str()), 0);
  ASSERT_EQ(::mkdir((dir / "d").c_str(), 0755), 0);
  for (const std::string& bad : {sock_path, dir / "dangling", dir / "d"}) {
    expect_one_line_error(run_tool({"--only", quick, "-o", bad}), 2, "run -o " + bad);
    expect_one_line_error(run_tool({"--only", quick, "-o", dir / "r.json", "--write-expect", bad}), 2,
                          "--write-expect " + bad);
    expect_one_line_error(run_tool({"compare", report_a, report_b, "-o", bad}), 2, "compare -o " + bad);
    expect_one_line_error(run_tool({"merge", report_a, report_b, "--json", bad}), 2, "merge --json " + bad);
  }
  ::close(sock);
  struct stat st {};
  ASSERT_EQ(::lstat(sock_path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  ASSERT_EQ(::lstat((dir / "dangling").c_str(), &st), 0);
  EXPECT_TRUE(S_ISLNK(st.st_mode));
  EXPECT_EQ(listing(dir.path), (std::vector<std::string>{"d", "dangling", "s.sock"})) << "no report, no temp file";
}

// Runs the tool through sh with `prefix` shell commands and the given stdout redirection.
process_result via_shell(const std::string& prefix, const std::vector<std::string>& args, const std::string& redirect) {
  std::string cmd = prefix + " exec \"$0\"";
  for (std::size_t i = 0; i < args.size(); ++i) cmd += " \"$" + std::to_string(i + 1) + "\"";
  cmd += " " + redirect;
  std::vector<std::string> argv{"/bin/sh", "-c", cmd, SM121PROBE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

TEST(Outputs, LostOutputExitsFiveWithOneLine) {
  // The work completed, writing its output failed: exit 5 (output error), one line.
  temp_dir dir;
  // A 1-block file size limit stands in for a full disk: writes past it fail with EFBIG.
  const std::string full = "ulimit -f 1; trap '' XFSZ;";
  const std::string to_file = "> '" + (dir / "out") + "'";
  // Enough files for a scan report of several KiB (each an `error` row with its reason).
  ASSERT_EQ(::mkdir((dir / "scanned").c_str(), 0755), 0);
  for (int i = 0; i < 30; ++i)
    std::ofstream(dir / ("scanned/not-really-a-cubin-" + std::to_string(i) + ".cubin")) << "junk";
  const std::vector<std::vector<std::string>> commands = {
      {"scan", dir / "scanned"},
      {"--only", "cuda.fma,mma.*", "-q", "-o", "-"},
      {"--only", "cuda.fma,mma.*", "-q", "-o", dir / "r.json"},  // the table on stdout is lost
      {"list"},
      {"compare", report_a, report_b},
      {"merge", report_a, report_b},
      {"merge", report_a, report_b, "--format", "json"},
  };
  for (const auto& args : commands) {
    expect_one_line_error(via_shell(full, args, to_file), 5, "full disk: " + args.front());
    // A closed stdout that is the command's output is refused before the work
    // (exit 2); the table of `run -o FILE` and `list` only find out when writing (exit 5).
    const bool checked_first = std::find(args.begin(), args.end(), "-o") == args.end() ? args.front() != "list"
                                                                                        : args.back() == "-";
    expect_one_line_error(via_shell("", args, ">&-"), checked_first ? 2 : 5, "closed stdout: " + args.front());
  }
  // -o FILE itself on the "full disk": the report is not written, no temp file stays.
  expect_one_line_error(via_shell(full, {"--only", quick, "-q", "-o", dir / "big.json"}, "> /dev/null"), 5,
                        "report file past the limit");
  for (const auto& name : listing(dir.path)) EXPECT_EQ(name.find(".tmp-"), std::string::npos) << name;
  EXPECT_FALSE(std::filesystem::exists(dir / "big.json"));
}

// Starts the tool with stdout on a pipe whose read end is already closed and
// stderr to `err_file`; returns the exit status as run_process does (128 + signal).
int run_into_closed_pipe(const std::vector<std::string>& args, const std::string& err_file, bool ignore_sigpipe) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return -1;
  ::close(p[0]);
  const int err_fd = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, p[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  std::vector<std::string> argv{SM121PROBE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  // An ignored disposition is inherited through exec; a default one is what a shell gives.
  struct sigaction old {}, ign {};
  ign.sa_handler = ignore_sigpipe ? SIG_IGN : SIG_DFL;
  ::sigaction(SIGPIPE, &ign, &old);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  ::sigaction(SIGPIPE, &old, nullptr);
  posix_spawn_file_actions_destroy(&fa);
  ::close(p[1]);
  ::close(err_fd);
  if (rc != 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(Outputs, BrokenPipeEndsQuietlyWith141) {
  // The reader of stdout is gone before the tool writes: the conventional status
  // 141 (killed by SIGPIPE, or 141 itself when SIGPIPE is ignored), nothing on stderr.
  temp_dir dir;
  for (const bool ignored : {false, true}) {
    for (const auto& args : std::vector<std::vector<std::string>>{{"merge", report_a, report_b, "--format", "json"},
                                                                 {"list"},
                                                                 {"--only", quick, "-q", "-o", "-"}}) {
      const std::string err = dir / "err";
      EXPECT_EQ(run_into_closed_pipe(args, err, ignored), 141) << args.front() << " SIGPIPE ignored: " << ignored;
      std::ifstream in(err);
      EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "") << args.front();
    }
  }
}

TEST(Outputs, EmptyValuesAreUsageErrors) {
  temp_dir dir;
  for (const char* flag : {"-o", "--json", "--target", "--driver-cuda", "--expect", "--write-expect", "--format"})
    expect_one_line_error(run_tool({"--only", quick, flag, ""}, {}, dir.path), 2, std::string("run ") + flag + " ''");
  for (const char* flag : {"-o", "--json"}) {
    expect_one_line_error(run_tool({"compare", report_a, report_b, flag, ""}, {}, dir.path), 2, flag);
    expect_one_line_error(run_tool({"merge", report_a, report_b, flag, ""}, {}, dir.path), 2, flag);
  }
  for (const char* flag : {"-o", "--json", "--target", "--driver-cuda"})
    expect_one_line_error(run_tool({"scan", dir.path, flag, ""}, {}, dir.path), 2, std::string("scan ") + flag);
  EXPECT_TRUE(listing(dir.path).empty()) << "no default report written for an empty -o";
}

TEST(Outputs, TwoOutputsOnOneFileAreRefused) {
  temp_dir dir;
  const std::string x = dir / "x.json";
  expect_one_line_error(run_tool({"--only", quick, "-o", x, "--write-expect", x}), 2, "-o X --write-expect X");
  expect_one_line_error(run_tool({"--only", quick, "-o", x, "--json", x}), 2, "-o X --json X");
  expect_one_line_error(run_tool({"--only", quick, "-o", "-", "--json", "/dev/stdout"}), 2, "- and /dev/stdout");
  std::ofstream(x) << "{}";
  ASSERT_EQ(::symlink("x.json", (dir / "alias.json").c_str()), 0);
  expect_one_line_error(run_tool({"--only", quick, "-o", x, "--write-expect", dir / "alias.json"}), 2,
                        "the same file through a symlink");
  expect_one_line_error(run_tool({"compare", report_a, report_b, "-o", x, "--json", dir / "alias.json"}), 2,
                        "compare: the same file twice");
  std::ifstream in(x);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "{}") << "nothing was written";
}

TEST(Outputs, SignalBetweenWriteAndRenameLeavesNoTemporaryFile) {
  temp_dir dir;
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) {
    const std::string tmp = dir / (".r.json.tmp-" + std::to_string(sig));
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      // The state write_file_atomically is in between its write and its rename.
      std::ofstream(tmp) << std::string(1 << 20, 'x');
      if (util::register_temp(tmp) < 0) ::_exit(3);
      ::raise(sig);
      ::_exit(4);  // not reached: the handler removes the file and dies of the signal
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "exit " << WEXITSTATUS(status);
    EXPECT_EQ(WTERMSIG(status), sig) << "dies of the same signal";
    EXPECT_FALSE(std::filesystem::exists(tmp)) << "signal " << sig;
  }
  // An unregistered slot is not removed.
  const std::string kept = dir / "kept";
  std::ofstream(kept) << "x";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int slot = util::register_temp(kept);
    util::unregister_temp(slot);
    ::raise(SIGTERM);
    ::_exit(4);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(std::filesystem::exists(kept));
}

}  // namespace
}  // namespace sm121probe
