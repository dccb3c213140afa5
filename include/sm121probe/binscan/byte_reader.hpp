#pragma once
/// Bounds-checked, overflow-safe access to untrusted bytes (files, archive
/// members, fatbin payloads). Every field read from a binary is hostile: sizes
/// and offsets are checked before use, and additions are checked for overflow.

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace sm121probe::binscan {

/// A structurally broken input ("corrupt"), as opposed to "not my format".
/// `offset` is where the problem was found, relative to the start of the file
/// (or of the buffer being parsed when there is no file).
struct parse_error : std::runtime_error {
  parse_error(std::uint64_t at, const std::string& what) : std::runtime_error(what), offset(at) {}
  std::uint64_t offset;
};

/// a + b, or false when it overflows.
[[nodiscard]] constexpr bool checked_add(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  return !__builtin_add_overflow(a, b, &out);
}

/// True when [offset, offset + length) lies inside a buffer of `size` bytes
/// (overflow-safe).
[[nodiscard]] constexpr bool range_fits(std::uint64_t offset, std::uint64_t length, std::uint64_t size) {
  return offset <= size && length <= size - offset;
}

/// Read-only view of untrusted bytes with checked, unaligned, endian-aware loads.
/// Never reads outside the span; every failed check throws parse_error.
class byte_reader {
 public:
  /// `base` is added to offsets in error messages (the position of this view in the file).
  explicit byte_reader(std::span<const std::byte> data, std::uint64_t base = 0, bool little_endian = true)
      : m_data(data), m_base(base), m_little(little_endian) {}

  [[nodiscard]] std::uint64_t size() const { return m_data.size(); }
  [[nodiscard]] std::span<const std::byte> bytes() const { return m_data; }
  [[nodiscard]] std::uint64_t base() const { return m_base; }
  [[nodiscard]] bool little_endian() const { return m_little; }

  /// Whether [offset, offset + length) is inside the view.
  [[nodiscard]] bool fits(std::uint64_t offset, std::uint64_t length) const {
    return range_fits(offset, length, m_data.size());
  }

  /// An unsigned integer of type T at `offset`. Throws parse_error (naming `what`) when out of range.
  template <typename T>
  [[nodiscard]] T read(std::uint64_t offset, std::string_view what = "field") const {
    static_assert(std::is_unsigned_v<T>);
    require(offset, sizeof(T), what);
    T v;
    std::memcpy(&v, m_data.data() + offset, sizeof(T));
    if (m_little != (std::endian::native == std::endian::little)) v = byteswap(v);
    return v;
  }

  /// Like read(), but returns `fallback` instead of throwing.
  template <typename T>
  [[nodiscard]] T read_or(std::uint64_t offset, T fallback) const {
    if (!fits(offset, sizeof(T))) return fallback;
    return read<T>(offset);
  }

  /// The sub-view [offset, offset + length). Throws parse_error when out of range.
  [[nodiscard]] byte_reader sub(std::uint64_t offset, std::uint64_t length, std::string_view what = "range") const {
    require(offset, length, what);
    return byte_reader(m_data.subspan(offset, length), m_base + offset, m_little);
  }

  /// The NUL-terminated string starting at `offset`; throws when no NUL follows inside the view.
  [[nodiscard]] std::string_view c_string(std::uint64_t offset, std::string_view what = "string") const {
    require(offset, 1, what);
    const auto* begin = reinterpret_cast<const char*>(m_data.data()) + offset;
    const auto* nul = static_cast<const char*>(std::memchr(begin, 0, m_data.size() - offset));
    if (!nul) throw parse_error(m_base + offset, std::string(what) + " is not NUL-terminated");
    return {begin, static_cast<std::size_t>(nul - begin)};
  }

  /// Throws parse_error unless [offset, offset + length) is inside the view.
  void require(std::uint64_t offset, std::uint64_t length, std::string_view what) const {
    if (!fits(offset, length))
      throw parse_error(m_base + offset, std::string(what) + " extends past the end of the data");
  }

 private:
  template <typename T>
  static T byteswap(T v) {
    if constexpr (sizeof(T) == 1) {
      return v;
    } else if constexpr (sizeof(T) == 2) {
      return static_cast<T>(__builtin_bswap16(v));
    } else if constexpr (sizeof(T) == 4) {
      return static_cast<T>(__builtin_bswap32(v));
    } else {
      return static_cast<T>(__builtin_bswap64(v));
    }
  }

  std::span<const std::byte> m_data;
  std::uint64_t m_base = 0;
  bool m_little = true;
};

}  // namespace sm121probe::binscan
