#pragma once
/// Where the scanner's bytes come from: a buffer in memory, or a file that is
/// memory-mapped for the magic search while headers are read with pread().
///
/// Why both for files: the search has to look at every byte outside containers
/// anyway, and a mapping lets it do so without copying. Headers inside
/// containers are a few dozen bytes every few kilobytes; touching them through
/// the mapping would make the kernel map 64 KiB around each one ("fault-around"),
/// which on the CUDA libraries means mapping most of the payload the scan never
/// reads. Reading headers with pread() keeps the scan header-only (see
/// docs/performance.md).

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

  /// The whole input as memory for the magic search (a mapping for files).
  [[nodiscard]] virtual std::span<const std::byte> memory() const = 0;

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
  [[nodiscard]] std::span<const std::byte> memory() const override { return m_data; }

 private:
  std::span<const std::byte> m_data;
};

/// An open regular file: mapped read-only for the search, pread() for view().
class file_source final : public byte_source {
 public:
  /// The file could not be opened or mapped; the message is one line ("cannot open: ...").
  struct open_error : std::runtime_error {
    using std::runtime_error::runtime_error;
  };

  /// Opens and maps `path` (symlinks followed). Throws open_error, e.g. for a
  /// directory or device ("not a regular file").
  explicit file_source(const std::string& path);
  ~file_source() override;

  [[nodiscard]] std::uint64_t size() const override { return m_size; }
  [[nodiscard]] std::span<const std::byte> view(std::uint64_t offset, std::uint64_t n, std::vector<std::byte>& scratch,
                                                std::string_view what = "range") const override;
  [[nodiscard]] std::span<const std::byte> memory() const override {
    return {static_cast<const std::byte*>(m_map), static_cast<std::size_t>(m_size)};
  }

 private:
  int m_fd = -1;
  void* m_map = nullptr;
  std::uint64_t m_size = 0;
};

/// Reads up to `n` bytes from the start of `path` into `out` (for cheap format
/// checks before opening a file for scanning); symlinks are not followed.
/// Returns 0, or the errno value when the file cannot be opened.
[[nodiscard]] int read_head(const std::string& path, std::byte* out, std::size_t n, std::size_t& got);

}  // namespace sm121probe::binscan
