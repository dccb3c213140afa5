// Small device helpers shared by the sm_90+ feature probes: shared-memory
// addresses, mbarrier phase waits and the proxy fences that order ordinary
// shared-memory writes before the asynchronous units (TMA, tensor cores) read
// them. Every helper is one PTX instruction (or a polling loop around one) so
// the probe kernels read like the PTX ISA sections they exercise.
//
// No includes: NVRTC gets this file as an embedded header. Device code only.
#pragma once

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)

namespace sm121feat {

// 32-bit .shared::cta address of a generic pointer into shared memory.
__device__ __forceinline__ unsigned smem_addr(const void* p) {
  return static_cast<unsigned>(__cvta_generic_to_shared(p));
}

// mbarrier.init with an expected arrival count (sm_80+).
__device__ __forceinline__ void mbar_init(unsigned bar, unsigned count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(bar), "r"(count) : "memory");
}

// Makes the mbarrier initialisation visible to the asynchronous proxy and to
// the other threads before anyone uses the barrier (sm_90+).
__device__ __forceinline__ void mbar_init_fence() {
  asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
}

// The usual set-up of a block's single-arrival mbarrier: thread 0 initialises
// it and fences, then the whole block synchronises (sm_90+).
__device__ __forceinline__ void mbar_init_for_block(unsigned bar) {
  if (threadIdx.x == 0) {
    mbar_init(bar, 1);
    mbar_init_fence();
  }
  __syncthreads();
}

// One arrival that also announces `bytes` of asynchronous transactions (sm_90+).
__device__ __forceinline__ void mbar_arrive_expect_tx(unsigned bar, unsigned bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(bar), "r"(bytes) : "memory");
}

// Blocks until the phase with the given parity has completed (sm_90+).
__device__ __forceinline__ void mbar_wait(unsigned bar, unsigned parity) {
  unsigned done = 0;
  while (!done) {
    asm volatile(
        "{\n .reg .pred p;\n mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n selp.u32 %0, 1, 0, p;\n}"
        : "=r"(done)
        : "r"(bar), "r"(parity)
        : "memory");
  }
}

// Orders this thread's earlier generic-proxy shared-memory accesses before
// later async-proxy accesses (bulk copies, TMA, wgmma / tcgen05 operand reads).
__device__ __forceinline__ void fence_proxy_async_smem() {
  asm volatile("fence.proxy.async.shared::cta;" ::: "memory");
}

// Fills `words` 32-bit words of shared memory with 0xFFFFFFFF (the project's
// poison, probe.hpp) before an asynchronous unit is to fill them, so that a
// copy that writes nothing, or zero fill that does not happen, shows in the
// result. Every thread of the block takes part; the writes are fenced for the
// asynchronous proxy and the block synchronises before anyone issues the copy.
__device__ __forceinline__ void poison_smem(unsigned* tile, unsigned words) {
  for (unsigned i = threadIdx.x; i < words; i += blockDim.x) tile[i] = 0xffffffffu;
  fence_proxy_async_smem();
  __syncthreads();
}

}  // namespace sm121feat

#endif
