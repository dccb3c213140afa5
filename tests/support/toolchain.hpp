#pragma once
// Test helper: the real NVRTC / nvJitLink, loaded once per test executable.

#include "sm121probe/nvrtc/toolchain.hpp"

#include <stdexcept>

namespace sm121probe::testing {

/// The toolchain every compiling test uses; throws (failing the test) if NVRTC cannot be loaded.
inline const nvrtc::toolchain& tools() {
  static const auto loaded = nvrtc::load_toolchain();
  if (!loaded.tools) throw std::runtime_error(loaded.error);
  return *loaded.tools;
}

}  // namespace sm121probe::testing
