#pragma once
/// A whole `scan` run: the files found under the requested paths (or a Python
/// environment's site-packages), their results, and per-group summaries.
/// Plain data; renderers: sm121probe/report/scan_render.hpp.

#include "sm121probe/binscan/byte_source.hpp"
#include "sm121probe/binscan/python_dist.hpp"
#include "sm121probe/binscan/scan.hpp"

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <string>
#include <vector>

namespace sm121probe::binscan {

/// How files are grouped in the summary.
enum class grouping { directory, python_package };
[[nodiscard]] std::string_view to_string(grouping g);

/// A package's answer for the target (docs/scan.md, "Packages"). Unlike a file's
/// verdict it can say that the package compiles its kernels at run time.
enum class package_verdict {
  native,           ///< some file that would be used loads SASS on the target
  fallback,         ///< none loads SASS; some runs through the driver's PTX JIT (or JIT linking)
  runtime_compile,  ///< shipped code is for other GPUs only, but the package is known to compile at run time
  failing,          ///< nothing that would be used runs on the target
  error,            ///< its GPU files could not be read
};
[[nodiscard]] std::string_view to_string(package_verdict v);

/// How the package's code reaches the GPU.
enum class package_how { native_sass, ptx_jit, jit_link, runtime_compile, nothing };
[[nodiscard]] std::string_view to_string(package_how h);

/// Files of one package that are alternatives for different CUDA releases
/// (bitsandbytes' libbitsandbytes_cudaNNN.so): only one is loaded.
struct package_alternatives {
  std::string cuda;         ///< the environment's CUDA release the choice was made for ("13.0")
  std::string cuda_source;  ///< where that came from ("torch 2.9.0 (torch/version.py)", "the driver")
  std::string selected;     ///< path of the variant that would be loaded; "" when none matches
  std::vector<std::string> others;  ///< paths of the variants that would not be loaded
};

/// One installed distribution (or, for files no RECORD lists, a top-level directory) with GPU code.
struct package_result {
  std::string name;
  std::string version;   ///< "" when unknown (directory packages)
  std::string source;    ///< "dist-info" (owned by a RECORD) or "directory"
  std::string location;  ///< the *.dist-info directory, or the package directory
  package_verdict result = package_verdict::failing;
  package_how how = package_how::nothing;
  std::string reason;    ///< one line
  std::uint64_t files = 0;  ///< scanned files of the package (with or without GPU code)
  std::uint64_t native = 0, fallback = 0, failing = 0, error = 0;  ///< files by verdict (not-loaded alternatives excluded)
  std::optional<package_alternatives> alternatives;
  std::string runtime_compile;  ///< the evidence that it compiles at run time ("" = none found)
  /// Whether it decides the exit code: false for packages that compile at run time.
  [[nodiscard]] bool fails() const { return result == package_verdict::failing || result == package_verdict::error; }
};

/// A warning about the environment rather than one file, with a stable kind.
struct report_finding {
  std::string kind;   ///< "shared-files"
  std::string message;
  std::vector<std::string> packages;  ///< the packages concerned
};

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
  std::string trap_check;  ///< how trap-only kernels were looked for ("" = not reported)
  /// With --python: the package view was built (build_packages), or read from a
  /// JSON report that has it; the renderers and the exit code then follow packages.
  bool package_view = false;
  /// One row per package with GPU code, failing first (build_packages).
  std::vector<package_result> packages;
  std::vector<report_finding> findings;  ///< environment-level warnings (shared-files)
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

/// The CLI's exit-code contract. With the package view (--python): 1 when a package that
/// would be used has nothing that runs (package verdict failing or error), else
/// 0. Otherwise 0 when every file with GPU code can run (native or fallback), 1
/// when any file is failing or error.
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

  /// Keep each file's container records (default true). Without them (scan without
  /// --details) memory follows the number of files, not the number of modules:
  /// cuFFT alone has 24,000 containers.
  void set_keep_containers(bool keep) { m_keep_containers = keep; }

  /// Scan with at most this many threads (default: the number of CPUs, at most 8).
  void set_max_threads(unsigned n) { m_max_threads = n == 0 ? 1 : n; }

  /// Scans the collected files and moves the results into `report` (files sorted for listing).
  void finish(scan_report& report);

 private:
  void walk(const std::string& root, bool python);
  void scan_one(const std::string& path, std::string group);
  [[nodiscard]] bool seen(const std::string& path);
  [[nodiscard]] bool seen(const file_identity& id);

  scan_target m_target;
  std::vector<file_result> m_files;
  struct identity_hash {
    std::size_t operator()(const file_identity& i) const noexcept { return std::hash<std::uint64_t>{}(i.ino * 31 + i.dev); }
  };
  std::unordered_set<file_identity, identity_hash> m_seen;  ///< files already collected
  std::vector<std::string> m_roots;
  std::uint64_t m_skipped_files = 0, m_skipped_symlinks = 0;
  unsigned m_max_threads = 8;
  bool m_keep_containers = true;
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

/// What the package view needs to know about a Python environment, read from files.
struct python_environment {
  std::vector<std::string> sites;
  std::vector<distribution> distributions;
  std::string cuda;         ///< torch's CUDA release (torch/version.py), "" when none
  std::string cuda_source;  ///< "torch 2.9.0 (<site>/torch/version.py)"
};
[[nodiscard]] python_environment read_python_environment(const std::vector<std::string>& sites);

/// Distributions that are compilers or JIT compilers for GPU code: a package
/// requiring one (METADATA Requires-Dist, not only with an extra) is known to
/// compile at run time. Documented in docs/scan.md.
[[nodiscard]] const std::vector<std::string_view>& runtime_compiler_distributions();

/// Groups the files of `report` (scanned with add_site_packages) by installed
/// distribution (RECORD; files no RECORD lists by top-level directory), sets
/// each file's group to its package, picks among CUDA-version alternatives,
/// and fills report.packages (one row per package with GPU code) and
/// report.findings (distributions that list the same files). Rules: docs/scan.md.
void build_packages(scan_report& report, const python_environment& env);

}  // namespace sm121probe::binscan
