#include "sm121probe/cli/app.hpp"

#include "commands.hpp"
#include "sm121probe/util/driver_guard.hpp"
#include "sm121probe/util/io.hpp"
#include "sm121probe/version.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <unistd.h>
#include <vector>

namespace sm121probe::cli {

namespace {

constexpr std::string_view exit_code_help =
    "Exit codes:\n"
    "  0  report written; nothing fails the run\n"
    "  1  report written; a probe worse than expected or breaking its --expect rule\n"
    "     (scan: a file failing or unreadable; compare: something regressed;\n"
    "     merge: a host deviates from the majority; doctor: an error finding;\n"
    "     bench: a benchmark failed, or its result was wrong and its figure rejected)\n"
    "  2  usage or input error: bad flag, missing, malformed or newer-schema input, unwritable output\n"
    "  3  environment error: NVRTC or nvJitLink cannot be loaded (doctor: the Python interpreter fails)\n"
    "  4  internal error (a bug in sm121-probe; please report it)\n"
    "  5  output error: the work completed but writing a report or output failed (a failed write,\n"
    "     a full disk, a closed stdout)\n"
    "  141 stdout is a pipe whose reader has gone (as if killed by SIGPIPE); nothing else is printed\n";

constexpr std::string_view examples_help =
    "Examples:\n"
    "  sm121-probe                          probe the GPU (or sm_121 offline), write sm121-probe-report.json\n"
    "  sm121-probe --target sm_75 -o r.json offline report for another architecture\n"
    "  sm121-probe --only 'mma.*' -o -      only the MMA probes, JSON report on stdout\n"
    "  sm121-probe --format markdown        forum-ready markdown on stdout (host, user, serials redacted)\n"
    "  sm121-probe --expect expect.json --format junit -o junit.xml --json report.json\n"
    "                                       CI: hold the run to a baseline, JUnit plus the JSON report\n"
    "  sm121-probe compare old.json new.json   what changed (exit 1 on a regression)\n"
    "  sm121-probe merge reports/*.json     fleet view, deviating hosts marked\n"
    "  sm121-probe list                     the probe catalog\n"
    "  sm121-probe scan /usr/local/cuda/lib64   which GPU code libraries carry and whether it runs\n"
    "  sm121-probe doctor --python          which compiler, JIT or setting here will fail on the GPU, and the fix\n"
    "  sm121-probe bench --target sm_121    offline: SASS tensor instructions per loop, nothing timed\n";

// Exit status when stdout is a pipe whose reader has gone (as if killed by SIGPIPE).
constexpr int broken_pipe_status = 128 + 13;

bool is_subcommand(const std::string& arg) {
  static constexpr std::array names = {"run", "list", "scan", "compare", "merge", "doctor", "bench", "__worker", "__doctor", "help"};
  return std::find(names.begin(), names.end(), arg) != names.end();
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

int run(std::span<const std::string> args_in, context& ctx) {
  // `run` is the default subcommand: `sm121-probe --target sm_75` means `sm121-probe run --target sm_75`.
  std::vector<std::string> args(args_in.begin(), args_in.end());
  ctx.args = args;
  const bool root_flag = !args.empty() && (args[0] == "-h" || args[0] == "--help" || args[0] == "--version");
  if (args.empty() || (!is_subcommand(args[0]) && !root_flag)) args.insert(args.begin(), "run");
  if (!args.empty() && args[0] == "help") args[0] = "--help";

  CLI::App root{"sm121-probe: what really works on your NVIDIA GPU, checked against a CPU reference.", "sm121-probe"};
  root.footer(std::string(examples_help) + "\n" + std::string(exit_code_help));
  root.require_subcommand(0, 1);
  bool show_version = false;
  root.add_flag("--version", show_version, "Print version information and exit");

  std::vector<command> commands;
  commands.push_back(add_run_command(root, ctx));
  commands.push_back(add_list_command(root, ctx));
  commands.push_back(add_scan_command(root, ctx));
  commands.push_back(add_compare_command(root, ctx));
  commands.push_back(add_merge_command(root, ctx));
  commands.push_back(add_doctor_command(root, ctx));
  commands.push_back(add_bench_command(root, ctx));
  commands.push_back(add_worker_command(root, ctx));
  commands.push_back(add_doctor_worker_command(root, ctx));

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    root.parse(reversed);
  } catch (const CLI::CallForHelp&) {
    ctx.out << root.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    ctx.out << root.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::ParseError& e) {
    ctx.err << diag_prefix << "error: " << one_line(e.what()) << " (try --help)\n";
    return static_cast<int>(exit_status::usage);
  }
  if (show_version) {
    ctx.out << fmt::format("sm121-probe {} (git {}), built against CUDA {}\n", build_info::version,
                           build_info::git_sha, build_info::cuda_toolkit_version);
    return 0;
  }
  try {
    for (const command& c : commands) {
      if (!c.app->parsed()) continue;
      const int rc = c.action();
      // Output the command wrote to ctx.out and that did not arrive is lost output.
      ctx.work_done = true;
      if (!(ctx.out << std::flush)) throw util::io_error("cannot write to standard output");
      return rc;
    }
    ctx.out << root.help();
    return static_cast<int>(exit_status::usage);
  } catch (const util::broken_pipe&) {
    return broken_pipe_status;
  } catch (...) {
    const exit_status status = status_for(std::current_exception(), ctx.work_done);
    try {
      throw;
    } catch (const std::exception& e) {
      ctx.err << diag_prefix << (status == exit_status::internal ? "internal error: " : "error: ")
              << one_line(e.what()) << '\n';
    } catch (...) {
      ctx.err << diag_prefix << "internal error: unknown exception\n";
    }
    return static_cast<int>(status);
  }
}

exit_status status_for(std::exception_ptr error, bool work_done) {
  try {
    std::rethrow_exception(error);
  } catch (const usage_error&) {
    return exit_status::usage;
  } catch (const util::io_error&) {
    return work_done ? exit_status::output : exit_status::usage;
  } catch (const environment_error&) {
    return exit_status::environment;
  } catch (...) {
    return exit_status::internal;
  }
}

int main(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  // A closed stdin/stdout/stderr would be taken by the next file opened (a
  // report's temporary file, say) and receive what was meant for the stream.
  // Hold the slot with /dev/null opened read-only: writes to it fail, and a
  // failed write is reported, never lost silently.
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd >= 0 && null_fd != fd) {
      ::dup2(null_fd, fd);
      ::close(null_fd);
    }
  }
  // A pipe whose reader has gone ends the process the conventional way (killed
  // by SIGPIPE, status 141), also when the caller ignored SIGPIPE; writes to
  // worker processes block SIGPIPE themselves (probe/subprocess.cpp).
  ::signal(SIGPIPE, SIG_DFL);
  // Only worker processes may load the CUDA driver (util/driver_guard.hpp).
  // (`__doctor device` measures the GPU under its parent's time limit; the
  // `__doctor nvrtc|nvjitlink` children compile without the driver, like run.)
  const bool driver_worker =
      !args.empty() && (args[0] == "__worker" || (args[0] == "__doctor" && args.size() > 1 && args[1] == "device"));
  if (!driver_worker) util::block_driver_in_this_process();
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  context ctx{std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1, ::isatty(STDERR_FILENO) == 1,
              ec ? std::string(argv[0]) : exe.string()};
  const int rc = run(args, ctx);
  if (rc == broken_pipe_status) return rc;
  // The last buffered bytes reach stdout only now: a failure here is lost output too.
  errno = 0;
  if (!std::cout.bad() && (std::fflush(stdout) != 0 || std::ferror(stdout))) {
    const int err = errno;
    if (err == EPIPE) return broken_pipe_status;
    std::cerr << diag_prefix << "error: cannot write to standard output: "
              << (err ? util::errno_message(err) : std::string("write error")) << '\n';
    return static_cast<int>(exit_status::output);
  }
  return rc;
}

}  // namespace sm121probe::cli
