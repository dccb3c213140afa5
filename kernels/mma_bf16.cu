// Probe mma.bf16: m16n8k16 bf16 x bf16 -> f32 (mma.sync...f32.bf16.bf16.f32).
// Expected on sm_121: native. Needs sm_80 or newer: on sm_75 ptxas rejects it.
#include "mma_layout.cuh"
#include "mma_sm80_ptx.cuh"

extern "C" __global__ void probe_kernel(const unsigned short* A, const unsigned short* B, const float* C, float* D) {
  const int lane = threadIdx.x & 31;
  const sm121::mma_shape s = sm121::mma_shape::m16n8k16_b16;
  unsigned a[4], b[2];
  float c[4], d[4];
  for (int r = 0; r < 4; ++r) a[r] = sm121::pack_a(s, A, lane, r);
  for (int r = 0; r < 2; ++r) b[r] = sm121::pack_b(s, B, lane, r);
  sm121::load_c32(s, C, lane, c);
  asm volatile(
      SM121_PTX_MMA_BF16_F32
      : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]), "f"(c[2]),
        "f"(c[3]));
  sm121::store_d32(s, D, lane, d);
}
