// Probe mma.tf32: m16n8k8 tf32 x tf32 -> f32 (mma.sync...f32.tf32.tf32.f32).
// Inputs are f32 values exactly representable in tf32. Expected on sm_121: native.
#include "mma_layout.cuh"
#include "mma_sm80_ptx.cuh"

extern "C" __global__ void probe_kernel(const unsigned* A, const unsigned* B, const float* C, float* D) {
  const int lane = threadIdx.x & 31;
  const sm121::mma_shape s = sm121::mma_shape::m16n8k8_tf32;
  unsigned a[4], b[2];
  float c[4], d[4];
  for (int r = 0; r < 4; ++r) a[r] = sm121::pack_a(s, A, lane, r);
  for (int r = 0; r < 2; ++r) b[r] = sm121::pack_b(s, B, lane, r);
  sm121::load_c32(s, C, lane, c);
  asm volatile(
      SM121_PTX_MMA_TF32_F32
      : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]), "f"(c[2]),
        "f"(c[3]));
  sm121::store_d32(s, D, lane, d);
}
