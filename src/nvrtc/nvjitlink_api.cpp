#include "sm121probe/nvrtc/nvjitlink_api.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

namespace sm121probe::nvrtc {

std::vector<std::string> nvjitlink_abi_suffixes(unsigned major, unsigned minor) {
  std::vector<std::string> out;
  if (major > 0)
    for (unsigned m = minor + 1; m-- > 0;) out.push_back(fmt::format("{}_{}", major, m));
  out.emplace_back();
  return out;
}

namespace {

template <typename F>
F sym(void* lib, const std::string& base, const std::string& suffix) {
  const std::string name = suffix.empty() ? base : fmt::format("__{}_{}", base, suffix);
  return reinterpret_cast<F>(::dlsym(lib, name.c_str()));
}

nvjitlink_api resolve_with(void* lib, const std::string& suffix) {
  nvjitlink_api a;
  a.create = sym<nvjitlink_api::create_fn>(lib, "nvJitLinkCreate", suffix);
  a.destroy = sym<nvjitlink_api::destroy_fn>(lib, "nvJitLinkDestroy", suffix);
  a.add_data = sym<nvjitlink_api::add_data_fn>(lib, "nvJitLinkAddData", suffix);
  a.complete = sym<nvjitlink_api::handle_fn>(lib, "nvJitLinkComplete", suffix);
  a.cubin_size = sym<nvjitlink_api::size_fn>(lib, "nvJitLinkGetLinkedCubinSize", suffix);
  a.cubin = sym<nvjitlink_api::cubin_fn>(lib, "nvJitLinkGetLinkedCubin", suffix);
  a.error_log_size = sym<nvjitlink_api::size_fn>(lib, "nvJitLinkGetErrorLogSize", suffix);
  a.error_log = sym<nvjitlink_api::log_fn>(lib, "nvJitLinkGetErrorLog", suffix);
  a.info_log_size = sym<nvjitlink_api::size_fn>(lib, "nvJitLinkGetInfoLogSize", suffix);
  a.info_log = sym<nvjitlink_api::log_fn>(lib, "nvJitLinkGetInfoLog", suffix);
  a.abi = suffix.empty() ? "unversioned" : suffix;
  return a;
}

}  // namespace

nvjitlink_api resolve_nvjitlink(void* lib, unsigned soname_major) {
  if (!lib) return {};
  const auto version = reinterpret_cast<nvjitlink_api::version_fn>(::dlsym(lib, "nvJitLinkVersion"));
  unsigned major = 0, minor = 0;
  if (!version || version(&major, &minor) != NVJITLINK_SUCCESS) {
    major = soname_major;
    minor = 9;
  }
  for (const auto& suffix : nvjitlink_abi_suffixes(major, minor)) {
    nvjitlink_api a = resolve_with(lib, suffix);
    if (a.usable()) {
      a.version = version;
      return a;
    }
  }
  nvjitlink_api none;
  none.version = version;
  return none;
}

std::string nvjitlink_status_name(nvJitLinkResult r) {
  // By number: 0 to 9 as in every nvJitLink.h since 12.0, 10 and up as in 13.x.
  switch (static_cast<int>(r)) {
    case 0: return "NVJITLINK_SUCCESS";
    case 1: return "NVJITLINK_ERROR_UNRECOGNIZED_OPTION";
    case 2: return "NVJITLINK_ERROR_MISSING_ARCH";
    case 3: return "NVJITLINK_ERROR_INVALID_INPUT";
    case 4: return "NVJITLINK_ERROR_PTX_COMPILE";
    case 5: return "NVJITLINK_ERROR_NVVM_COMPILE";
    case 6: return "NVJITLINK_ERROR_INTERNAL";
    case 7: return "NVJITLINK_ERROR_THREADPOOL";
    case 8: return "NVJITLINK_ERROR_UNRECOGNIZED_INPUT";
    case 9: return "NVJITLINK_ERROR_FINALIZE";
    case 10: return "NVJITLINK_ERROR_NULL_INPUT";  // 13.x numbering
    case 11: return "NVJITLINK_ERROR_INCOMPATIBLE_OPTIONS";
    case 12: return "NVJITLINK_ERROR_INCORRECT_INPUT_TYPE";
    case 13: return "NVJITLINK_ERROR_ARCH_MISMATCH";
    case 14: return "NVJITLINK_ERROR_OUTDATED_LIBRARY";
    case 15: return "NVJITLINK_ERROR_MISSING_FATBIN";
    case 16: return "NVJITLINK_ERROR_UNRECOGNIZED_ARCH";
    case 17: return "NVJITLINK_ERROR_UNSUPPORTED_ARCH";
    case 18: return "NVJITLINK_ERROR_LTO_NOT_ENABLED";
    default: return fmt::format("nvJitLinkResult {}", static_cast<int>(r));
  }
}

}  // namespace sm121probe::nvrtc
