#pragma once
/// The NVIDIA fatbin container: a 16-byte header followed by entries (PTX text,
/// SASS cubins, LTO-IR), each with its own header. Layout, field meanings and
/// validation rules: ../shared/docs/fatbin-format.md sections 2-5 (our own
/// measurements; NVIDIA publishes no specification).

#include "sm121probe/arch.hpp"
#include "sm121probe/binscan/byte_reader.hpp"
#include "sm121probe/binscan/byte_source.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sm121probe::binscan {

/// Container magic, little-endian (bytes 50 ED 55 BA).
inline constexpr std::uint32_t fatbin_magic = 0xBA55ED50;
/// Magic of the legacy (pre-CUDA 4) fat-binary format; recognised only to say it is unsupported.
inline constexpr std::uint32_t legacy_fatbin_magic = 0x1EE55A01;
/// Size of the container header.
inline constexpr std::uint64_t container_header_size = 16;
/// Size of the fixed part of an entry header.
inline constexpr std::uint64_t entry_fixed_header_size = 64;

/// Entry flag bits we interpret (fatbin-format.md 2.4). Other bits are ignored.
namespace entry_flags {
inline constexpr std::uint64_t debug = 0x2;
inline constexpr std::uint64_t lz4 = 0x2000;
inline constexpr std::uint64_t zstd = 0x8000;
inline constexpr std::uint64_t arch_specific = 0x100000;
inline constexpr std::uint64_t family = 0x200000;
}  // namespace entry_flags

/// What an entry holds.
enum class entry_kind { ptx, sass, lto_ir, unknown };
/// How an entry's payload is stored.
enum class compression { none, lz4, zstd };

[[nodiscard]] std::string_view to_string(entry_kind k);
[[nodiscard]] std::string_view to_string(compression c);

/// One image inside a container, read from its header only (no payload access).
struct fatbin_entry {
  entry_kind kind = entry_kind::unknown;
  std::uint16_t raw_kind = 0;          ///< the kind field as stored (1 PTX, 2 cubin, 8 LTO-IR)
  std::uint32_t raw_arch = 0;          ///< SM number as stored (e.g. 121)
  std::optional<gpu_arch> arch;        ///< raw_arch + variant flags; nullopt when raw_arch is not an SM number
  std::optional<ptx_isa> isa;          ///< PTX entries: the PTX ISA version
  compression comp = compression::none;
  std::uint64_t flags = 0;             ///< raw flag bits
  std::uint64_t offset = 0;            ///< file offset of the entry header
  std::uint32_t header_size = 0;       ///< bytes; the payload starts at offset + header_size
  std::uint64_t payload_size = 0;      ///< bytes reserved for the payload (zero-padded)
  std::uint64_t compressed_size = 0;   ///< exact compressed length; 0 when uncompressed
  std::uint64_t uncompressed_size = 0; ///< exact decompressed length; 0 when uncompressed

  [[nodiscard]] std::uint64_t payload_offset() const { return offset + header_size; }
  /// `sm_120a`, `compute_90`, `lto_100f`; `sm_?(7)` style when the arch is not an SM number;
  /// `unknown-kind-5` for unknown kinds.
  [[nodiscard]] std::string name() const;
};

/// One validated container.
struct fatbin_container {
  std::uint64_t offset = 0;  ///< file offset of the container header
  std::uint64_t size = 0;    ///< header + entries, bytes
  std::vector<fatbin_entry> entries;

  [[nodiscard]] std::uint64_t end() const { return offset + size; }
};

/// True when `data` holds a container header at `offset`: magic, version 1,
/// header size 16. A false result means "not a container here" (the magic also
/// occurs as an ordinary constant); keep searching at offset + 1.
[[nodiscard]] bool is_container_header(std::span<const std::byte> data, std::uint64_t offset);

/// Parses and validates the container at `offset` (which must pass
/// is_container_header) against the rules of fatbin-format.md 2.3, reading only
/// the container and entry headers. Offsets in the result are positions in the
/// source. `limit` bounds the container (e.g. the end of the ELF section it lies
/// in); default: end of the source.
/// Throws parse_error with a one-line reason when the container is truncated or corrupt.
[[nodiscard]] fatbin_container parse_container(const byte_source& src, std::uint64_t offset,
                                               std::uint64_t limit = UINT64_MAX);
/// parse_container on a buffer in memory.
[[nodiscard]] fatbin_container parse_container(std::span<const std::byte> data, std::uint64_t offset,
                                               std::uint64_t limit = UINT64_MAX);

/// Position of the next magic at or after `from` and before `to` (exclusive end
/// of the magic's first byte range: the 4 magic bytes must lie below `to`), or
/// nullopt. A plain byte search; the caller validates each hit.
[[nodiscard]] std::optional<std::uint64_t> find_magic(std::span<const std::byte> data, std::uint64_t from,
                                                      std::uint64_t to);

/// Bytes the chunked search reads at a time (find_container_header).
inline constexpr std::uint64_t search_chunk_size = std::uint64_t{1} << 20;

/// Position of the first valid container header (is_container_header) that
/// starts in [from, to), or nullopt. Reads `src` in chunks of
/// search_chunk_size through `scratch`, so memory does not grow with the range;
/// the header itself may extend past `to` (not past the end of the source).
/// Throws parse_error when the source cannot be read (e.g. the file shrank).
[[nodiscard]] std::optional<std::uint64_t> find_container_header(const byte_source& src, std::uint64_t from,
                                                                 std::uint64_t to, std::vector<std::byte>& scratch);

/// Largest payload we agree to decompress (a hostile header could ask for terabytes).
inline constexpr std::uint64_t max_decompressed_size = std::uint64_t{1} << 30;

/// The payload of `entry` as stored (uncompressed entries) or decompressed.
/// Uncompressed PTX is cut at its first NUL. Throws parse_error when the stream
/// is corrupt, decompresses to a different size than recorded, or is too large.
[[nodiscard]] std::vector<std::byte> entry_payload(const byte_source& src, const fatbin_entry& entry);
/// entry_payload on a buffer in memory.
[[nodiscard]] std::vector<std::byte> entry_payload(std::span<const std::byte> data, const fatbin_entry& entry);

}  // namespace sm121probe::binscan
