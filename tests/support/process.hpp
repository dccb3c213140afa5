#pragma once
// Test helper: run a program (usually the built sm121-probe) and capture its
// exit code, stdout and stderr.

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace sm121probe::testing {

struct process_result {
  int exit_code = -1;   ///< exit status, or 128 + signal
  std::string out;
  std::string err;
};

/// Runs argv[0] (PATH is searched) with the given arguments, optional stdin text,
/// extra environment entries ("NAME=value") and working directory.
inline process_result run_process(const std::vector<std::string>& argv, const std::string& input = {},
                                  const std::vector<std::string>& extra_env = {}, const std::string& cwd = {}) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe2(in_pipe, O_CLOEXEC) || ::pipe2(out_pipe, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
  std::vector<std::string> args = argv;
  if (!cwd.empty()) {
    // posix_spawn_file_actions_addchdir_np is glibc 2.29+; use it when present.
    posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
  }
  std::vector<char*> cargv;
  for (auto& a : args) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  // The environment is inherited; an extra entry replaces an inherited one of
  // the same name (a duplicate would lose: getenv returns the first).
  const auto name_of = [](std::string_view entry) { return entry.substr(0, entry.find('=')); };
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    const std::string_view entry(*e);
    const bool replaced = std::any_of(extra_env.begin(), extra_env.end(),
                                      [&](const std::string& x) { return name_of(x) == name_of(entry); });
    if (!replaced) env_store.emplace_back(entry);
  }
  for (const auto& e : extra_env) env_store.push_back(e);
  std::vector<char*> cenv;
  for (auto& e : env_store) cenv.push_back(e.data());
  cenv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), cenv.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(in_pipe[1]);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error("cannot start " + argv[0]);
  }
  process_result r;
  std::size_t written = 0;
  if (input.empty()) {
    ::close(in_pipe[1]);
    in_pipe[1] = -1;
  }
  pollfd fds[3] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}, {in_pipe[1], POLLOUT, 0}};
  int open_fds = 2 + (in_pipe[1] >= 0 ? 1 : 0);
  while (open_fds > 0) {
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? r.out : r.err).append(buf, static_cast<std::size_t>(n));
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
    if (fds[2].fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      const ssize_t n = ::write(fds[2].fd, input.data() + written, input.size() - written);
      if (n > 0) written += static_cast<std::size_t>(n);
      if (n <= 0 || written == input.size()) {
        ::close(fds[2].fd);
        fds[2].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

/// Runs the built sm121-probe with these arguments.
inline process_result run_tool(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {},
                               const std::string& cwd = {}) {
  std::vector<std::string> argv{SM121PROBE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, {}, extra_env, cwd);
}

/// A fresh temporary directory, removed with its contents on destruction.
struct temp_dir {
  std::string path;
  temp_dir() {
    std::string tmpl = "/tmp/sm121probe-test-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~temp_dir() { run_process({"rm", "-rf", path}); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  [[nodiscard]] std::string operator/(const std::string& name) const {
    std::string out = path;
    out += '/';
    out += name;
    return out;
  }
};

}  // namespace sm121probe::testing
