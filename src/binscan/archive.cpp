#include "sm121probe/binscan/archive.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <string_view>

namespace sm121probe::binscan {

namespace {

constexpr std::string_view ar_magic = "!<arch>\n";
constexpr std::string_view thin_magic = "!<thin>\n";
constexpr std::uint64_t ar_header_size = 60;

std::string_view field(const byte_reader& r, std::uint64_t off, std::uint64_t len) {
  const auto sub = r.sub(off, len, "archive member header");
  std::string_view s(reinterpret_cast<const char*>(sub.bytes().data()), sub.size());
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool parse_decimal(std::string_view s, std::uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

}  // namespace

bool has_archive_magic(std::span<const std::byte> data) {
  if (data.size() < ar_magic.size()) return false;
  const std::string_view head(reinterpret_cast<const char*>(data.data()), ar_magic.size());
  return head == ar_magic || head == thin_magic;
}

std::optional<std::vector<archive_member>> try_list_archive(std::span<const std::byte> data) {
  return try_list_archive(memory_source(data));
}

std::optional<std::vector<archive_member>> try_list_archive(const byte_source& src) {
  std::vector<std::byte> scratch;
  if (src.size() < ar_magic.size() || !has_archive_magic(src.view(0, ar_magic.size(), scratch))) return std::nullopt;
  const auto head = src.view(0, thin_magic.size(), scratch);
  if (std::memcmp(head.data(), thin_magic.data(), thin_magic.size()) == 0)
    throw parse_error(0, "thin archive: its members are stored in other files (scan those instead)");
  const std::uint64_t size = src.size();
  std::vector<archive_member> members;
  std::string long_names;
  std::uint64_t pos = ar_magic.size();
  while (pos < size) {
    if (size - pos == 1 && static_cast<char>(src.view(pos, 1, scratch)[0]) == '\n') break;  // final padding byte
    if (!range_fits(pos, ar_header_size, size))
      throw parse_error(pos, fmt::format("archive member header at 0x{:x} is cut off (truncated?)", pos));
    const byte_reader r = src.reader(pos, ar_header_size, scratch, "archive member header");
    if (field(r, 58, 2) != "`\n")
      throw parse_error(pos, fmt::format("archive member header at 0x{:x} is corrupt (bad terminator)", pos));
    std::uint64_t member_size = 0;
    if (!parse_decimal(field(r, 48, 10), member_size))
      throw parse_error(pos, fmt::format("archive member header at 0x{:x} has an invalid size field", pos));
    const std::uint64_t data_off = pos + ar_header_size;
    if (!range_fits(data_off, member_size, size))
      throw parse_error(pos, fmt::format("archive member at 0x{:x} ({} bytes) extends past the end of the file "
                                         "(truncated?)",
                                         pos, member_size));
    archive_member m;
    m.offset = data_off;
    m.size = member_size;
    const std::string name(field(r, 0, 16));
    std::vector<std::byte> data_scratch;
    const auto member_text = [&](std::uint64_t n) {
      const auto v = src.view(data_off, n, data_scratch, "archive member name");
      return std::string(reinterpret_cast<const char*>(v.data()), v.size());
    };
    if (name == "/" || name == "/SYM64/" || name == "__.SYMDEF" || name == "__.SYMDEF SORTED") {
      m.special = true;
      m.name = name;
    } else if (name == "//") {
      m.special = true;
      m.name = "//";
      if (member_size > (std::uint64_t{64} << 20))
        throw parse_error(pos, fmt::format("archive long-name table of {} bytes is implausibly large", member_size));
      long_names = member_text(member_size);
    } else if (name.starts_with("#1/")) {  // BSD: the name is the first N bytes of the data
      std::uint64_t n = 0;
      if (!parse_decimal(std::string_view(name).substr(3), n) || n > member_size)
        throw parse_error(pos, fmt::format("archive member at 0x{:x} has an invalid BSD name length", pos));
      m.name = member_text(n);
      m.name.resize(strnlen(m.name.c_str(), m.name.size()));
      m.offset += n;
      m.size -= n;
    } else if (name.size() > 1 && name[0] == '/') {  // GNU: "/123" is an offset into the "//" member
      std::uint64_t n = 0;
      if (!parse_decimal(std::string_view(name).substr(1), n) || n >= long_names.size())
        throw parse_error(pos, fmt::format("archive member at 0x{:x} refers to a missing long name", pos));
      std::string_view rest = std::string_view(long_names).substr(n);
      rest = rest.substr(0, rest.find('\n'));
      if (rest.ends_with('/')) rest.remove_suffix(1);
      m.name = std::string(rest);
    } else {
      m.name = name;
      if (m.name.ends_with('/')) m.name.pop_back();
    }
    members.push_back(std::move(m));
    // Data is padded to an even offset.
    std::uint64_t next = data_off + member_size;
    next += next % 2;
    pos = next;
  }
  return members;
}

}  // namespace sm121probe::binscan
