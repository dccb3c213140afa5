// Probe tcgen05.ld: a register <-> Tensor Memory round trip. Warp 0 allocates
// 32 TMEM columns; each of the four warps stores eight 32-bit values per thread
// into its own 32 lanes (a warp may only touch lanes 32*(warp%4) ..
// +31) with tcgen05.st.32x32b.x8, waits for the stores (tcgen05.wait::st), then
// reads columns 4-7 and 0-3 back with two tcgen05.ld.32x32b.x4 and
// tcgen05.wait::ld. Each thread writes what it read: the second half of its
// values first, proving that column addressing works.
//
// Expected on sm_121: failing. Tensor Memory exists on sm_100a/f, sm_103a/f
// and sm_110a/f only: ptxas rejects the kernel for every sm_12x target and the
// sm_100a image does not load on a 12.x device. No fallback variant.
// This kernel was compiled for sm_100a but never run here.
#include "feature_async.cuh"

extern "C" __global__ void probe_kernel(const unsigned* in, unsigned* out) {
  __shared__ unsigned tmem_slot;
  const unsigned tid = threadIdx.x, warp = tid / 32;
  if (warp == 0) {
    asm volatile("tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%0], 32;" ::"r"(
                     sm121feat::smem_addr(&tmem_slot))
                 : "memory");
    asm volatile("tcgen05.relinquish_alloc_permit.cta_group::1.sync.aligned;" ::: "memory");
  }
  asm volatile("tcgen05.fence::before_thread_sync;" ::: "memory");
  __syncthreads();
  asm volatile("tcgen05.fence::after_thread_sync;" ::: "memory");
  const unsigned tmem = tmem_slot;
  const unsigned base = tmem + (((warp % 4) * 32) << 16);  // lane field in bits 31-16, column in 15-0

  unsigned v[8];
  for (unsigned j = 0; j < 8; ++j) v[j] = in[tid * 8 + j];
  asm volatile("tcgen05.st.sync.aligned.32x32b.x8.b32 [%0], {%1, %2, %3, %4, %5, %6, %7, %8};" ::"r"(base),
               "r"(v[0]), "r"(v[1]), "r"(v[2]), "r"(v[3]), "r"(v[4]), "r"(v[5]), "r"(v[6]), "r"(v[7])
               : "memory");
  asm volatile("tcgen05.wait::st.sync.aligned;" ::: "memory");
  unsigned hi[4], lo[4];
  asm volatile("tcgen05.ld.sync.aligned.32x32b.x4.b32 {%0, %1, %2, %3}, [%4];"
               : "=r"(hi[0]), "=r"(hi[1]), "=r"(hi[2]), "=r"(hi[3])
               : "r"(base + 4)
               : "memory");
  asm volatile("tcgen05.ld.sync.aligned.32x32b.x4.b32 {%0, %1, %2, %3}, [%4];"
               : "=r"(lo[0]), "=r"(lo[1]), "=r"(lo[2]), "=r"(lo[3])
               : "r"(base)
               : "memory");
  asm volatile("tcgen05.wait::ld.sync.aligned;" ::: "memory");
  for (unsigned j = 0; j < 4; ++j) {
    out[tid * 8 + j] = hi[j];
    out[tid * 8 + 4 + j] = lo[j];
  }

  asm volatile("tcgen05.fence::before_thread_sync;" ::: "memory");
  __syncthreads();
  asm volatile("tcgen05.fence::after_thread_sync;" ::: "memory");
  if (warp == 0) asm volatile("tcgen05.dealloc.cta_group::1.sync.aligned.b32 %0, 32;" ::"r"(tmem) : "memory");
}
