// Probe cuda.fma: sanity check of the whole path (compile, load, launch,
// verify) with a plain fused multiply-add over 4096 floats.
// Expected on sm_121: native. Fallback means only the driver's PTX JIT of
// compute_80 code works, i.e. the toolchain cannot produce sm_121 SASS.
extern "C" __global__ void probe_kernel(const float* a, const float* x, const float* b, float* y, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = fmaf(a[i], x[i], b[i]);
}
