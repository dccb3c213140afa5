#pragma once
/// Run-time compilation: NVRTC (CUDA C++ -> PTX / cubin) and nvJitLink
/// (PTX -> cubin, standing in for the driver's JIT offline). Both libraries are
/// dlopen()ed, so a missing toolkit is an environment error the CLI can report
/// (exit code 3) instead of a loader failure.

#include "sm121probe/util/source_file.hpp"

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sm121probe::nvrtc {

/// What a compilation produces.
enum class image_kind { cubin, ptx };

struct compile_request {
  std::string name;                    ///< program name shown in diagnostics, e.g. "kernels/mma_sm80.cu"
  std::string_view source;
  std::string target;                  ///< "sm_121a" -> cubin; "compute_80" -> PTX
  std::vector<std::string> options;    ///< extra NVRTC options ("-DFOO=1")
  std::span<const util::source_file> headers;  ///< include files, found by file name
};

/// The outcome of one compilation. A compile error is a result, not an exception.
struct compile_result {
  bool ok = false;
  std::string status;              ///< NVRTC result name ("NVRTC_ERROR_COMPILATION"); empty when ok
  std::string log;                 ///< full program log; embedded NULs became newlines
  image_kind kind = image_kind::cubin;
  std::vector<std::byte> image;    ///< the cubin, or PTX text with its terminating NUL
  double ms = 0.0;
};

/// The outcome of linking PTX to SASS with nvJitLink.
struct link_result {
  bool ok = false;
  std::string status;              ///< nvJitLink result name; empty when ok
  std::string log;                 ///< error log, or info log when ok
  std::vector<std::byte> cubin;
  double ms = 0.0;
};

/// Where a loaded library came from and which release it is.
struct library_info {
  std::string path;            ///< the file loaded, symlinks resolved (dladdr + realpath)
  std::string version;         ///< full version, "13.5.37"; the API's "13.5" when nothing better is known
  /// How `version` was learned: "file name", "wheel metadata (<dist-info dir>)",
  /// "version.json (<file>)" or "API (nvrtcVersion)" / "API (nvJitLinkVersion)".
  std::string version_source;
  /// What chose it: "--nvrtc", "SM121PROBE_NVRTC_LIBRARY", "--cuda-home", "next to nvJitLink",
  /// "LD_LIBRARY_PATH", "CUDA_HOME", "loader default", "build-time toolkit" (and the
  /// nvJitLink counterparts).
  std::string found_by;
};

/// A loaded NVRTC (+ nvJitLink when available). Thread-safe: compile() and
/// jit_link() may run concurrently.
class toolchain {
 public:
  virtual ~toolchain() = default;
  [[nodiscard]] virtual compile_result compile(const compile_request& request) const = 0;
  /// Links one PTX image (with its NUL) for `arch` ("sm_121a"). Fails with a
  /// status when nvJitLink is unavailable.
  [[nodiscard]] virtual link_result jit_link(std::span<const std::byte> ptx, std::string_view arch) const = 0;
  [[nodiscard]] virtual std::string nvrtc_version() const = 0;        ///< "13.0"
  [[nodiscard]] virtual std::vector<int> supported_archs() const = 0;  ///< 75, 80, ..., 121
  [[nodiscard]] virtual std::string nvjitlink_version() const = 0;    ///< "13.0"; empty when unavailable
  [[nodiscard]] virtual std::string nvjitlink_error() const = 0;      ///< why nvJitLink is unavailable
  [[nodiscard]] virtual const library_info& nvrtc_library() const = 0;
  /// Empty fields when nvJitLink is unavailable.
  [[nodiscard]] virtual const library_info& nvjitlink_library() const = 0;
  /// Why NVRTC and nvJitLink do not form a pair (their releases differ, major.minor),
  /// one line; empty when they match or nvJitLink is unavailable.
  [[nodiscard]] virtual std::string pair_mismatch() const = 0;
};

struct toolchain_load_result {
  std::unique_ptr<toolchain> tools;  ///< null when NVRTC could not be loaded
  std::string error;                 ///< one line
};

/// The user's choice of toolkit (command-line flags); empty fields choose nothing.
struct toolchain_options {
  std::string cuda_home;          ///< --cuda-home DIR: a toolkit or a pip --target / site-packages directory
  std::string nvrtc_library;      ///< --nvrtc LIB: exactly this file
  std::string nvjitlink_library;  ///< --nvjitlink LIB: exactly this file
};

/// Loads NVRTC and nvJitLink as a pair (README.md "Choosing a toolkit"). Each is
/// taken from the first of: its flag (--nvrtc / --nvjitlink), its variable
/// ($SM121PROBE_NVRTC_LIBRARY / $SM121PROBE_NVJITLINK_LIBRARY), --cuda-home
/// (these are exclusive: what they name loads or the load fails); then, for the
/// one not chosen so, next to the other (same directory, or the sibling wheel
/// directory nvidia/nvjitlink/lib <-> nvidia/cuda_nvrtc/lib); then the
/// directories of $LD_LIBRARY_PATH, of $CUDA_HOME, the loader's default search
/// (soname), and last the toolkit library directory found at build time. In a
/// directory the soname of the partner's major release is preferred, then the
/// highest one. Fails (tools null) only when NVRTC cannot be loaded, or a chosen
/// nvJitLink cannot.
[[nodiscard]] toolchain_load_result load_toolchain(const toolchain_options& options = {});

/// Replaces NULs by newlines and drops trailing whitespace (NVRTC logs carry
/// NULs between ptxas message chunks; every part is kept).
[[nodiscard]] std::string clean_log(std::string_view raw);

/// Keeps at most `max_bytes` of a log: the head and the tail, with a note of
/// how much was cut in between.
[[nodiscard]] std::string trim_log(std::string_view log, std::size_t max_bytes = 4096);

/// The first line of a log that names an error or a fatal condition (ptxas /
/// NVRTC / nvJitLink diagnostics), else the first non-empty line; tidied.
[[nodiscard]] std::string first_error_line(std::string_view log);

/// Warning and advisory lines of a successful compile (ptxas "warning",
/// "Advisory", "Potential Performance Loss"), tidied, without duplicates.
[[nodiscard]] std::vector<std::string> extract_warnings(std::string_view log);

/// Drops ptxas' "ptxas application ptx input, line N; " prefix and the padding
/// before colons: "error   : Feature ..." -> "error: Feature ...".
[[nodiscard]] std::string tidy_diagnostic(std::string_view line);

}  // namespace sm121probe::nvrtc
