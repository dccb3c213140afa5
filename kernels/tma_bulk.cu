// Probe tma.bulk: the 1-D bulk-copy engine in both directions. Thread 0 arms
// an mbarrier with the expected byte count (mbarrier.arrive.expect_tx) and
// starts cp.async.bulk global -> shared (4096 bytes), which signals completion
// through the barrier's transaction count (complete_tx::bytes); all threads
// wait on the barrier phase, transform the words in shared memory (3*v + 1),
// fence their writes for the asynchronous proxy, and thread 0 copies the block
// back with cp.async.bulk shared -> global (bulk_group, waited for with
// cp.async.bulk.wait_group 0).
//
// Expected on sm_121: native (compiles for plain sm_121; TMA is reported
// working on GB10). No fallback variant: the bulk-copy engine is sm_90+.
#include "feature_async.cuh"

extern "C" __global__ void probe_kernel(const unsigned* in, unsigned* out) {
  constexpr unsigned words = 1024, bytes = words * 4;
  __shared__ __align__(128) unsigned tile[words];
  __shared__ __align__(8) unsigned long long bar;
  const unsigned b = sm121feat::smem_addr(&bar), dst = sm121feat::smem_addr(tile);
  sm121feat::poison_smem(tile, words);  // only what the bulk copy writes can match
  sm121feat::mbar_init_for_block(b);
  if (threadIdx.x == 0) {
    sm121feat::mbar_arrive_expect_tx(b, bytes);
    asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];" ::"r"(dst),
                 "l"(in), "r"(bytes), "r"(b)
                 : "memory");
  }
  sm121feat::mbar_wait(b, 0);
  for (unsigned i = threadIdx.x; i < words; i += blockDim.x) tile[i] = 3u * tile[i] + 1u;
  sm121feat::fence_proxy_async_smem();
  __syncthreads();
  if (threadIdx.x == 0) {
    asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;" ::"l"(out), "r"(dst), "r"(bytes)
                 : "memory");
    asm volatile("cp.async.bulk.commit_group;" ::: "memory");
    asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
  }
}
