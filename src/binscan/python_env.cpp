#include "sm121probe/binscan/scan_report.hpp"
#include "sm121probe/util/io.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
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

std::vector<std::string> python_site_packages(const std::string& exe) {
  pipe_pair out;
  if (::pipe2(out.fd, O_CLOEXEC) != 0) throw std::runtime_error("cannot create a pipe: " + util::errno_message(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out.fd[1], 1);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::string arg0 = exe, flag = "-c", code = site_query;
  char* argv[] = {arg0.data(), flag.data(), code.data(), nullptr};
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, exe.c_str(), &fa, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out.fd[1]);
  out.fd[1] = -1;
  if (rc != 0) throw std::runtime_error(fmt::format("cannot run Python interpreter '{}': {}", exe, util::errno_message(rc)));
  std::string text;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(out.fd[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
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
