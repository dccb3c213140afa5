#pragma once
/// Installed Python distributions, read from files (never by importing): the
/// `*.dist-info` directories of site-packages (METADATA, RECORD) and torch's
/// `version.py`. Shared by `scan` (package view) and `doctor`.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sm121probe::binscan {

/// A distribution installed in site-packages (from its .dist-info).
struct distribution {
  std::string name;       ///< as in METADATA (`Name:`), else from the directory name
  std::string version;    ///< METADATA `Version:`, else from the directory name
  std::string dist_info;  ///< the *.dist-info directory
  std::string site;       ///< the site-packages directory holding it
  std::vector<std::string> requires_dist;  ///< METADATA `Requires-Dist:` values, as written
  std::int64_t installed_ns = 0;  ///< modification time of RECORD (ns since the epoch; 0 when absent)
};

/// Every *.dist-info of these site-packages directories, sorted by directory name per site.
[[nodiscard]] std::vector<distribution> read_distributions(const std::vector<std::string>& sites);

/// Normalized (PEP 503) distribution name: lower case, runs of -_. as one '-'.
[[nodiscard]] std::string normalize_name(std::string_view name);

/// The first value of `Field:` in the header block of a METADATA text ("" when absent).
[[nodiscard]] std::string metadata_field(const std::string& metadata, const std::string& field);
/// Every value of `Field:` in the header block (Requires-Dist appears many times).
[[nodiscard]] std::vector<std::string> metadata_fields(const std::string& metadata, const std::string& field);

/// The distribution name a `Requires-Dist` value names ("cuda-python (>=12); extra == 'x'" -> "cuda-python"),
/// and whether it applies only with an extra (a `extra ==` marker).
struct requirement {
  std::string name;
  bool only_with_extra = false;
};
[[nodiscard]] requirement parse_requirement(std::string_view requires_dist);

/// The string value of `NAME = '...'` (or `NAME: type = "..."`) in a Python file ("" when absent).
[[nodiscard]] std::string py_assignment(const std::string& text, const std::string& name);

/// Up to `max` bytes from the start of a file ("" when it cannot be read).
[[nodiscard]] std::string read_file_head(const std::string& path, std::size_t max = 256 * 1024);

/// Largest RECORD read (real ones: torch ~1 MB, flashinfer-cubin ~4 MB).
inline constexpr std::size_t max_record_bytes = std::size_t{64} << 20;

/// Calls `fn` with the path of every RECORD row (relative to the site, as written; the
/// hash and size columns dropped; a quoted path unquoted). Returns false when RECORD
/// cannot be read.
bool for_each_record_path(const distribution& d, const std::function<void(std::string_view)>& fn);

}  // namespace sm121probe::binscan
