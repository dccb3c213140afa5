#pragma once
/// A read-only memory mapping of a whole file (RAII). The scanner reads files
/// through this so that only the pages it touches are brought in.

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>

namespace sm121probe::binscan {

class mapped_file {
 public:
  /// The file could not be opened or mapped; the message is one line ("cannot open: ...").
  struct open_error : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

  mapped_file() = default;
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;
  mapped_file(mapped_file&& o) noexcept;
  mapped_file& operator=(mapped_file&& o) noexcept;
  ~mapped_file();

  /// Maps `path` (a regular file; symlinks are followed). An empty file gives an
  /// empty span. Throws open_error.
  [[nodiscard]] static mapped_file open(const std::string& path);

  [[nodiscard]] std::span<const std::byte> bytes() const { return {static_cast<const std::byte*>(m_addr), m_size}; }

 private:
  void release() noexcept;
  void* m_addr = nullptr;
  std::size_t m_size = 0;
};

/// Reads up to `n` bytes from the start of `path` into `out` (for cheap format
/// checks before mapping); symlinks are not followed. Returns 0, or the errno
/// value when the file cannot be opened.
[[nodiscard]] int read_head(const std::string& path, std::byte* out, std::size_t n, std::size_t& got);

}  // namespace sm121probe::binscan
