#pragma once
/// The command-line front end: parses arguments, runs a subcommand, maps the
/// outcome to the documented exit codes. Nothing below src/cli touches argv,
/// exit() or std::cout.

#include <exception>
#include <iosfwd>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace sm121probe::cli {

/// Exit codes, documented in README.md and --help.
enum class exit_status : int {
  ok = 0,           ///< report written, nothing failing (nothing worse than expected)
  failing = 1,      ///< report written, at least one result failing / worse than expected
  usage = 2,        ///< bad flags, bad input file, unwritable output path
  environment = 3,  ///< the environment is broken (e.g. NVRTC cannot be loaded)
  internal = 4,     ///< an internal error: a bug in sm121-probe (please report it)
  output = 5,       ///< the work completed, but writing an output failed (disk full, path gone)
};

/// A usage or input error: printed as one line, exit code 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A broken environment (missing NVRTC, ...): printed as one line, exit code 3.
struct environment_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Streams and terminal facts a command may use; injected so tests can capture.
struct context {
  std::ostream& out;
  std::ostream& err;
  bool out_is_tty = false;
  bool err_is_tty = false;
  /// Path of this executable, for re-executing itself as a worker.
  std::string self_exe;
  /// The arguments as given (without argv[0]); filled by run(), recorded in reports.
  std::vector<std::string> args = {};
  /// Set by a command once its work is done and only writing its outputs is
  /// left: an I/O error from then on is an output error (exit 5), not an input one.
  bool work_done = false;
};

/// The exit status for the exception that ended a command: usage_error -> usage;
/// util::io_error -> usage (input) before the work is done, output after it;
/// environment_error -> environment; anything else -> internal (a bug).
[[nodiscard]] exit_status status_for(std::exception_ptr error, bool work_done);

/// Runs the CLI on `args` (without argv[0]). Returns the exit code.
[[nodiscard]] int run(std::span<const std::string> args, context& ctx);

/// Entry point used by main(): real streams, isatty, /proc/self/exe.
[[nodiscard]] int main(int argc, char** argv);

}  // namespace sm121probe::cli
