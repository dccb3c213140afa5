// Probes mma.f16, mma.f16f16, mma.bf16, mma.tf32 and mma.s8: one warp computes
// D = A*B + C with one mma.sync of the Ampere (sm_80) tensor-core path, the
// form chosen by -DSM121_MMA=<n> (src/probes/mma_sm80.cpp passes it):
//   0 mma.f16     m16n8k16 f16 x f16 -> f32 (HMMA)
//   1 mma.f16f16  m16n8k16 f16 x f16 -> f16, packed f16x2 accumulators (HMMA)
//   2 mma.bf16    m16n8k16 bf16 x bf16 -> f32 (HMMA; sm_80+, ptxas rejects it on sm_75)
//   3 mma.tf32    m16n8k8 tf32 x tf32 -> f32 (HMMA; inputs exactly representable in tf32)
//   4 mma.s8      m16n8k32 s8 x s8 -> s32 (IMMA; full-range signed inputs, exact result)
// Expected on sm_121: native, every form. The sm80-ptx variant is the path of
// libraries that ship only compute_80 PTX (the driver JIT-compiles it at load).
#include "mma_layout.cuh"
#include "mma_sm80_ptx.cuh"

#ifndef SM121_MMA
#error "compile with -DSM121_MMA=<form> (0 f16, 1 f16f16, 2 bf16, 3 tf32, 4 s8)"
#endif

#if SM121_MMA == 0
typedef unsigned short in_t;
typedef float acc_t;
#define SM121_SHAPE m16n8k16_b16
#define SM121_MMA_ISSUE(d, a, b, c) SM121_ASM_MMA_F32(SM121_PTX_MMA_F16_F32, d, a, b, c)
#elif SM121_MMA == 1
typedef unsigned short in_t;
typedef unsigned short acc_t;
#define SM121_SHAPE m16n8k16_b16
#define SM121_MMA_ISSUE(d, a, b, c) SM121_ASM_MMA_F16X2(SM121_PTX_MMA_F16_F16, d, a, b, c)
#elif SM121_MMA == 2
typedef unsigned short in_t;
typedef float acc_t;
#define SM121_SHAPE m16n8k16_b16
#define SM121_MMA_ISSUE(d, a, b, c) SM121_ASM_MMA_F32(SM121_PTX_MMA_BF16_F32, d, a, b, c)
#elif SM121_MMA == 3
typedef unsigned in_t;
typedef float acc_t;
#define SM121_SHAPE m16n8k8_tf32
#define SM121_MMA_ISSUE(d, a, b, c) SM121_ASM_MMA_F32(SM121_PTX_MMA_TF32_F32, d, a, b, c)
#elif SM121_MMA == 4
typedef unsigned char in_t;
typedef int acc_t;
#define SM121_SHAPE m16n8k32_b8
#define SM121_MMA_ISSUE(d, a, b, c) SM121_ASM_MMA_S32(SM121_PTX_MMA_S8_S32, d, a, b, c)
#else
#error "SM121_MMA must be 0..4"
#endif

extern "C" __global__ void probe_kernel(const in_t* A, const in_t* B, const acc_t* C, acc_t* D) {
  const int lane = threadIdx.x & 31;
  const sm121::mma_shape s = sm121::mma_shape::SM121_SHAPE;
  unsigned a[4], b[2];
  for (int r = 0; r < 4; ++r) a[r] = sm121::pack_a(s, A, lane, r);
  for (int r = 0; r < 2; ++r) b[r] = sm121::pack_b(s, B, lane, r);
#if SM121_MMA == 1
  unsigned c[2], d[2];  // f16x2 pairs
  sm121::load_c16(s, C, lane, c);
  SM121_MMA_ISSUE(d, a, b, c);
  sm121::store_d16(s, D, lane, d);
#else
  acc_t c[4], d[4];
  sm121::load_c32(s, C, lane, c);
  SM121_MMA_ISSUE(d, a, b, c);
  sm121::store_d32(s, D, lane, d);
#endif
}
