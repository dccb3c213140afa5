// Probe tcgen05.alloc: Tensor Memory allocation on its own. Warp 0 allocates
// two TMEM ranges (32 and 64 columns; allocations are powers of two of at least
// 32 columns), gives up the right to allocate more (relinquish_alloc_permit),
// publishes both addresses through shared memory (bracketed by
// tcgen05.fence::before/after_thread_sync), and every thread checks them:
// lane field (bits 31-16) 0, each range inside the 512 columns of an SM,
// ranges disjoint. Warp 0 then frees both ranges (tcgen05.dealloc), which a
// kernel must do before it exits. Thread 0 writes the three checks (1 = holds).
//
// Expected on sm_121: failing. Tensor Memory exists on sm_100a/f, sm_103a/f
// and sm_110a/f only: ptxas rejects tcgen05.alloc for every sm_12x target and
// the sm_100a image does not load on a 12.x device. No fallback variant.
// This kernel was compiled for sm_100a but never run here.
#include "feature_async.cuh"

extern "C" __global__ void probe_kernel(unsigned* out) {
  __shared__ unsigned slots[2];
  const unsigned warp = threadIdx.x / 32;
  if (warp == 0) {
    asm volatile("tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%0], 32;" ::"r"(
                     sm121feat::smem_addr(&slots[0]))
                 : "memory");
    asm volatile("tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%0], 64;" ::"r"(
                     sm121feat::smem_addr(&slots[1]))
                 : "memory");
    asm volatile("tcgen05.relinquish_alloc_permit.cta_group::1.sync.aligned;" ::: "memory");
  }
  asm volatile("tcgen05.fence::before_thread_sync;" ::: "memory");
  __syncthreads();
  asm volatile("tcgen05.fence::after_thread_sync;" ::: "memory");
  const unsigned a = slots[0], b = slots[1];
  const unsigned ca = a & 0xffffu, cb = b & 0xffffu;
  const int lanes_ok = (a >> 16) == 0 && (b >> 16) == 0;
  const int in_range = ca + 32 <= 512 && cb + 64 <= 512;
  const int disjoint = ca + 32 <= cb || cb + 64 <= ca;
  // Every thread must see the same addresses.
  const int agreed = __syncthreads_and(lanes_ok && in_range && disjoint);
  if (threadIdx.x == 0) {
    out[0] = lanes_ok;
    out[1] = in_range;
    out[2] = disjoint;
    out[3] = agreed;
  }
  asm volatile("tcgen05.fence::before_thread_sync;" ::: "memory");
  __syncthreads();
  asm volatile("tcgen05.fence::after_thread_sync;" ::: "memory");
  if (warp == 0) {
    asm volatile("tcgen05.dealloc.cta_group::1.sync.aligned.b32 %0, 32;" ::"r"(a) : "memory");
    asm volatile("tcgen05.dealloc.cta_group::1.sync.aligned.b32 %0, 64;" ::"r"(b) : "memory");
  }
}
