#include "sm121probe/cuda/detect.hpp"

#include "sm121probe/cuda/device_query.hpp"
#include "sm121probe/nvrtc/toolchain.hpp"
#include "sm121probe/version.hpp"

#include <string_view>

namespace sm121probe::cuda {

std::optional<detected_driver> detect_driver(int ordinal) {
  auto loaded = load_driver();
  if (!loaded.api) return std::nullopt;
  const driver_query q = query_driver(loaded.api.get(), loaded.error, ordinal);
  if (!q.driver.version) return std::nullopt;
  detected_driver out;
  out.version = cuda_version::from_int(*q.driver.version);
  if (q.device) {
    out.device = gpu_arch{q.device->cc_major, q.device->cc_minor};
    out.device_name = q.device->name;
  }
  return out;
}

cuda_version toolkit_version() {
  if (auto tc = nvrtc::load_toolchain(); tc.tools)
    if (auto v = parse_cuda_version(tc.tools->nvrtc_version())) return *v;
  // CUDAToolkit_VERSION is "13.0.88": keep major.minor.
  std::string_view v = build_info::cuda_toolkit_version;
  if (const auto dot = v.find('.'); dot != std::string_view::npos)
    if (const auto dot2 = v.find('.', dot + 1); dot2 != std::string_view::npos) v = v.substr(0, dot2);
  return parse_cuda_version(v).value_or(cuda_version{0, 0});
}

}  // namespace sm121probe::cuda
