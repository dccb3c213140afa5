// Probe demo.axpy (test-only family, tests/support/demo_family): y = a*x + y
// over 1024 floats. It exists to prove that a new probe family is two files,
// this kernel and demo_family.cpp, and nothing else; it is linked only into
// the test build `sm121-probe-demo`. Expected on sm_121: native (plain f32
// arithmetic); a fallback would mean only the compute_80 PTX path works.
extern "C" __global__ void probe_kernel(float a, const float* x, float* y, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = fmaf(a, x[i], y[i]);
}
