#include "sm121probe/binscan/scan_report.hpp"
#include "sm121probe/util/io.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <stdexcept>

extern char** environ;

namespace sm121probe::binscan {

namespace {

// Prints one directory per line. Works with Python 3.6+ and inside virtual
// environments whose `site` lacks getsitepackages().
constexpr const char* site_query =
    "import site, sys\n"
    "dirs = []\n"
    "try:\n"
    "    dirs += site.getsitepackages()\n"
    "except Exception:\n"
    "    pass\n"
    "try:\n"
    "    dirs.append(site.getusersitepackages())\n"
    "except Exception:\n"
    "    pass\n"
    "dirs += [p for p in sys.path if p.endswith(('site-packages', 'dist-packages'))]\n"
    "print('\\n'.join(dirs))\n";

/// Closes both ends of a pipe on scope exit.
struct pipe_pair {
  int fd[2] = {-1, -1};
  ~pipe_pair() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
};

}  // namespace

namespace {

/// Kills the interpreter's process group (a shell script's children too) and reaps it.
void kill_and_reap(pid_t pid) {
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

/// Everything the interpreter prints on stdout until it closes it, within the
/// time and size limits (python_answer_timeout_s, python_answer_max_bytes).
std::string read_answer(int fd, pid_t pid, const std::string& exe) {
  using clock = std::chrono::steady_clock;
  const auto deadline = clock::now() + std::chrono::seconds(python_answer_timeout_s);
  std::string text;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
    if (left <= 0) {
      kill_and_reap(pid);
      throw std::runtime_error(fmt::format("Python interpreter '{}' did not list its site-packages within {} s",
                                           exe, python_answer_timeout_s));
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) continue;
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return text;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > python_answer_max_bytes) {
      kill_and_reap(pid);
      throw std::runtime_error(fmt::format("Python interpreter '{}' printed more than {} KiB while listing its "
                                           "site-packages",
                                           exe, python_answer_max_bytes >> 10));
    }
  }
}

}  // namespace

std::vector<std::string> python_site_packages(const std::string& exe) {
  pipe_pair out;
  if (::pipe2(out.fd, O_CLOEXEC) != 0) throw std::runtime_error("cannot create a pipe: " + util::errno_message(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out.fd[1], 1);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  // Its own process group, so a timeout ends whatever it started as well.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  std::string arg0 = exe, flag = "-c", code = site_query;
  char* argv[] = {arg0.data(), flag.data(), code.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, exe.c_str(), &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  ::close(out.fd[1]);
  out.fd[1] = -1;
  if (rc != 0) throw std::runtime_error(fmt::format("cannot run Python interpreter '{}': {}", exe, util::errno_message(rc)));
  const std::string text = read_answer(out.fd[0], pid, exe);
  int status = 0;
  // stdout is closed; an interpreter that lingers after that is also bounded.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(python_answer_timeout_s);
  for (;;) {
    const pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill_and_reap(pid);
      throw std::runtime_error(fmt::format("Python interpreter '{}' did not exit within {} s", exe,
                                           python_answer_timeout_s));
    }
    ::usleep(2000);
  }
  ::kill(-pid, SIGKILL);  // anything it left running in its group
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error(fmt::format("Python interpreter '{}' failed to list its site-packages (exit status {})",
                                         exe, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)));
  std::vector<std::string> dirs;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    while (line.size() > 1 && line.back() == '/') line.pop_back();
    struct stat st {};
    if (line.empty() || ::stat(line.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (std::find(dirs.begin(), dirs.end(), line) == dirs.end()) dirs.push_back(line);
  }
  return dirs;
}

}  // namespace sm121probe::binscan
