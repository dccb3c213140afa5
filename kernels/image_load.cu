// Probe image.load.*: one trivial kernel (y[i] = 3*x[i] + i over 1024 words)
// built as one image per probe: SASS for sm_120, sm_120a, sm_120f, sm_121,
// sm_121a, sm_100a and sm_90, and PTX for compute_120, compute_121a and
// compute_80. Loading and running each image says, empirically, which builds
// of a library can run on this GPU: the driver loads SASS only for a matching
// architecture and JIT-compiles PTX only for the same or a later one.
//
// Expected on sm_121 (documented compatibility rules, docs/compatibility.md):
// sm_120, sm_120f, sm_121, sm_121a SASS and compute_120, compute_121a,
// compute_80 PTX load; sm_120a (arch-specific: exactly 12.0), sm_100a and
// sm_90 SASS do not (CUDA_ERROR_NO_BINARY_FOR_GPU). There is no fallback: each
// image either loads and computes the right numbers or it does not.
extern "C" __global__ void probe_kernel(const unsigned* x, unsigned* y, unsigned n) {
  const unsigned i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = 3u * x[i] + i;
}
