#pragma once
// Private to src/probes: the narrow-format tensor probes (FP8/FP6/FP4 MMA,
// block-scaled MMA, conversions, int4): helpers the family files share. Each
// family file registers its own probes.

#include "narrow_formats.cuh"
#include "sm121probe/probe/probe.hpp"

#include <string>
#include <vector>

namespace sm121probe::probe {

namespace narrow {

/// "native" (SASS for the device: plain, else f, else a) and the fallback
/// "sm80-dequant" (the same kernel with -DSM121_DEQUANT=1: decode to f16 in
/// registers, m16n8k16 HMMA), both with the given kernel options.
std::vector<variant> native_and_dequant(const std::vector<std::string>& options);

/// A random code of format f whose value is zero or has a magnitude in
/// [lo, hi]; never NaN or infinity.
unsigned random_code(lcg& rng, sm121::narrow_format f, float lo, float hi);

/// The -D option naming a format for the kernels (SM121_FORMAT=<int>).
std::string format_option(sm121::narrow_format f);

}  // namespace narrow

}  // namespace sm121probe::probe
