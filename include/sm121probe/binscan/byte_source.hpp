#pragma once
/// Where the scanner's bytes come from: a buffer in memory, or a file read with
/// pread().
///
/// Files are not memory-mapped: a file that shrinks while it is scanned would
/// turn every access to a mapped page past its new end into SIGBUS, and a
/// mapping makes the resident size grow with the file (a 100 GB sparse file).
/// The magic search reads the file in bounded chunks (find_container_header in
/// fatbin.hpp) and headers inside containers are read one by one, so the scan
/// never reads container payloads it does not need and its memory does not
/// depend on the file size (see docs/performance.md).

#include "sm121probe/binscan/byte_reader.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace sm121probe::binscan {

/// Random access to the bytes of one input.
class byte_source {
 public:
  byte_source() = default;
  byte_source(const byte_source&) = delete;
  byte_source& operator=(const byte_source&) = delete;
  virtual ~byte_source() = default;

  /// Total size in bytes.
  [[nodiscard]] virtual std::uint64_t size() const = 0;

  /// The bytes [offset, offset + n). Memory sources return a view of themselves;
  /// file sources read into `scratch` and return a view of it (valid until
  /// `scratch` changes). Throws parse_error (naming `what`) when the range is
  /// outside the input or cannot be read.
  [[nodiscard]] virtual std::span<const std::byte> view(std::uint64_t offset, std::uint64_t n,
                                                        std::vector<std::byte>& scratch,
                                                        std::string_view what = "range") const = 0;

  /// view() wrapped in a byte_reader whose error offsets are file offsets.
  [[nodiscard]] byte_reader reader(std::uint64_t offset, std::uint64_t n, std::vector<std::byte>& scratch,
                                   std::string_view what = "range", bool little_endian = true) const {
    return byte_reader(view(offset, n, scratch, what), offset, little_endian);
  }
};

/// A buffer already in memory (tests, fuzzing, decompressed payloads).
class memory_source final : public byte_source {
 public:
  explicit memory_source(std::span<const std::byte> data) : m_data(data) {}
  [[nodiscard]] std::uint64_t size() const override { return m_data.size(); }
  [[nodiscard]] std::span<const std::byte> view(std::uint64_t offset, std::uint64_t n, std::vector<std::byte>& scratch,
                                                std::string_view what = "range") const override;
 private:
  std::span<const std::byte> m_data;
};

/// An open regular file, read with pread().
class file_source final : public byte_source {
 public:
  /// The file could not be opened or mapped; the message is one line ("cannot open: ...").
  struct open_error : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

  /// Opens `path` (symlinks followed) without blocking (a FIFO or a device is
  /// never waited for). Throws open_error, e.g. for a directory, FIFO or device
  /// ("not a regular file").
  explicit file_source(const std::string& path);
  ~file_source() override;

  [[nodiscard]] std::uint64_t size() const override { return m_size; }
  [[nodiscard]] std::span<const std::byte> view(std::uint64_t offset, std::uint64_t n, std::vector<std::byte>& scratch,
                                                std::string_view what = "range") const override;
 private:
  int m_fd = -1;
  std::uint64_t m_size = 0;
  /// A small file is read whole when opened (one pread instead of one per header:
  /// a 5 KB cubin took 17); empty when the file is larger or the read came up short.
  std::vector<std::byte> m_whole;
};

/// Files up to this size are read whole when opened (file_source).
inline constexpr std::uint64_t whole_read_max = std::uint64_t{64} << 10;

/// Device and inode of a file (to scan each file once).
struct file_identity {
  std::uint64_t dev = 0, ino = 0;
  friend bool operator==(const file_identity&, const file_identity&) = default;
};

/// Reads up to `n` bytes from the start of `path` into `out` (for cheap format
/// checks before opening a file for scanning); symlinks are not followed. With
/// `id`, also the file's device and inode (fstat of the open file: no second path lookup).
/// Returns 0, or the errno value when the file cannot be opened.
[[nodiscard]] int read_head(const std::string& path, std::byte* out, std::size_t n, std::size_t& got,
                            file_identity* id = nullptr);

}  // namespace sm121probe::binscan
