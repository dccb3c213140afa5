#pragma once
// Private to src/probes: the narrow-format tensor probes (FP8/FP6/FP4 MMA,
// block-scaled MMA, conversions, int4), registered in narrow_registry.cpp.

#include "narrow_formats.cuh"
#include "sm121probe/probe/probe.hpp"

#include <string>
#include <vector>

namespace sm121probe::probe {

/// mma.fp8.e4m3 / mma.fp8.e5m2 (sm_89 form) and mma.f8f6f4.<fmt> (kind::f8f6f4).
probe make_mma_fp8(sm121::narrow_format f);
probe make_mma_f8f6f4(sm121::narrow_format f);
/// mma.s4: m8n8k32 int4 (emulated by ptxas on sm_90 and later).
probe make_mma_s4();
/// mma.mxf8f6f4, mma.mxf4, mma.nvf4.
probe make_mma_mxf8f6f4();
probe make_mma_mxf4();
probe make_mma_nvf4();
/// cvt.fp4, cvt.fp6, cvt.fp8, cvt.ue8m0.
probe make_cvt_fp4();
probe make_cvt_fp6();
probe make_cvt_fp8();
probe make_cvt_ue8m0();

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
