#pragma once
/// The one way a dlopen()ed library's entry points become typed function
/// pointers (the driver in src/cuda/driver_loader.cpp, NVRTC and nvJitLink in
/// src/nvrtc/toolchain.cpp): each is a member declared with the type of the
/// API function it stands for, resolved by symbol name.

#include <dlfcn.h>

namespace sm121probe::util {

/// The symbol `name` of `lib` as a function pointer of type F; null when `lib`
/// is null or does not export the symbol.
template <typename F>
[[nodiscard]] F dl_function(void* lib, const char* name) {
  return lib ? reinterpret_cast<F>(::dlsym(lib, name)) : nullptr;
}

}  // namespace sm121probe::util

/// Declares `member`, a pointer to a function of the type of `api` (from the
/// library's header), resolved from `lib` by `symbol` (the exported name,
/// which may differ from the header's, e.g. a versioned "cuMemAlloc_v2").
#define SM121PROBE_DL_FUNCTION(lib, member, symbol, api) \
  decltype(&::api) member = ::sm121probe::util::dl_function<decltype(&::api)>(lib, symbol)
