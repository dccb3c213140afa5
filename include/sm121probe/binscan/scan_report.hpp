#pragma once
/// A whole `scan` run: the files found under the requested paths (or a Python
/// environment's site-packages), their results, and per-group summaries.
/// Plain data; renderers: sm121probe/report/scan_render.hpp.

#include "sm121probe/binscan/scan.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace sm121probe::binscan {

/// How files are grouped in the summary.
enum class grouping { directory, python_package };
[[nodiscard]] std::string_view to_string(grouping g);

/// The result of one scan run.
struct scan_report {
  scan_target target;
  std::string target_source;  ///< how the target was chosen: "option", "detected GPU ...", "assumed ..."
  std::string driver_source;  ///< how the driver version was chosen
  grouping group_by = grouping::directory;
  std::vector<std::string> roots;        ///< paths / site-packages directories scanned
  std::vector<file_result> files;        ///< in listing order (see sort_for_listing)
  std::uint64_t skipped_files = 0;       ///< files in directories judged not to hold GPU code
  std::uint64_t skipped_symlinks = 0;    ///< symlinks inside walked directories (not followed)
};

/// Counts per verdict for one group (directory or Python package) or the whole run.
struct group_summary {
  std::string name;
  std::uint64_t files = 0, native = 0, fallback = 0, failing = 0, no_gpu_code = 0, error = 0;
  module_counts modules;
  void add(const file_result& f);
};

/// Summaries per group, sorted by name.
[[nodiscard]] std::vector<group_summary> summarize_groups(const scan_report& report);
/// The summary of all files.
[[nodiscard]] group_summary summarize_all(const scan_report& report);

/// 0 when every file with GPU code can run (native or fallback), 1 when any file
/// is failing or error (the CLI's exit-code contract).
[[nodiscard]] int scan_exit_code(const scan_report& report);

/// Sorts files: failing, error, fallback, native, no-gpu-code; then by path.
void sort_for_listing(std::vector<file_result>& files);

/// Collects and scans files. Each file is scanned once even when reached
/// through several paths (same device and inode).
class path_scanner {
 public:
  explicit path_scanner(const scan_target& target) : m_target(target) {}

  /// Scans a named path: a file (scanned whatever its format; symlinks followed)
  /// or a directory (walked recursively; symlinks inside it are not followed, so
  /// the walk never leaves the tree; files that cannot hold GPU code are skipped).
  /// Files are grouped by their directory. A path that does not exist gives an
  /// error row (the CLI checks existence first).
  void add_path(const std::string& path);

  /// Walks a site-packages directory, grouping files by top-level Python package.
  void add_site_packages(const std::string& dir);

  /// Scan with at most this many threads (default: the number of CPUs, at most 8).
  void set_max_threads(unsigned n) { m_max_threads = n == 0 ? 1 : n; }

  /// Scans the collected files and moves the results into `report` (files sorted for listing).
  void finish(scan_report& report);

 private:
  void walk(const std::string& root, bool python);
  void scan_one(const std::string& path, std::string group);
  [[nodiscard]] bool seen(const std::string& path);

  scan_target m_target;
  std::vector<file_result> m_files;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> m_seen;  ///< (device, inode), kept sorted
  std::vector<std::string> m_roots;
  std::uint64_t m_skipped_files = 0, m_skipped_symlinks = 0;
  unsigned m_max_threads = 8;
};

/// The Python package a file under `site_packages` belongs to: the first path
/// component (a `.libs` suffix removed, `*.dist-info`/`*.egg-info` folded into
/// the distribution name); for namespace directories without `__init__.py`
/// (e.g. `nvidia`) the first two components (`nvidia.cublas`); for a module file
/// directly in site-packages its name up to the first dot.
[[nodiscard]] std::string python_package_of(const std::string& site_packages, const std::string& file);

/// How long the interpreter may take to answer (and exit), in seconds.
inline constexpr int python_answer_timeout_s = 10;
/// How much it may print (real answers are a few hundred bytes).
inline constexpr std::size_t python_answer_max_bytes = std::size_t{1} << 20;

/// Asks the interpreter `exe` (searched in PATH) for its site-packages
/// directories (site.getsitepackages(), the user site, and sys.path entries
/// named site-packages or dist-packages); returns the ones that exist.
/// Throws std::runtime_error with a one-line reason when it cannot be run, fails,
/// takes longer than python_answer_timeout_s or prints more than
/// python_answer_max_bytes (it is then killed with its process group).
[[nodiscard]] std::vector<std::string> python_site_packages(const std::string& exe);

}  // namespace sm121probe::binscan
