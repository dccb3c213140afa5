#pragma once
// Private to src/probes: helpers the probe families share. A family file
// declares its probes and registers them itself (SM121PROBE_FAMILY,
// sm121probe/probes/registration.hpp); no list of families exists elsewhere.

#include "sm121probe/probe/probe.hpp"

#include <vector>

namespace sm121probe::probe {

/// The variants of a probe on the sm_80 path: SASS for the device itself, and
/// compute_80 PTX that the driver JIT-compiles at load time.
std::vector<variant> native_and_sm80_ptx();

}  // namespace sm121probe::probe
