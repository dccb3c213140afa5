#pragma once
/// File output helpers shared by every subcommand.

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sm121probe::util {

/// An output file could not be written. The message is one line and names the path.
struct io_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Fails early (before any long work) if `path` cannot be created: its directory
/// must exist and accept a new file. Creates and removes a probe file next to it.
/// Throws io_error. "-" (stdout) always passes.
void check_writable(const std::filesystem::path& path);

/// Writes `content` to `path` atomically: a temporary file in the same directory
/// is written, flushed and renamed over the target, so readers never see a
/// partial file and a failure leaves no file behind. Throws io_error.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

/// Reads a whole file. Throws io_error with a one-line reason.
[[nodiscard]] std::string read_file(const std::filesystem::path& path);

/// strerror for errno, thread-safe.
[[nodiscard]] std::string errno_message(int err);

}  // namespace sm121probe::util
