// Probes mma.fp8.* and mma.f8f6f4.*: one warp computes D = A*B + C, m16n8k32,
// f32 accumulate, with narrow floating-point operands.
//   SM121_FORMAT selects the operand format (sm121::narrow_format as an int:
//   0 e2m1, 1 e3m2, 2 e2m3, 3 e4m3, 4 e5m2); SM121_KIND_F8F6F4=1 selects the
//   Blackwell `.kind::f8f6f4` form (byte containers: FP4 in bits 2..5, FP6 in
//   bits 0..5), 0 the sm_89 FP8 form `mma...f32.e4m3.e4m3.f32`.
// Expected on sm_121: native (QMMA); FP4/FP6 need sm_121f or sm_121a.
// Fallback (SM121_DEQUANT=1, variant "sm80-dequant"): the codes are decoded to
// f16 in registers and multiplied with two m16n8k16 f16 MMAs (HMMA), which is
// what software does where the narrow-format tensor instruction is missing.
// Memory: A 16x32 and B 32x8 row-major, one code per byte (low bits); C, D f32.
#include "mma_narrow_layout.cuh"
#include "narrow_ptx.cuh"

#ifndef SM121_FORMAT
#error "compile with -DSM121_FORMAT=<0..4> (sm121::narrow_format)"
#endif
#ifndef SM121_KIND_F8F6F4
#define SM121_KIND_F8F6F4 0
#endif

#if SM121_FORMAT == 0
#define SM121_PTX_TYPE "e2m1"
#elif SM121_FORMAT == 1
#define SM121_PTX_TYPE "e3m2"
#elif SM121_FORMAT == 2
#define SM121_PTX_TYPE "e2m3"
#elif SM121_FORMAT == 3
#define SM121_PTX_TYPE "e4m3"
#elif SM121_FORMAT == 4
#define SM121_PTX_TYPE "e5m2"
#else
#error "SM121_FORMAT out of range"
#endif

extern "C" __global__ void probe_kernel(const unsigned char* A, const unsigned char* B, const float* C, float* D) {
  const int lane = threadIdx.x & 31;
  const sm121::narrow_format fmt = static_cast<sm121::narrow_format>(SM121_FORMAT);
  float c[4], d[4];
  sm121::load_c32(sm121::mma_shape::m16n8k32_b8, C, lane, c);
#if defined(SM121_DEQUANT) && SM121_DEQUANT
  const auto one = [](int, int) { return 1.0f; };
  for (int i = 0; i < 4; ++i) d[i] = c[i];
  for (int k0 = 0; k0 < 32; k0 += 16) {
    unsigned a[4], b[2];
    for (int r = 0; r < 4; ++r) a[r] = sm121::dequant_a_f16(fmt, A, 32, k0, lane, r, one);
    for (int r = 0; r < 2; ++r) b[r] = sm121::dequant_b_f16(fmt, B, k0, lane, r, one);
    SM121_ASM_MMA_F32(SM121_PTX_MMA_F16_F32, d, a, b, d);
  }
#else
  unsigned a[4], b[2];
  for (int r = 0; r < 4; ++r) a[r] = sm121::pack_a_f8f6f4(fmt, A, lane, r);
  for (int r = 0; r < 2; ++r) b[r] = sm121::pack_b_f8f6f4(fmt, B, lane, r);
#if SM121_KIND_F8F6F4
  SM121_ASM_MMA_F32(SM121_PTX_MMA_F8F6F4(SM121_PTX_TYPE, SM121_PTX_TYPE), d, a, b, c);
#else
  SM121_ASM_MMA_F32(SM121_PTX_MMA_FP8(SM121_PTX_TYPE), d, a, b, c);
#endif
#endif
  sm121::store_d32(sm121::mma_shape::m16n8k32_b8, D, lane, d);
}
