#pragma once
// Private to src/probes: helpers the probe families share. A family file
// declares its probes and registers them itself (SM121PROBE_FAMILY,
// sm121probe/probes/registration.hpp); no list of families exists elsewhere.

#include "sm121probe/probe/probe.hpp"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sm121probe::probe {

/// The variants of a probe on the sm_80 path: SASS for the device itself, and
/// compute_80 PTX that the driver JIT-compiles at load time; both with the
/// same NVRTC options (e.g. the -D that picks the kernel's form).
std::vector<variant> native_and_sm80_ptx(const std::vector<std::string>& options = {});

/// The one variant of a probe without a fallback path: SASS for the device.
std::vector<variant> native_only();

/// A skip_reason for a feature that arrived with Hopper: below compute
/// capability 9.0 the probe reads skipped, "needs compute capability 9.0 or
/// later: <what> arrived with Hopper (this is X.Y)".
std::function<std::optional<std::string>(const exec_facts&)> needs_sm90(std::string what);

}  // namespace sm121probe::probe
