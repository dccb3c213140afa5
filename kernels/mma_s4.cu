// Probe mma.s4: one warp computes D = A*B + C with
// mma.sync.aligned.m8n8k32.row.col.s32.s4.s4.s32 (int4 x int4 -> int32).
// Expected on sm_121: compiles, but ptxas emulates it (two s8 IMMA plus dozens
// of integer instructions, the same on sm_90 and later), so the verdict is
// fallback/emulated; native IMMA.S4 on sm_80/sm_86/sm_89. The sm80-ptx variant
// is compute_80 PTX JIT-compiled by the driver (also emulated on sm_90+).
// Memory: A 8x32 and B 32x8 row-major, one two's-complement nibble per byte
// (low four bits); C, D s32 8x8.
#include "mma_layout.cuh"
#include "narrow_ptx.cuh"

extern "C" __global__ void probe_kernel(const unsigned char* A, const unsigned char* B, const int* C, int* D) {
  const int lane = threadIdx.x & 31;
  const sm121::mma_shape s = sm121::mma_shape::m8n8k32_b4;
  const unsigned a = sm121::pack_a(s, A, lane, 0);
  const unsigned b = sm121::pack_b(s, B, lane, 0);
  int c[2], d[2];
  sm121::load_c32(s, C, lane, c);
  SM121_ASM_MMA_S4(SM121_PTX_MMA_S4, d, a, b, c);
  sm121::store_d32(s, D, lane, d);
}
