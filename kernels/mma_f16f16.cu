// Probe mma.f16f16: m16n8k16 with f16 inputs and f16 accumulators
// (mma.sync...f16.f16.f16.f16), the half-precision-accumulate HMMA form.
// Expected on sm_121: native.
#include "mma_layout.cuh"
#include "mma_sm80_ptx.cuh"

extern "C" __global__ void probe_kernel(const unsigned short* A, const unsigned short* B, const unsigned short* C,
                                        unsigned short* D) {
  const int lane = threadIdx.x & 31;
  const sm121::mma_shape s = sm121::mma_shape::m16n8k16_b16;
  unsigned a[4], b[2], c[2], d[2];
  for (int r = 0; r < 4; ++r) a[r] = sm121::pack_a(s, A, lane, r);
  for (int r = 0; r < 2; ++r) b[r] = sm121::pack_b(s, B, lane, r);
  sm121::load_c16(s, C, lane, c);
  asm volatile(
      SM121_PTX_MMA_F16_F16
      : "=r"(d[0]), "=r"(d[1])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "r"(c[0]), "r"(c[1]));
  sm121::store_d16(s, D, lane, d);
}
