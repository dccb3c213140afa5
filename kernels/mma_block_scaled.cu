// Probes mma.mxf8f6f4, mma.mxf4 and mma.nvf4: block-scaled warp MMA,
// D = (A * scale_A) * (B * scale_B) + C with f32 accumulate.
//   SM121_BS_KIND=0: kind::mxf8f6f4, m16n8k32, scale_vec::1X, ue8m0 scales;
//                    A e4m3 (MXFP8), B e2m1 (MXFP4) in byte containers;
//   SM121_BS_KIND=1: kind::mxf4, m16n8k64, scale_vec::2X, ue8m0 (MXFP4);
//   SM121_BS_KIND=2: kind::mxf4nvf4, m16n8k64, scale_vec::4X, ue4m3 (NVFP4).
// SM121_BS_SEL=0 (the verdict-bearing probes): selectors {0, 0} for A and B,
// the layout CUTLASS's SM120 atoms use; SM121_BS_SEL=1 (the .sel probes): the
// non-zero byte-id / thread-id selectors of narrow_ptx.cuh. Every scale byte
// the hardware must not read holds `filler` (a valid but different scale), so
// a wrong lane or byte selection shows in the result.
// Expected on sm_121: native (QMMA.SF for mxf8f6f4, OMMA.SF for the FP4 kinds);
// needs sm_121f or sm_121a.
// Fallback (SM121_DEQUANT=1, "sm80-dequant"): decode, multiply by the scale
// factors, round to f16 (exact for these inputs) and run m16n8k16 f16 MMAs.
// Memory: A MxK, B KxN row-major, one code per byte; scale_A 16xV and
// scale_B Vx8 row-major, one code per byte; C, D f32 16x8.
#include "mma_narrow_layout.cuh"
#include "narrow_ptx.cuh"

#ifndef SM121_BS_KIND
#error "compile with -DSM121_BS_KIND=<0|1|2>"
#endif
#ifndef SM121_BS_SEL
#define SM121_BS_SEL 0
#endif

#if SM121_BS_KIND == 0
#define SM121_K 32
#define SM121_VEC 1
#define SM121_A_FMT sm121::narrow_format::e4m3
#define SM121_B_FMT sm121::narrow_format::e2m1
#define SM121_SF_FMT sm121::narrow_format::ue8m0
#define SM121_SEL_A_BYTE (SM121_BS_SEL ? SM121_MXF8F6F4_SEL_A_BYTE : 0)
#define SM121_SEL_A_THREAD (SM121_BS_SEL ? SM121_MXF8F6F4_SEL_A_THREAD : 0)
#define SM121_SEL_B_BYTE (SM121_BS_SEL ? SM121_MXF8F6F4_SEL_B_BYTE : 0)
#define SM121_SEL_B_THREAD (SM121_BS_SEL ? SM121_MXF8F6F4_SEL_B_THREAD : 0)
#elif SM121_BS_KIND == 1
#define SM121_K 64
#define SM121_VEC 2
#define SM121_A_FMT sm121::narrow_format::e2m1
#define SM121_B_FMT sm121::narrow_format::e2m1
#define SM121_SF_FMT sm121::narrow_format::ue8m0
#define SM121_SEL_A_BYTE (SM121_BS_SEL ? SM121_MXF4_SEL_A_BYTE : 0)
#define SM121_SEL_A_THREAD (SM121_BS_SEL ? SM121_MXF4_SEL_A_THREAD : 0)
#define SM121_SEL_B_BYTE (SM121_BS_SEL ? SM121_MXF4_SEL_B_BYTE : 0)
#define SM121_SEL_B_THREAD (SM121_BS_SEL ? SM121_MXF4_SEL_B_THREAD : 0)
#elif SM121_BS_KIND == 2
#define SM121_K 64
#define SM121_VEC 4
#define SM121_A_FMT sm121::narrow_format::e2m1
#define SM121_B_FMT sm121::narrow_format::e2m1
#define SM121_SF_FMT sm121::narrow_format::ue4m3
#define SM121_SEL_A_BYTE (SM121_BS_SEL ? SM121_NVF4_SEL_A_BYTE : 0)
#define SM121_SEL_A_THREAD (SM121_BS_SEL ? SM121_NVF4_SEL_A_THREAD : 0)
#define SM121_SEL_B_BYTE (SM121_BS_SEL ? SM121_NVF4_SEL_B_BYTE : 0)
#define SM121_SEL_B_THREAD (SM121_BS_SEL ? SM121_NVF4_SEL_B_THREAD : 0)
#else
#error "SM121_BS_KIND out of range"
#endif

extern "C" __global__ void probe_kernel(const unsigned char* A, const unsigned char* B, const unsigned char* SFA,
                                        const unsigned char* SFB, const float* C, float* D, unsigned filler) {
  const int lane = threadIdx.x & 31;
  float c[4], d[4];
  sm121::load_c32(sm121::mma_shape::m16n8k32_b8, C, lane, c);
#if defined(SM121_DEQUANT) && SM121_DEQUANT
  // Chunk j of a row (column) of K covers K / VEC consecutive k.
  const auto sa = [SFA](int row, int k) {
    return sm121::to_float(SM121_SF_FMT, SFA[row * SM121_VEC + k / (SM121_K / SM121_VEC)]);
  };
  const auto sb = [SFB](int k, int col) {
    return sm121::to_float(SM121_SF_FMT, SFB[(k / (SM121_K / SM121_VEC)) * 8 + col]);
  };
  for (int i = 0; i < 4; ++i) d[i] = c[i];
  for (int k0 = 0; k0 < SM121_K; k0 += 16) {
    unsigned a[4], b[2];
    for (int r = 0; r < 4; ++r) a[r] = sm121::dequant_a_f16(SM121_A_FMT, A, SM121_K, k0, lane, r, sa);
    for (int r = 0; r < 2; ++r) b[r] = sm121::dequant_b_f16(SM121_B_FMT, B, k0, lane, r, sb);
    SM121_ASM_MMA_F32(SM121_PTX_MMA_F16_F32, d, a, b, d);
  }
  (void)filler;
#else
  unsigned a[4], b[2];
#if SM121_BS_KIND == 0
  for (int r = 0; r < 4; ++r) a[r] = sm121::pack_a_f8f6f4(SM121_A_FMT, A, lane, r);
  for (int r = 0; r < 2; ++r) b[r] = sm121::pack_b_f8f6f4(SM121_B_FMT, B, lane, r);
#else
  for (int r = 0; r < 4; ++r) a[r] = sm121::pack_a_k64(A, lane, r);
  for (int r = 0; r < 2; ++r) b[r] = sm121::pack_b_k64(B, lane, r);
#endif
  const unsigned sfa = sm121::scale_a_reg(SFA, SM121_VEC, lane, SM121_SEL_A_BYTE, SM121_SEL_A_THREAD, filler);
  const unsigned sfb = sm121::scale_b_reg(SFB, SM121_VEC, lane, SM121_SEL_B_BYTE, SM121_SEL_B_THREAD, filler);
#if SM121_BS_KIND == 0 && SM121_BS_SEL
  SM121_ASM_MMA_F32_SCALED(SM121_PTX_MMA_MXF8F6F4("e4m3", "e2m1"), d, a, b, c, sfa, sfb);
#elif SM121_BS_KIND == 0
  SM121_ASM_MMA_F32_SCALED(SM121_PTX_MMA_MXF8F6F4_SEL0("e4m3", "e2m1"), d, a, b, c, sfa, sfb);
#elif SM121_BS_KIND == 1 && SM121_BS_SEL
  SM121_ASM_MMA_F32_SCALED(SM121_PTX_MMA_MXF4, d, a, b, c, sfa, sfb);
#elif SM121_BS_KIND == 1
  SM121_ASM_MMA_F32_SCALED(SM121_PTX_MMA_MXF4_SEL0, d, a, b, c, sfa, sfb);
#elif SM121_BS_SEL
  SM121_ASM_MMA_F32_SCALED(SM121_PTX_MMA_NVF4, d, a, b, c, sfa, sfb);
#else
  SM121_ASM_MMA_F32_SCALED(SM121_PTX_MMA_NVF4_SEL0, d, a, b, c, sfa, sfb);
#endif
#endif
  sm121::store_d32(sm121::mma_shape::m16n8k32_b8, D, lane, d);
}
