// Probe tcgen05.mma: one CTA of 128 threads computes a 128x16 tile D = A*B
// with tcgen05.mma.cta_group::1.kind::f16 (f16 inputs, f32 accumulator in
// Tensor Memory). A (128x16) and B (16x16) are staged in shared memory in the
// K-major no-swizzle canonical layout (feature_tc_layout.cuh). Sequence, as the
// PTX ISA prescribes it:
//   warp 0 allocates 32 TMEM columns (tcgen05.alloc) and gives up the right to
//   allocate more (relinquish_alloc_permit); the address reaches the other
//   warps through shared memory, bracketed by tcgen05.fence::before/after_thread_sync;
//   one thread issues the MMA and tcgen05.commit, which arrives on an mbarrier
//   once the MMA has completed; everyone waits on that barrier, then each warp
//   reads its 32 TMEM lanes (= rows 32w..32w+31 of D; M = 128 uses the
//   identity lane layout) with tcgen05.ld.32x32b.x16; warp 0 frees the columns.
//
// Expected on sm_121: failing. tcgen05 / Tensor Memory exist on sm_100a/f,
// sm_103a/f and sm_110a/f only: ptxas rejects the kernel for every sm_12x
// target and the sm_100a image does not load on a 12.x device. There is no
// fallback variant; on sm_12x the 5th-generation tensor-core formats are
// reached through warp-level mma.sync (the mma.* probes).
// This kernel was compiled for sm_100a but never run here (no datacenter
// Blackwell GPU was available).
#include "feature_async.cuh"
#include "feature_tc_layout.cuh"

extern "C" __global__ void probe_kernel(const unsigned short* A, const unsigned short* B, float* D) {
  __shared__ __align__(128) unsigned short sa[128 * 16];
  __shared__ __align__(128) unsigned short sb[16 * 16];
  __shared__ __align__(8) unsigned long long bar;
  __shared__ unsigned tmem_slot;
  const unsigned tid = threadIdx.x, warp = tid / 32, lane = tid % 32;

  for (unsigned e = tid; e < 128 * 16; e += 128) sa[sm121feat::kmajor_offset(e / 16, e % 16)] = A[e];
  for (unsigned e = tid; e < 16 * 16; e += 128) sb[sm121feat::kmajor_offset(e % 16, e / 16)] = B[e];
  sm121feat::fence_proxy_async_smem();

  const unsigned slot = sm121feat::smem_addr(&tmem_slot);
  const unsigned b = sm121feat::smem_addr(&bar);
  if (warp == 0) {
    asm volatile("tcgen05.alloc.cta_group::1.sync.aligned.shared::cta.b32 [%0], 32;" ::"r"(slot) : "memory");
    asm volatile("tcgen05.relinquish_alloc_permit.cta_group::1.sync.aligned;" ::: "memory");
  }
  if (tid == 0) {
    sm121feat::mbar_init(b, 1);
    sm121feat::mbar_init_fence();
  }
  asm volatile("tcgen05.fence::before_thread_sync;" ::: "memory");
  __syncthreads();
  asm volatile("tcgen05.fence::after_thread_sync;" ::: "memory");
  const unsigned tmem = tmem_slot;

  if (tid == 0) {
    const unsigned long long da =
        sm121feat::tcgen05_smem_desc(sm121feat::smem_addr(sa), sm121feat::kLbo, sm121feat::kSbo);
    const unsigned long long db =
        sm121feat::tcgen05_smem_desc(sm121feat::smem_addr(sb), sm121feat::kLbo, sm121feat::kSbo);
    const unsigned idesc = sm121feat::tcgen05_idesc_f16_f32(128, 16);
    // enable-input-d = false: D = A*B (the freshly allocated columns hold garbage).
    asm volatile(
        "{\n .reg .pred p;\n setp.ne.b32 p, %4, 0;\n"
        " tcgen05.mma.cta_group::1.kind::f16 [%0], %1, %2, %3, p;\n}" ::"r"(tmem),
        "l"(da), "l"(db), "r"(idesc), "r"(0)
        : "memory");
    asm volatile("tcgen05.commit.cta_group::1.mbarrier::arrive::one.shared::cluster.b64 [%0];" ::"r"(b) : "memory");
  }
  sm121feat::mbar_wait(b, 0);
  asm volatile("tcgen05.fence::after_thread_sync;" ::: "memory");

  unsigned r[16];
  asm volatile(
      "tcgen05.ld.sync.aligned.32x32b.x16.b32 {%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, "
      "%15}, [%16];"
      : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]), "=r"(r[4]), "=r"(r[5]), "=r"(r[6]), "=r"(r[7]), "=r"(r[8]),
        "=r"(r[9]), "=r"(r[10]), "=r"(r[11]), "=r"(r[12]), "=r"(r[13]), "=r"(r[14]), "=r"(r[15])
      : "r"(tmem + ((warp * 32) << 16))
      : "memory");
  asm volatile("tcgen05.wait::ld.sync.aligned;" ::: "memory");
  for (unsigned j = 0; j < 16; ++j) D[(warp * 32 + lane) * 16 + j] = __uint_as_float(r[j]);

  asm volatile("tcgen05.fence::before_thread_sync;" ::: "memory");
  __syncthreads();
  asm volatile("tcgen05.fence::after_thread_sync;" ::: "memory");
  if (warp == 0) asm volatile("tcgen05.dealloc.cta_group::1.sync.aligned.b32 %0, 32;" ::"r"(tmem) : "memory");
}
