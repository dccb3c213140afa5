#pragma once
// Private to src/probe (and src/doctor): run a child process with input, a
// deadline, and captured output. Used to run isolated GPU workers and the
// doctor's compiler checks.

#include <chrono>
#include <string>
#include <vector>

namespace sm121probe::probe::detail {

struct subprocess_result {
  bool started = false;
  std::string start_error;  ///< why the process could not be started
  bool timed_out = false;   ///< killed with SIGKILL at the deadline
  int exit_code = -1;       ///< when it exited normally
  int signal = 0;           ///< when a signal ended it
  std::string out;
  std::string err;
  bool truncated = false;   ///< output beyond max_output was read and dropped
};

/// Starts argv[0] (an absolute or relative path, or a name searched in PATH),
/// writes `input` to its stdin and closes it, collects stdout/stderr until it
/// exits or `timeout` passes (then kills it). A child that stops reading its
/// stdin early does not raise SIGPIPE in the caller. With `max_output` > 0,
/// at most that many bytes of each of stdout and stderr are kept (the rest is
/// drained and dropped, `truncated` set).
subprocess_result run_subprocess(const std::vector<std::string>& argv, const std::string& input,
                                 std::chrono::milliseconds timeout, std::size_t max_output = 0);

/// "SIGSEGV" for 11, etc.
std::string signal_name(int sig);

}  // namespace sm121probe::probe::detail
