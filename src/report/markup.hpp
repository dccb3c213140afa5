#pragma once
// Private to src/report: escaping and trimming shared by the markdown and
// JUnit renderers (run, scan, compare, merge).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sm121probe::report::markup {

/// Text for a markdown paragraph or table cell (never the start of a line):
/// valid UTF-8, one line, characters that markdown or HTML would interpret
/// escaped (\ ` * [ ] < | ~, & as &amp;, and _ at the edge of a word).
[[nodiscard]] std::string md_text(std::string_view s);

/// An inline code span that survives any content: one line, a backtick fence
/// longer than any run inside, `|` escaped for tables. Empty input gives "".
[[nodiscard]] std::string md_code(std::string_view s);

/// A fenced code block (opening fence, text, closing fence, trailing newline)
/// whose fence is longer than any backtick run in `s`.
[[nodiscard]] std::string md_block(std::string_view s);

/// Text for HTML inside markdown (<summary>): valid UTF-8, & < > " escaped, one line.
[[nodiscard]] std::string html_text(std::string_view s);

/// Text for XML 1.0 character data or attribute values: valid UTF-8, & < > " '
/// escaped, characters XML 1.0 forbids (C0 controls other than tab, LF, CR)
/// replaced by U+FFFD. With `attribute`, tab/LF/CR become character references.
[[nodiscard]] std::string xml_text(std::string_view s, bool attribute = false);

/// `s` (valid UTF-8) with control characters made visible: C0 controls other
/// than those in `keep`, DEL, and C1 controls (U+0080..U+009F) become "\\x1b",
/// "\\x7f", "\\u009b". No terminal escape sequence, bell or carriage return
/// from a file name, host name or probe id survives into a rendered report.
[[nodiscard]] std::string escape_controls(std::string_view s, std::string_view keep = "\n\t");

/// Text for a terminal or a text file: valid UTF-8, control characters other
/// than newline and tab escaped (escape_controls).
[[nodiscard]] std::string terminal_text(std::string_view s);

/// One line: newlines and tabs become spaces, other control characters are
/// escaped (escape_controls), runs of spaces collapse, and a
/// result longer than `max` bytes is cut (at a UTF-8 boundary) and ends in "...".
[[nodiscard]] std::string one_line(std::string_view s, std::size_t max);

/// A log cut to at most `max_bytes` (whole lines where possible, never inside a
/// UTF-8 sequence). `trimmed` is set when something was cut; the result then
/// ends with a line saying how many lines were left out.
[[nodiscard]] std::string trim_log(std::string_view log, std::size_t max_bytes, bool& trimmed);

/// Last resort for a markdown document still over `limit` bytes after its
/// renderer dropped rows: cuts it (never inside a UTF-8 sequence) and appends
/// a note that the JSON report has everything. Shorter text is returned as is.
[[nodiscard]] std::string cut_markdown(std::string text, std::size_t limit);

/// `bytes` as "119.7 GiB" (binary units, one decimal) or "512 B".
[[nodiscard]] std::string human_bytes(std::uint64_t bytes);

}  // namespace sm121probe::report::markup
