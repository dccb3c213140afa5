// `sm121-probe bench`: memory bandwidth and launch latency (docs/bench.md).
// Grid-stride loops over 16-byte vectors; the buffer is sized by the host far
// beyond the L2 cache, so the figure is DRAM (or, for managed and pageable host
// memory, whatever path that memory takes), not cache.
//   bench_read:  every thread XOR-folds what it reads and writes one word per
//                thread, so the reads cannot be deleted; the host recomputes
//                the fold of the whole buffer from the pattern it wrote.
//   bench_write: writes value(i) = i * 2654435761 + seed to every word; the host
//                checks a sample of words.
//   bench_copy:  dst = src; the host checks a sample of words.
//   bench_empty: nothing (launch latency).
// No includes: plain CUDA C++.

extern "C" __global__ void bench_read(const uint4* src, unsigned long long n_vec, unsigned* fold) {
  const unsigned long long stride = static_cast<unsigned long long>(gridDim.x) * blockDim.x;
  const unsigned long long tid = static_cast<unsigned long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  unsigned x = 0;
  for (unsigned long long i = tid; i < n_vec; i += stride) {
    const uint4 v = src[i];
    x ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  fold[tid] = x;
}

extern "C" __global__ void bench_write(uint4* dst, unsigned long long n_vec, unsigned seed) {
  const unsigned long long stride = static_cast<unsigned long long>(gridDim.x) * blockDim.x;
  const unsigned long long tid = static_cast<unsigned long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (unsigned long long i = tid; i < n_vec; i += stride) {
    const unsigned w = static_cast<unsigned>(4 * i);
    dst[i] = make_uint4(w * 2654435761u + seed, (w + 1) * 2654435761u + seed, (w + 2) * 2654435761u + seed,
                        (w + 3) * 2654435761u + seed);
  }
}

extern "C" __global__ void bench_copy(const uint4* src, uint4* dst, unsigned long long n_vec) {
  const unsigned long long stride = static_cast<unsigned long long>(gridDim.x) * blockDim.x;
  const unsigned long long tid = static_cast<unsigned long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  for (unsigned long long i = tid; i < n_vec; i += stride) dst[i] = src[i];
}

extern "C" __global__ void bench_empty() {}
