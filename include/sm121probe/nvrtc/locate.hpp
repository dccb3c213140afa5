#pragma once
/// Finding NVRTC and nvJitLink on disk and naming their release: the pieces of
/// load_toolchain() (toolchain.hpp) that need no loaded library, so tests can
/// build a toolkit tree in a temporary directory and check each rule.

#include "sm121probe/nvrtc/toolchain.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sm121probe::nvrtc {

enum class library_kind { nvrtc, nvjitlink };

/// "libnvrtc" / "libnvJitLink".
[[nodiscard]] std::string_view library_stem(library_kind k);
/// "NVRTC" / "nvJitLink".
[[nodiscard]] std::string_view library_title(library_kind k);
[[nodiscard]] library_kind partner_of(library_kind k);

/// The directories of a toolkit, a pip `--target` directory or a site-packages
/// directory that may hold NVRTC / nvJitLink, those that exist, without
/// duplicates (by real path): ROOT/lib64, ROOT/lib, ROOT/targets/*/lib,
/// ROOT/nvidia/cu*/lib (CUDA 13 wheels), ROOT/nvidia/cuda_nvrtc/lib and
/// ROOT/nvidia/nvjitlink/lib (CUDA 12 wheels), and ROOT itself.
[[nodiscard]] std::vector<std::string> toolkit_library_dirs(const std::string& root);

/// The files of `kind` in `dir`: `libX.so.<N>` of major `prefer_major` first,
/// then the other majors, highest first, then `libX.so`. Only files that exist.
[[nodiscard]] std::vector<std::string> library_files_in(const std::string& dir, library_kind kind,
                                                         int prefer_major = 0);

/// The directories where the partner (`partner`) of the library loaded from
/// `path` sits in the same toolkit: its directory (as given and resolved) and,
/// for the CUDA 12 wheels, the sibling nvidia/nvjitlink/lib <-> nvidia/cuda_nvrtc/lib.
[[nodiscard]] std::vector<std::string> partner_dirs(const std::string& path, library_kind partner);

/// A full release number and where it was read.
struct version_found {
  std::string version;  ///< "13.5.37"
  std::string source;   ///< as library_info::version_source
};

/// The best known full version of the library at `real_path` whose API reports
/// `api_version` ("13.5"): the file name (libnvrtc.so.13.0.88), the METADATA
/// of the pip wheel that installed it (a *.dist-info directory next to the
/// `nvidia` package, or in a `dist-info` directory of the toolkit, whose RECORD
/// lists the file), a CUDA toolkit's version.json; else the API's major.minor.
/// A candidate that disagrees with `api_version` is ignored.
[[nodiscard]] version_found full_version(const std::string& real_path, library_kind kind,
                                         const std::string& api_version);

/// Why NVRTC (API release `nvrtc_api`, "13.5") and nvJitLink (`jit_api`) do not
/// form a pair, one line naming both libraries and the way to choose a pair;
/// empty when their major.minor agree or either release is unknown.
[[nodiscard]] std::string describe_pair_mismatch(const library_info& nvrtc, const std::string& nvrtc_api,
                                                 const library_info& nvjitlink, const std::string& jit_api);

}  // namespace sm121probe::nvrtc
