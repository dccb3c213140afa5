#pragma once
/// Renderers of the scan model (sm121probe/binscan/scan_report.hpp): functions of
/// the finished report only; the scanner never prints. JSON layout and schema:
/// docs/scan.md, docs/scan.schema.json.

#include "sm121probe/binscan/scan_report.hpp"

#include <nlohmann/json.hpp>

#include <iosfwd>
#include <string>
#include <string_view>

namespace sm121probe::report {

/// Version of the scan JSON layout; bumped on any incompatible change.
inline constexpr int scan_schema_version = 1;

/// What to include beyond the default.
struct scan_render_options {
  bool details = false;  ///< every container and entry (text and JSON)
  /// text: also list files without GPU code found by walking directories; text and
  /// markdown with packages: every file (not only the first scan_file_rows_default)
  bool all = false;
};

/// With the package view (--python), text and markdown list at most this many
/// files after the package table unless --all (failing files first; JSON lists all).
inline constexpr std::size_t scan_file_rows_default = 40;

/// Scan markdown stays under this size (a typical forum post limit) unless --all.
inline constexpr std::size_t scan_markdown_limit_bytes = 32 * 1024;

/// The scan report as a JSON value (schema_version 1). Strings taken from
/// files (paths, section names) are made valid UTF-8; a path that is not valid
/// UTF-8 also gets `path_bytes` (base64 of the raw bytes).
[[nodiscard]] nlohmann::ordered_json scan_to_json(const binscan::scan_report& report, const scan_render_options& opts = {});

/// scan_to_json, serialized (2-space indent, trailing newline). Never throws on odd bytes.
[[nodiscard]] std::string render_scan_json(const binscan::scan_report& report, const scan_render_options& opts = {});

/// Human-readable table: header naming target and driver (and whether they were
/// assumed), one row per file with failing files first, then the summary per
/// directory or Python package.
void render_scan_text(const binscan::scan_report& report, std::ostream& out, const scan_render_options& opts = {});

/// Text-safe form of raw bytes: valid UTF-8 is kept, other bytes and control
/// characters are written as \xNN.
[[nodiscard]] std::string escape_for_text(std::string_view raw);

/// Valid UTF-8 form of raw bytes: invalid sequences become U+FFFD.
[[nodiscard]] std::string to_valid_utf8(std::string_view raw);

/// Whether `raw` is well-formed UTF-8.
[[nodiscard]] bool is_valid_utf8(std::string_view raw);

/// Standard base64 (RFC 4648, with padding).
[[nodiscard]] std::string base64_encode(std::string_view raw);

}  // namespace sm121probe::report
