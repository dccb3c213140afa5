#pragma once
// Private to src/probes: the factories registry.cpp assembles into the catalog.
// A new probe = one kernel file in kernels/ + one factory + one line in registry.cpp.

#include "sm121probe/probe/probe.hpp"

#include <vector>

namespace sm121probe::probe {

probe make_cuda_fma();
std::vector<probe> make_mma_sm80_probes();  // mma.f16, mma.f16f16, mma.bf16, mma.tf32, mma.s8
probe make_ldmatrix();

/// Groups registered by their own files (one registration line per probe there).
void add_narrow_format_probes(std::vector<probe>& list);  // narrow_registry.cpp
void add_feature_probes(std::vector<probe>& list);        // feature_registry.cpp

/// The variants of a probe on the sm_80 path: SASS for the device itself, and
/// compute_80 PTX that the driver JIT-compiles at load time.
std::vector<variant> native_and_sm80_ptx();

}  // namespace sm121probe::probe
