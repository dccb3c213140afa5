#include "sm121probe/binscan/fatbin.hpp"

#include <fmt/format.h>
#include <lz4.h>
#include <zstd.h>

#include <algorithm>
#include <climits>
#include <cstring>

namespace sm121probe::binscan {

std::string_view to_string(entry_kind k) {
  switch (k) {
    case entry_kind::ptx: return "ptx";
    case entry_kind::sass: return "sass";
    case entry_kind::lto_ir: return "lto_ir";
    case entry_kind::unknown: return "unknown";
  }
  return "unknown";
}

std::string_view to_string(compression c) {
  switch (c) {
    case compression::none: return "none";
    case compression::lz4: return "lz4";
    case compression::zstd: return "zstd";
  }
  return "none";
}

std::string fatbin_entry::name() const {
  std::string_view prefix;
  switch (kind) {
    case entry_kind::ptx: prefix = "compute_"; break;
    case entry_kind::sass: prefix = "sm_"; break;
    case entry_kind::lto_ir: prefix = "lto_"; break;
    case entry_kind::unknown: return fmt::format("unknown-kind-{}", raw_kind);
  }
  if (!arch) return fmt::format("{}?({})", prefix, raw_arch);
  // What the binary says: sm_101 stays sm_101 (arch holds its CUDA 13 name, 11.0).
  const int number = raw_arch == renamed_thor_sm ? static_cast<int>(raw_arch) : arch->sm();
  return fmt::format("{}{}{}", prefix, number, suffix(arch->variant));
}

bool is_container_header(std::span<const std::byte> data, std::uint64_t offset) {
  const byte_reader r(data);
  if (!r.fits(offset, container_header_size)) return false;
  return r.read<std::uint32_t>(offset) == fatbin_magic && r.read<std::uint16_t>(offset + 4) == 1 &&
         r.read<std::uint16_t>(offset + 6) == container_header_size;
}

namespace {

fatbin_entry parse_entry(const byte_source& src, std::uint64_t e, std::uint64_t end, std::vector<std::byte>& scratch) {
  if (!range_fits(e, entry_fixed_header_size, end))
    throw parse_error(e, fmt::format("entry header at 0x{:x} is cut off by the end of its container", e));
  // Only the fixed 64-byte part is read; offsets below are relative to the entry start.
  const byte_reader h = src.reader(e, entry_fixed_header_size, scratch, "entry header");
  fatbin_entry out;
  out.offset = e;
  out.raw_kind = h.read<std::uint16_t>(0x00);
  out.header_size = h.read<std::uint32_t>(0x04);
  out.payload_size = h.read<std::uint64_t>(0x08);
  const auto compressed = h.read<std::uint32_t>(0x10);
  const auto options_offset = h.read<std::uint32_t>(0x14);
  const auto version_minor = h.read<std::uint16_t>(0x18);
  const auto version_major = h.read<std::uint16_t>(0x1A);
  out.raw_arch = h.read<std::uint32_t>(0x1C);
  const auto ident_offset = h.read<std::uint32_t>(0x20);
  out.flags = h.read<std::uint64_t>(0x28);
  const auto uncompressed = h.read<std::uint64_t>(0x38);

  if (out.header_size < entry_fixed_header_size || out.header_size % 8 != 0)
    throw parse_error(e, fmt::format("entry at 0x{:x} has an invalid header size {}", e, out.header_size));
  std::uint64_t payload_begin = 0, payload_end = 0;
  if (!checked_add(e, out.header_size, payload_begin) || !checked_add(payload_begin, out.payload_size, payload_end) ||
      payload_end > end)
    throw parse_error(e, fmt::format("entry at 0x{:x} ({} header + {} payload bytes) extends past the end of its "
                                     "container",
                                     e, out.header_size, out.payload_size));
  if (options_offset != 0 && (options_offset < entry_fixed_header_size || options_offset > out.header_size - 8))
    throw parse_error(e, fmt::format("entry at 0x{:x}: option descriptor offset {} lies outside its header", e,
                                     options_offset));
  if (ident_offset != 0 && (ident_offset < entry_fixed_header_size || ident_offset >= out.header_size))
    throw parse_error(e, fmt::format("entry at 0x{:x}: identifier offset {} lies outside its header", e,
                                     ident_offset));

  switch (out.raw_kind) {
    case 1: out.kind = entry_kind::ptx; break;
    case 2: out.kind = entry_kind::sass; break;
    case 8: out.kind = entry_kind::lto_ir; break;
    default: out.kind = entry_kind::unknown; break;
  }
  // Both variant bits were never seen together; the stricter reading (exactly one device) is the safe one.
  arch_variant variant = arch_variant::plain;
  if (out.flags & entry_flags::arch_specific)
    variant = arch_variant::arch_specific;
  else if (out.flags & entry_flags::family)
    variant = arch_variant::family;
  if (out.raw_arch <= static_cast<std::uint32_t>(INT_MAX)) out.arch = arch_from_sm(static_cast<int>(out.raw_arch), variant);
  if (out.kind == entry_kind::ptx) out.isa = ptx_isa{version_major, version_minor};

  const bool lz4 = (out.flags & entry_flags::lz4) != 0;
  const bool zstd = (out.flags & entry_flags::zstd) != 0;
  if (lz4 && zstd)
    throw parse_error(e, fmt::format("entry at 0x{:x} claims both LZ4 and zstd compression", e));
  if (lz4 || zstd) {
    out.comp = lz4 ? compression::lz4 : compression::zstd;
    out.compressed_size = compressed;
    out.uncompressed_size = uncompressed;
    if (out.compressed_size > out.payload_size)
      throw parse_error(e, fmt::format("entry at 0x{:x}: compressed size {} exceeds its payload size {}", e,
                                       out.compressed_size, out.payload_size));
  }
  return out;
}

}  // namespace

fatbin_container parse_container(const byte_source& src, std::uint64_t offset, std::uint64_t limit) {
  std::vector<std::byte> scratch;
  limit = std::min<std::uint64_t>(limit, src.size());
  if (!range_fits(offset, container_header_size, limit) ||
      !is_container_header(src.view(offset, container_header_size, scratch, "container header"), 0))
    throw parse_error(offset, fmt::format("no valid fatbin container header at 0x{:x}", offset));
  const auto fat_size = byte_reader(src.view(offset + 8, 8, scratch)).read<std::uint64_t>(0);
  const std::uint64_t first = offset + container_header_size;
  std::uint64_t end = 0;
  if (!checked_add(first, fat_size, end) || end > limit)
    throw parse_error(offset, fmt::format("fatbin container at 0x{:x} declares {} bytes of entries but only {} "
                                          "remain (truncated?)",
                                          offset, fat_size, limit - first));
  fatbin_container out;
  out.offset = offset;
  out.size = end - offset;
  // Each entry advances by at least 64 bytes (checked in parse_entry), so the loop is bounded.
  for (std::uint64_t e = first; e < end;) {
    fatbin_entry entry = parse_entry(src, e, end, scratch);
    e = entry.payload_offset() + entry.payload_size;
    out.entries.push_back(entry);
  }
  return out;
}

fatbin_container parse_container(std::span<const std::byte> data, std::uint64_t offset, std::uint64_t limit) {
  return parse_container(memory_source(data), offset, limit);
}

namespace {

// 16 lanes of bytes: GCC/Clang vector extensions compile to SSE2 on x86-64 and
// NEON on aarch64 without target-specific code.
using byte_lanes = unsigned char __attribute__((vector_size(16)));

/// Position of the first magic in [p, end), or end. glibc's memmem manages about
/// 3 GB/s for a 4-byte needle; testing the first and last magic byte in 16
/// positions at once and confirming candidates is several times faster, and the
/// search is most of the scanner's work on large libraries.
const unsigned char* search_magic(const unsigned char* p, const unsigned char* end) {
  static constexpr unsigned char needle[4] = {0x50, 0xED, 0x55, 0xBA};
  byte_lanes first, last;
  for (int i = 0; i < 16; ++i) {
    first[i] = needle[0];
    last[i] = needle[3];
  }
  while (end - p >= 16 + 3) {
    byte_lanes a, d;
    std::memcpy(&a, p, sizeof a);
    std::memcpy(&d, p + 3, sizeof d);
    const auto hit = (a == first) & (d == last);
    std::uint64_t words[2];
    static_assert(sizeof hit == sizeof words);
    std::memcpy(words, &hit, sizeof words);
    if (words[0] | words[1]) {
      for (int i = 0; i < 16; ++i)
        if (hit[i] && p[i + 1] == needle[1] && p[i + 2] == needle[2]) return p + i;
    }
    p += 16;
  }
  const void* tail = ::memmem(p, static_cast<std::size_t>(end - p), needle, sizeof needle);
  return tail ? static_cast<const unsigned char*>(tail) : end;
}

}  // namespace

std::optional<std::uint64_t> find_magic(std::span<const std::byte> data, std::uint64_t from, std::uint64_t to) {
  to = std::min<std::uint64_t>(to, data.size());
  if (from >= to || to - from < 4) return std::nullopt;
  const auto* base = reinterpret_cast<const unsigned char*>(data.data());
  const unsigned char* hit = search_magic(base + from, base + to);
  if (hit == base + to) return std::nullopt;
  return static_cast<std::uint64_t>(hit - base);
}

std::optional<std::uint64_t> find_container_header(const byte_source& src, std::uint64_t from, std::uint64_t to,
                                                   std::vector<std::byte>& scratch) {
  to = std::min(to, src.size());
  std::vector<std::byte> header;
  while (from < to && to - from >= 4) {
    // Each chunk overlaps the next by 3 bytes, so a magic across the boundary is found (once).
    const std::uint64_t n = std::min(search_chunk_size, to - from);
    const std::uint64_t len = std::min(n + 3, to - from);
    const auto chunk = src.view(from, len, scratch, "searched range");
    for (std::uint64_t pos = 0;;) {
      const auto hit = find_magic(chunk, pos, len);
      if (!hit || *hit >= n) break;
      const std::uint64_t at = from + *hit;
      if (*hit + container_header_size <= chunk.size()) {
        if (is_container_header(chunk, *hit)) return at;
      } else if (range_fits(at, container_header_size, src.size()) &&
                 is_container_header(src.view(at, container_header_size, header, "container header"), 0)) {
        return at;
      }
      pos = *hit + 1;
    }
    from += n;
  }
  return std::nullopt;
}

std::vector<std::byte> entry_payload(std::span<const std::byte> data, const fatbin_entry& entry) {
  return entry_payload(memory_source(data), entry);
}

std::vector<std::byte> entry_payload(const byte_source& source, const fatbin_entry& entry) {
  std::uint64_t end = 0;
  if (!checked_add(entry.payload_offset(), entry.payload_size, end) || end > source.size())
    throw parse_error(entry.offset, fmt::format("entry at 0x{:x}: payload extends past the end of the data",
                                                entry.offset));
  // Check sizes before reading anything: a hostile header must not make us read or allocate much.
  // LZ4 cannot expand more than ~255x; real zstd-compressed images expand ~5-20x;
  // neither format stores data in more than a few bytes over its raw size.
  if (entry.comp != compression::none) {
    const std::uint64_t ratio = entry.comp == compression::lz4 ? 256 : 4096;
    if (entry.uncompressed_size > max_decompressed_size ||
        entry.uncompressed_size > entry.compressed_size * ratio + 65536 ||
        entry.compressed_size > entry.uncompressed_size + entry.uncompressed_size / 64 + 65536)
      throw parse_error(entry.offset, fmt::format("entry at 0x{:x} claims {} uncompressed bytes from {} "
                                                  "(implausible)",
                                                  entry.offset, entry.uncompressed_size, entry.compressed_size));
  } else if (entry.payload_size > max_decompressed_size) {
    throw parse_error(entry.offset, fmt::format("entry at 0x{:x}: payload of {} bytes is implausibly large",
                                                entry.offset, entry.payload_size));
  }
  std::vector<std::byte> stored;
  const std::uint64_t stored_size = entry.comp == compression::none ? entry.payload_size : entry.compressed_size;
  const auto payload_bytes = source.view(entry.payload_offset(), stored_size, stored, "entry payload");
  const byte_reader payload(payload_bytes, entry.payload_offset());
  const auto* src = reinterpret_cast<const char*>(payload.bytes().data());
  std::vector<std::byte> out;
  if (entry.comp == compression::none) {
    std::size_t n = payload.size();
    if (entry.kind == entry_kind::ptx) {
      if (const void* nul = std::memchr(src, 0, n)) n = static_cast<std::size_t>(static_cast<const char*>(nul) - src);
    }
    out.assign(payload.bytes().begin(), payload.bytes().begin() + static_cast<std::ptrdiff_t>(n));
    return out;
  }
  out.resize(entry.uncompressed_size);
  if (entry.comp == compression::lz4) {
    if (entry.compressed_size > static_cast<std::uint64_t>(INT_MAX))
      throw parse_error(entry.offset, fmt::format("entry at 0x{:x}: LZ4 block too large", entry.offset));
    const int n = LZ4_decompress_safe(src, reinterpret_cast<char*>(out.data()), static_cast<int>(entry.compressed_size),
                                      static_cast<int>(out.size()));
    if (n < 0 || static_cast<std::uint64_t>(n) != entry.uncompressed_size)
      throw parse_error(entry.offset, fmt::format("entry at 0x{:x}: LZ4 data is corrupt", entry.offset));
  } else {
    const std::size_t n = ZSTD_decompress(out.data(), out.size(), src, entry.compressed_size);
    if (ZSTD_isError(n) || n != entry.uncompressed_size)
      throw parse_error(entry.offset, fmt::format("entry at 0x{:x}: zstd data is corrupt ({})", entry.offset,
                                                  ZSTD_isError(n) ? ZSTD_getErrorName(n) : "size mismatch"));
  }
  if (entry.kind == entry_kind::ptx) {
    const auto nul = std::find(out.begin(), out.end(), std::byte{0});
    out.erase(nul, out.end());
  }
  return out;
}

}  // namespace sm121probe::binscan
