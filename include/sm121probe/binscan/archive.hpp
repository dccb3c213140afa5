#pragma once
/// Unix `ar` archives (static libraries): the member list, with GNU and BSD
/// long names. Members are only 2-byte aligned, so anything inside them may sit
/// at an odd-looking file offset.

#include "sm121probe/binscan/byte_reader.hpp"
#include "sm121probe/binscan/byte_source.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sm121probe::binscan {

/// One archive member.
struct archive_member {
  std::string name;          ///< member name (GNU/BSD long names resolved; trailing '/' removed)
  std::uint64_t offset = 0;  ///< file offset of the member's data
  std::uint64_t size = 0;    ///< bytes of data
  bool special = false;      ///< symbol table or long-name table, not an object
};

/// True when `data` starts with `!<arch>\n` (or the thin-archive magic `!<thin>\n`).
[[nodiscard]] bool has_archive_magic(std::span<const std::byte> data);

/// Lists the members of the archive in `data`. Returns nullopt when `data` is not
/// an archive. Throws parse_error for a corrupt or truncated member table and for
/// thin archives (their members live in other files).
[[nodiscard]] std::optional<std::vector<archive_member>> try_list_archive(const byte_source& src);
/// try_list_archive on a buffer in memory.
[[nodiscard]] std::optional<std::vector<archive_member>> try_list_archive(std::span<const std::byte> data);

}  // namespace sm121probe::binscan
