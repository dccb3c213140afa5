// Probe smem.max: how much dynamic shared memory one block really gets. The
// host program opts the kernel in (CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)
// to the device's reported per-block maximum and launches it with that much
// dynamic shared memory; if that fails it searches for the largest amount that
// launches. The kernel touches every word: it writes a pattern over all `words`
// 32-bit words, then each thread checks words written by other threads. It
// reports the number of threads that saw a wrong word, the last word, and the
// word count.
//
// Expected on sm_121: native, with 101376 bytes (99 KiB) reported and launched
// (GB10 reports shared_memory_per_block_optin_bytes = 101376). "failing" means
// the reported maximum does not launch. No fallback.
__device__ __forceinline__ unsigned smem_pattern(unsigned i) { return i * 2654435761u ^ 0x5bd1e995u; }

extern "C" __global__ void probe_kernel(unsigned* out, unsigned words) {
  extern __shared__ unsigned smem_words[];
  for (unsigned i = threadIdx.x; i < words; i += blockDim.x) smem_words[i] = smem_pattern(i);
  __syncthreads();
  unsigned bad = 0;
  // Read words written by other threads: a different stride than the writes.
  for (unsigned i = threadIdx.x; i < words; i += blockDim.x) {
    const unsigned j = (i * 7u + 3u) % words;
    bad += smem_words[j] != smem_pattern(j);
  }
  const int threads_with_errors = __syncthreads_count(bad != 0);
  if (threadIdx.x == 0) {
    out[0] = static_cast<unsigned>(threads_with_errors);
    out[1] = words ? smem_words[words - 1] : 0u;
    out[2] = words;
  }
}
