#pragma once
/// Quick answers about the machine for commands that only need the basics
/// (scan's defaults): which GPU is present and what the driver supports.

#include "sm121probe/arch.hpp"

#include <optional>
#include <string>

namespace sm121probe::cuda {

/// What the installed driver reports, when it can be loaded.
struct detected_driver {
  cuda_version version;            ///< cuDriverGetVersion (the CUDA release the driver supports)
  std::optional<gpu_arch> device;  ///< compute capability of device `ordinal`, if there is one
  std::string device_name;
};

/// Loads libcuda.so.1 and asks it. Returns nullopt when there is no driver; a
/// driver without devices returns a value with `device` unset. Never throws.
[[nodiscard]] std::optional<detected_driver> detect_driver(int ordinal = 0);

/// The CUDA release of the toolkit in use: NVRTC's version when NVRTC can be
/// loaded, else the toolkit this binary was built against.
[[nodiscard]] cuda_version toolkit_version();

}  // namespace sm121probe::cuda
