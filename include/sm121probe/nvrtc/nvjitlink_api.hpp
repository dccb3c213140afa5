#pragma once
/// nvJitLink's entry points, resolved from a dlopen()ed library by name.
///
/// nvJitLink.h turns each call into a versioned symbol of the header's release
/// (`nvJitLinkCreate` -> `__nvJitLinkCreate_13_0` in CUDA 13.0's header,
/// `__nvJitLinkCreate_12_9` in 12.9's), and every library exports the versioned
/// names of its own release and of the earlier minor releases of its major one
/// (13.5: `_13_0` to `_13_5`; 12.9: `_12_0` to `_12_9`), plus unversioned
/// aliases. So nothing here names a header's symbol: the function types are
/// spelled out from the documented API, and the names are tried at run time,
/// the library's own release first (its nvJitLinkVersion), then the earlier
/// minor releases, then the unversioned names. The source builds against the
/// headers of CUDA 12.9 and of 13.x alike (tests/build/cuda129_headers_check.cmake).

#include <nvJitLink.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sm121probe::nvrtc {

struct nvjitlink_api {
  using create_fn = nvJitLinkResult (*)(nvJitLinkHandle*, std::uint32_t, const char**);
  using destroy_fn = nvJitLinkResult (*)(nvJitLinkHandle*);
  using add_data_fn = nvJitLinkResult (*)(nvJitLinkHandle, nvJitLinkInputType, const void*, std::size_t, const char*);
  using handle_fn = nvJitLinkResult (*)(nvJitLinkHandle);
  using size_fn = nvJitLinkResult (*)(nvJitLinkHandle, std::size_t*);
  using cubin_fn = nvJitLinkResult (*)(nvJitLinkHandle, void*);
  using log_fn = nvJitLinkResult (*)(nvJitLinkHandle, char*);
  using version_fn = nvJitLinkResult (*)(unsigned int*, unsigned int*);

  create_fn create = nullptr;
  destroy_fn destroy = nullptr;
  add_data_fn add_data = nullptr;
  handle_fn complete = nullptr;
  size_fn cubin_size = nullptr;
  cubin_fn cubin = nullptr;
  size_fn error_log_size = nullptr;
  log_fn error_log = nullptr;
  size_fn info_log_size = nullptr;  ///< optional
  log_fn info_log = nullptr;        ///< optional
  version_fn version = nullptr;     ///< optional (nvJitLink 12.3 and later)
  /// The symbol suffix the entry points were resolved with: "13_5", or
  /// "unversioned"; empty when they could not be resolved.
  std::string abi;

  /// Every entry point a link needs is there.
  [[nodiscard]] bool usable() const {
    return create && destroy && add_data && complete && cubin_size && cubin && error_log_size && error_log;
  }
};

/// The suffixes tried, in order, for a library of release `major`.`minor`
/// (from nvJitLinkVersion, or major from the soname with minor 9 when the
/// library does not say): "13_5", "13_4", ..., "13_0", "" (unversioned).
[[nodiscard]] std::vector<std::string> nvjitlink_abi_suffixes(unsigned major, unsigned minor);

/// Resolves the entry points of `lib` (a dlopen handle). `soname_major`
/// (e.g. 12 for libnvJitLink.so.12, 0 when unknown) is used only when the
/// library lacks nvJitLinkVersion.
[[nodiscard]] nvjitlink_api resolve_nvjitlink(void* lib, unsigned soname_major = 0);

/// The name of a result code ("NVJITLINK_ERROR_PTX_COMPILE").
[[nodiscard]] std::string nvjitlink_status_name(nvJitLinkResult r);

}  // namespace sm121probe::nvrtc
