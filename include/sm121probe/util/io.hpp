#pragma once
/// File input and output helpers shared by every subcommand.
///
/// Every output path (run -o/--json/--write-expect, scan, compare and merge
/// -o/--json) goes through check_output() before the work starts and through
/// write_output() at the end:
/// - "-", /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: written to that
///   descriptor of this process (stream semantics; "-" is the caller's stdout);
/// - a character device or a FIFO (also through a symlink): opened and written
///   directly, never replaced;
/// - a regular file (or a symlink to one) or a new path: replaced atomically
///   (temporary file beside it, fsync, rename), keeping an existing file's mode
///   and, where permitted, its owner; a symlink stays and its target is replaced;
/// - anything else (a directory, socket, block device, dangling symlink, a
///   regular file under /dev or /proc) is refused before the run.
/// Every write is checked; a temporary file is removed on failure and on
/// SIGINT, SIGTERM or SIGHUP (see docs/reliability.md).

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sm121probe::util {

/// An input or output file could not be read or written. The message is one line and names the path.
struct io_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Writing to a pipe whose reader has gone (EPIPE). Callers end quietly with
/// the conventional status 141 (128 + SIGPIPE).
struct broken_pipe : io_error {
  using io_error::io_error;
};

/// How an output path is written.
enum class output_kind {
  descriptor,  ///< "-" or a /dev/stdout-like alias: a descriptor of this process
  stream,      ///< a character device or FIFO: opened and written in place
  file,        ///< a regular file or a new path: replaced atomically
};

/// Classifies `path` and fails early (before any long work) when it cannot be
/// written: refused file types, a missing directory, no permission. For files,
/// creates and removes a probe file beside the target. Throws io_error.
output_kind check_output(const std::string& path);

/// The same as check_output (kept for callers that only need the check).
void check_writable(const std::filesystem::path& path);

/// The descriptor that "-" and the aliases of `path` name (1 for "-",
/// /dev/stdout, /dev/fd/1, /proc/self/fd/1; 2 for /dev/stderr ...), or -1.
[[nodiscard]] int descriptor_alias(std::string_view path);

/// Whether `path` is this process's standard output ("-" or an alias of fd 1).
[[nodiscard]] bool is_stdout(std::string_view path);

/// Whether two output paths name the same file (same text, or the same inode).
[[nodiscard]] bool same_output(const std::string& a, const std::string& b);

/// Writes `content` to `path` as check_output describes. For "-" and other
/// descriptor aliases it writes to that descriptor with checked writes.
/// Throws io_error (broken_pipe for EPIPE).
void write_output(const std::string& path, std::string_view content);

/// Writes `content` to `path` atomically: a temporary file in the same directory
/// is written, fsynced and renamed over the target, so readers never see a
/// partial file and a failure leaves no file behind. An existing target keeps
/// its mode (and owner, where permitted). Throws io_error.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

/// Writes all of `content` to descriptor `fd` (EINTR retried). Throws io_error
/// naming `what` (broken_pipe for EPIPE).
void write_all(int fd, std::string_view content, std::string_view what);

/// Reads a whole file, at most `max_bytes` (a longer input, e.g. /dev/zero,
/// fails with "larger than ..."). Throws io_error with a one-line reason.
[[nodiscard]] std::string read_file(const std::filesystem::path& path, std::size_t max_bytes = SIZE_MAX);

/// Largest report (run report, expectations file) compare, merge and --expect read: 64 MiB.
inline constexpr std::size_t max_report_bytes = std::size_t{64} << 20;

/// strerror for errno, thread-safe.
[[nodiscard]] std::string errno_message(int err);

/// Temporary files that a signal must not leave behind. register_temp()
/// remembers a path (up to 32 at once; returns -1 when full) and installs, once,
/// handlers for SIGINT, SIGTERM and SIGHUP (where they are not ignored or
/// handled already) that unlink every registered path and then die of the
/// same signal. unregister_temp() forgets a slot.
int register_temp(const std::string& path);
void unregister_temp(int slot);

}  // namespace sm121probe::util
