// Probe wgmma.mma_async: one warpgroup (128 threads) computes D = A*B + C with
// wgmma.mma_async.sync.aligned.m64n8k16.f32.f16.f16, both operands read from
// shared memory through matrix descriptors (K-major, no swizzle; layout in
// feature_tc_layout.cuh). A is 64x16 and B 16x8 (row-major in global memory),
// C and D are 64x8 f32; C enters through the accumulator registers (scale-d = 1).
//
// Expected on sm_121: failing. wgmma is a Hopper (sm_90a) instruction set:
// ptxas rejects it for every sm_12x target, and the sm_90a image does not load
// on a 12.x device. There is no fallback variant: software on sm_12x takes the
// warp-level mma.sync path instead (the mma.* probes).
// This kernel was compiled for sm_90a but never run here (no Hopper GPU was
// available); it follows the PTX ISA descriptor and fragment rules.
#include "feature_async.cuh"
#include "feature_tc_layout.cuh"

extern "C" __global__ void probe_kernel(const unsigned short* A, const unsigned short* B, const float* C, float* D) {
  __shared__ __align__(128) unsigned short sa[64 * 16];
  __shared__ __align__(128) unsigned short sb[8 * 16];
  const unsigned tid = threadIdx.x;
  for (unsigned e = tid; e < 64 * 16; e += 128) sa[sm121feat::kmajor_offset(e / 16, e % 16)] = A[e];
  // B is K x N in memory; K-major means each column n of B is stored like a row.
  for (unsigned e = tid; e < 16 * 8; e += 128) sb[sm121feat::kmajor_offset(e % 8, e / 8)] = B[e];
  sm121feat::fence_proxy_async_smem();
  __syncthreads();

  const unsigned long long da = sm121feat::wgmma_desc(sm121feat::smem_addr(sa), sm121feat::kLbo, sm121feat::kSbo);
  const unsigned long long db = sm121feat::wgmma_desc(sm121feat::smem_addr(sb), sm121feat::kLbo, sm121feat::kSbo);
  float d[4];
  for (unsigned i = 0; i < 4; ++i) d[i] = C[sm121feat::wgmma_acc_row(tid, i) * 8 + sm121feat::wgmma_acc_col(tid, i)];
  // Pin the accumulators so no access to them moves across the asynchronous MMA.
  asm volatile("" : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])::"memory");
  asm volatile("wgmma.fence.sync.aligned;" ::: "memory");
  asm volatile(
      "{\n .reg .pred p;\n setp.ne.b32 p, %6, 0;\n"
      " wgmma.mma_async.sync.aligned.m64n8k16.f32.f16.f16 {%0, %1, %2, %3}, %4, %5, p, 1, 1, 0, 0;\n}"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "l"(da), "l"(db), "r"(1)
      : "memory");
  asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory");
  asm volatile("wgmma.wait_group.sync.aligned 0;" ::: "memory");
  asm volatile("" : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])::"memory");
  for (unsigned i = 0; i < 4; ++i) D[sm121feat::wgmma_acc_row(tid, i) * 8 + sm121feat::wgmma_acc_col(tid, i)] = d[i];
}
