// `sm121-probe bench`: tensor-core throughput of one operand format on one path
// (docs/bench.md). Every warp of the grid loads the same A, B (and scale-factor)
// tile into fragment registers once, then runs `iterations` loop iterations of
// SM121_BENCH_UNROLL independent warp MMAs each (one accumulator set per MMA,
// so the MMAs of an iteration do not wait on each other), and finally stores
// C + the sum of its accumulators to its own 16x8 tile of D. The store is what
// keeps the compiler from deleting the work; the host checks every warp's tile
// against C + UNROLL * iterations * (A x B) computed on the CPU, so a path that
// computes something else cannot look fast.
//
//   SM121_BENCH_KIND (the operand format):
//     0 f16 m16n8k16 -> f32        1 bf16 m16n8k16 -> f32    2 tf32 m16n8k8 -> f32
//     3 s8 m16n8k32 -> s32         4 e4m3 m16n8k32 (sm_89)   5 e5m2 m16n8k32 (sm_89)
//     6 e3m2 kind::f8f6f4 k32      7 e2m3 kind::f8f6f4 k32   8 e2m1 kind::f8f6f4 k32
//     9 mxf8f6f4 e4m3 k32 1X ue8m0 10 mxf4 e2m1 k64 2X ue8m0 11 mxf4nvf4 e2m1 k64 4X ue4m3
//   SM121_BENCH_DEQUANT=1 (kinds 4..11): the fallback a library without the
//     narrow-format instruction takes: codes (and scales) are decoded to f16
//     before the loop and each logical MMA is K/16 m16n8k16 f16 MMAs (HMMA).
//     The decode is outside the timed loop, so the figure is the best case of
//     that fallback (docs/bench.md).
//   SM121_BENCH_UNROLL: MMAs per loop iteration (the SASS check compiles two
//     values and counts the tensor instructions, docs/bench.md).
//
// Memory: A MxK and B KxN row-major, one element (or code) per container
// (16-bit for f16/bf16, 32-bit for tf32, one byte otherwise); SFA 16xV and
// SFB Vx8 one scale code per byte (block-scaled kinds); C 16x8; D one 16x8
// tile per warp of the grid.
#include "mma_layout.cuh"
#include "mma_narrow_layout.cuh"
#include "narrow_ptx.cuh"

#ifndef SM121_BENCH_KIND
#error "compile with -DSM121_BENCH_KIND=<0..11>"
#endif
#ifndef SM121_BENCH_UNROLL
#define SM121_BENCH_UNROLL 8
#endif
#ifndef SM121_BENCH_DEQUANT
#define SM121_BENCH_DEQUANT 0
#endif

#if SM121_BENCH_KIND == 3
typedef int acc_t;
#else
typedef float acc_t;
#endif

// K of the logical MMA and, for the narrow kinds, the formats and scales.
#if SM121_BENCH_KIND == 2
#define SM121_K 8
#elif SM121_BENCH_KIND <= 1
#define SM121_K 16
#elif SM121_BENCH_KIND <= 9
#define SM121_K 32
#else
#define SM121_K 64
#endif

#if SM121_BENCH_KIND == 4 || SM121_BENCH_KIND == 9
#define SM121_FMT sm121::narrow_format::e4m3
#elif SM121_BENCH_KIND == 5
#define SM121_FMT sm121::narrow_format::e5m2
#elif SM121_BENCH_KIND == 6
#define SM121_FMT sm121::narrow_format::e3m2
#elif SM121_BENCH_KIND == 7
#define SM121_FMT sm121::narrow_format::e2m3
#else
#define SM121_FMT sm121::narrow_format::e2m1
#endif

#if SM121_BENCH_KIND == 9
#define SM121_VEC 1
#define SM121_SF_FMT sm121::narrow_format::ue8m0
#elif SM121_BENCH_KIND == 10
#define SM121_VEC 2
#define SM121_SF_FMT sm121::narrow_format::ue8m0
#elif SM121_BENCH_KIND == 11
#define SM121_VEC 4
#define SM121_SF_FMT sm121::narrow_format::ue4m3
#else
#define SM121_VEC 0
#endif

#if SM121_BENCH_KIND >= 4 && SM121_BENCH_DEQUANT
#define SM121_CHUNKS (SM121_K / 16)
#endif

extern "C" __global__ void bench_kernel(const void* A, const void* B, const unsigned char* SFA,
                                        const unsigned char* SFB, const acc_t* C, acc_t* D, int iterations,
                                        unsigned filler) {
  const int lane = threadIdx.x & 31;
  const unsigned warp = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  (void)SFA;
  (void)SFB;
  (void)filler;

  // --- operands, once ---------------------------------------------------------
#if SM121_BENCH_KIND <= 3
#if SM121_BENCH_KIND == 2
  const sm121::mma_shape s = sm121::mma_shape::m16n8k8_tf32;
#elif SM121_BENCH_KIND == 3
  const sm121::mma_shape s = sm121::mma_shape::m16n8k32_b8;
#else
  const sm121::mma_shape s = sm121::mma_shape::m16n8k16_b16;
#endif
  unsigned a[4], b[2];
  for (int r = 0; r < 4; ++r) a[r] = sm121::pack_a(s, A, lane, r);
  for (int r = 0; r < 2; ++r) b[r] = sm121::pack_b(s, B, lane, r);
#elif SM121_BENCH_DEQUANT
  const unsigned char* a8 = static_cast<const unsigned char*>(A);
  const unsigned char* b8 = static_cast<const unsigned char*>(B);
#if SM121_VEC
  const auto sa = [SFA](int row, int k) {
    return sm121::to_float(SM121_SF_FMT, SFA[row * SM121_VEC + k / (SM121_K / SM121_VEC)]);
  };
  const auto sb = [SFB](int k, int col) {
    return sm121::to_float(SM121_SF_FMT, SFB[(k / (SM121_K / SM121_VEC)) * 8 + col]);
  };
#else
  const auto sa = [](int, int) { return 1.0f; };
  const auto sb = [](int, int) { return 1.0f; };
#endif
  unsigned a[SM121_CHUNKS][4], b[SM121_CHUNKS][2];
  for (int ch = 0; ch < SM121_CHUNKS; ++ch) {
    for (int r = 0; r < 4; ++r) a[ch][r] = sm121::dequant_a_f16(SM121_FMT, a8, SM121_K, 16 * ch, lane, r, sa);
    for (int r = 0; r < 2; ++r) b[ch][r] = sm121::dequant_b_f16(SM121_FMT, b8, 16 * ch, lane, r, sb);
  }
#else
  const unsigned char* a8 = static_cast<const unsigned char*>(A);
  const unsigned char* b8 = static_cast<const unsigned char*>(B);
  unsigned a[4], b[2];
#if SM121_BENCH_KIND >= 10
  for (int r = 0; r < 4; ++r) a[r] = sm121::pack_a_k64(a8, lane, r);
  for (int r = 0; r < 2; ++r) b[r] = sm121::pack_b_k64(b8, lane, r);
#else
  for (int r = 0; r < 4; ++r) a[r] = sm121::pack_a_f8f6f4(SM121_FMT, a8, lane, r);
  for (int r = 0; r < 2; ++r) b[r] = sm121::pack_b_f8f6f4(SM121_FMT, b8, lane, r);
#endif
#if SM121_BENCH_KIND == 9
  const unsigned sfa = sm121::scale_a_reg(SFA, 1, lane, SM121_MXF8F6F4_SEL_A_BYTE, SM121_MXF8F6F4_SEL_A_THREAD, filler);
  const unsigned sfb = sm121::scale_b_reg(SFB, 1, lane, SM121_MXF8F6F4_SEL_B_BYTE, SM121_MXF8F6F4_SEL_B_THREAD, filler);
#elif SM121_BENCH_KIND == 10
  const unsigned sfa = sm121::scale_a_reg(SFA, 2, lane, SM121_MXF4_SEL_A_BYTE, SM121_MXF4_SEL_A_THREAD, filler);
  const unsigned sfb = sm121::scale_b_reg(SFB, 2, lane, SM121_MXF4_SEL_B_BYTE, SM121_MXF4_SEL_B_THREAD, filler);
#elif SM121_BENCH_KIND == 11
  const unsigned sfa = sm121::scale_a_reg(SFA, 4, lane, SM121_NVF4_SEL_A_BYTE, SM121_NVF4_SEL_A_THREAD, filler);
  const unsigned sfb = sm121::scale_b_reg(SFB, 4, lane, SM121_NVF4_SEL_B_BYTE, SM121_NVF4_SEL_B_THREAD, filler);
#endif
#endif

  // --- the timed loop ----------------------------------------------------------
  acc_t acc[SM121_BENCH_UNROLL][4];
  for (int u = 0; u < SM121_BENCH_UNROLL; ++u)
    for (int i = 0; i < 4; ++i) acc[u][i] = 0;
#pragma unroll 1
  for (int it = 0; it < iterations; ++it) {
#pragma unroll
    for (int u = 0; u < SM121_BENCH_UNROLL; ++u) {
#if SM121_BENCH_KIND == 0
      SM121_ASM_MMA_F32(SM121_PTX_MMA_F16_F32, acc[u], a, b, acc[u]);
#elif SM121_BENCH_KIND == 1
      SM121_ASM_MMA_F32(SM121_PTX_MMA_BF16_F32, acc[u], a, b, acc[u]);
#elif SM121_BENCH_KIND == 2
      SM121_ASM_MMA_F32(SM121_PTX_MMA_TF32_F32, acc[u], a, b, acc[u]);
#elif SM121_BENCH_KIND == 3
      SM121_ASM_MMA_S32(SM121_PTX_MMA_S8_S32, acc[u], a, b, acc[u]);
#elif SM121_BENCH_DEQUANT
#pragma unroll
      for (int ch = 0; ch < SM121_CHUNKS; ++ch) SM121_ASM_MMA_F32(SM121_PTX_MMA_F16_F32, acc[u], a[ch], b[ch], acc[u]);
#elif SM121_BENCH_KIND == 4
      SM121_ASM_MMA_F32(SM121_PTX_MMA_FP8("e4m3"), acc[u], a, b, acc[u]);
#elif SM121_BENCH_KIND == 5
      SM121_ASM_MMA_F32(SM121_PTX_MMA_FP8("e5m2"), acc[u], a, b, acc[u]);
#elif SM121_BENCH_KIND == 6
      SM121_ASM_MMA_F32(SM121_PTX_MMA_F8F6F4("e3m2", "e3m2"), acc[u], a, b, acc[u]);
#elif SM121_BENCH_KIND == 7
      SM121_ASM_MMA_F32(SM121_PTX_MMA_F8F6F4("e2m3", "e2m3"), acc[u], a, b, acc[u]);
#elif SM121_BENCH_KIND == 8
      SM121_ASM_MMA_F32(SM121_PTX_MMA_F8F6F4("e2m1", "e2m1"), acc[u], a, b, acc[u]);
#elif SM121_BENCH_KIND == 9
      SM121_ASM_MMA_F32_SCALED(SM121_PTX_MMA_MXF8F6F4("e4m3", "e4m3"), acc[u], a, b, acc[u], sfa, sfb);
#elif SM121_BENCH_KIND == 10
      SM121_ASM_MMA_F32_SCALED(SM121_PTX_MMA_MXF4, acc[u], a, b, acc[u], sfa, sfb);
#else
      SM121_ASM_MMA_F32_SCALED(SM121_PTX_MMA_NVF4, acc[u], a, b, acc[u], sfa, sfb);
#endif
    }
  }

  // --- the result: C + sum of the accumulators, one tile per warp ---------------
  acc_t c[4], d[4];
  sm121::load_c32(sm121::mma_shape::m16n8k16_b16, C, lane, c);
  for (int i = 0; i < 4; ++i) {
    d[i] = c[i];
    for (int u = 0; u < SM121_BENCH_UNROLL; ++u) d[i] += acc[u][i];
  }
  sm121::store_d32(sm121::mma_shape::m16n8k16_b16, D + 128 * warp, lane, d);
}
