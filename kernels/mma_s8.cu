// Probe mma.s8: m16n8k32 s8 x s8 -> s32 (mma.sync...s32.s8.s8.s32, IMMA).
// Full-range signed inputs, exact integer result. Expected on sm_121: native.
#include "mma_layout.cuh"
#include "mma_sm80_ptx.cuh"

extern "C" __global__ void probe_kernel(const unsigned char* A, const unsigned char* B, const int* C, int* D) {
  const int lane = threadIdx.x & 31;
  const sm121::mma_shape s = sm121::mma_shape::m16n8k32_b8;
  unsigned a[4], b[2];
  int c[4], d[4];
  for (int r = 0; r < 4; ++r) a[r] = sm121::pack_a(s, A, lane, r);
  for (int r = 0; r < 2; ++r) b[r] = sm121::pack_b(s, B, lane, r);
  sm121::load_c32(s, C, lane, c);
  asm volatile(
      SM121_PTX_MMA_S8_S32
      : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "r"(c[0]), "r"(c[1]), "r"(c[2]),
        "r"(c[3]));
  sm121::store_d32(s, D, lane, d);
}
