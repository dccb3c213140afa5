#include "markup.hpp"

#include "sm121probe/report/scan_render.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sm121probe::report::markup {

namespace {

// Longest run of backticks in s.
std::size_t longest_backtick_run(std::string_view s) {
  std::size_t best = 0, run = 0;
  for (const char c : s) {
    run = c == '`' ? run + 1 : 0;
    best = std::max(best, run);
  }
  return best;
}

// Back off from `n` to the start of a UTF-8 sequence so a cut never splits one.
std::size_t utf8_floor(std::string_view s, std::size_t n) {
  while (n > 0 && n < s.size() && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

}  // namespace

std::string escape_controls(std::string_view s, std::string_view keep) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if ((u < 0x20 || u == 0x7f) && keep.find(s[i]) == std::string_view::npos) {
      out += fmt::format("\\x{:02x}", u);
    } else if (u == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(s[i + 1]));  // C1 control, e.g. CSI U+009B
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string terminal_text(std::string_view raw) { return escape_controls(to_valid_utf8(raw)); }

std::string one_line(std::string_view raw, std::size_t max) {
  const std::string s = escape_controls(to_valid_utf8(raw), "\n\r\t");
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const char d = (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    if (d == ' ' && (out.empty() || out.back() == ' ')) continue;
    out += d;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > max && max > 3) {
    out.resize(utf8_floor(out, max - 3));
    out += "...";
  }
  return out;
}

std::string md_text(std::string_view raw) {
  const std::string s = one_line(raw, std::string::npos);
  const auto word = [&](std::size_t i) {
    if (i >= s.size()) return false;
    const char c = s[i];
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    switch (c) {
      case '&': out += "&amp;"; break;
      case '_':
        // GFM and CommonMark never emphasise inside a word (sm_121): escape only at word edges.
        if (i == 0 || !word(i - 1) || !word(i + 1)) out += '\\';
        out += c;
        break;
      case '\\': case '`': case '*': case '[': case ']': case '<': case '|': case '~':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

std::string md_code(std::string_view raw) {
  std::string s = one_line(raw, std::string::npos);
  if (s.empty()) return {};
  std::string escaped;
  for (const char c : s) {
    if (c == '|') escaped += '\\';
    escaped += c;
  }
  const std::string fence(longest_backtick_run(s) + 1, '`');
  // A code span that starts or ends with a backtick needs a space as padding.
  const bool pad = escaped.front() == '`' || escaped.back() == '`';
  return fence + (pad ? " " : "") + escaped + (pad ? " " : "") + fence;
}

std::string md_block(std::string_view raw) {
  std::string s = escape_controls(to_valid_utf8(raw));
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  const std::string fence(std::max<std::size_t>(3, longest_backtick_run(s) + 1), '`');
  return fence + "\n" + s + "\n" + fence + "\n";
}

std::string html_text(std::string_view raw) {
  const std::string s = one_line(raw, std::string::npos);
  std::string out;
  out.reserve(s.size() + 8);
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string xml_text(std::string_view raw, bool attribute) {
  const std::string s = to_valid_utf8(raw);
  std::string out;
  out.reserve(s.size() + 16);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (u == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F &&
        static_cast<unsigned char>(s[i + 1]) >= 0x80) {
      out += "\xEF\xBF\xBD";  // a C1 control (U+0080..U+009F): discouraged in XML, dangerous on a terminal
      ++i;
      continue;
    }
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;  // a raw CR would rewrite a terminal line
      default:
        if (u < 0x20 || u == 0x7f) out += "\xEF\xBF\xBD";  // not allowed in XML 1.0 (DEL is, but unhelpful)
        else out += c;
    }
  }
  return out;
}

std::string trim_log(std::string_view raw, std::size_t max_bytes, bool& trimmed) {
  std::string s = to_valid_utf8(raw);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  if (s.size() <= max_bytes) return s;
  trimmed = true;
  std::size_t cut = utf8_floor(s, max_bytes);
  // Prefer a whole-line cut when one is not too far back.
  if (const auto nl = s.rfind('\n', cut); nl != std::string::npos && nl > 0 && nl >= cut / 2) cut = nl;
  const std::size_t rest_lines =
      static_cast<std::size_t>(std::count(s.begin() + static_cast<std::ptrdiff_t>(cut), s.end(), '\n')) + 1;
  std::string out = s.substr(0, cut);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  out += fmt::format("\n[... {} more byte{} ({} line{}) trimmed; the JSON report has the full log]", s.size() - cut,
                     s.size() - cut == 1 ? "" : "s", rest_lines, rest_lines == 1 ? "" : "s");
  return out;
}

std::string human_bytes(std::uint64_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  if (n < (1ull << 20)) return fmt::format("{:.1f} KiB", static_cast<double>(n) / 1024.0);
  if (n < (1ull << 30)) return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1ull << 20));
  return fmt::format("{:.1f} GiB", static_cast<double>(n) / (1ull << 30));
}

std::string cut_markdown(std::string out, std::size_t limit) {
  if (out.size() < limit) return out;
  out.resize(limit - 200);
  while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
  if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
  out += fmt::format("\n\n> Note: cut at {} KB; the JSON report has everything.\n", limit / 1024);
  return out;
}

}  // namespace sm121probe::report::markup
