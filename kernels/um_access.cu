// Probe um.managed / um.pageable / um.registered: a kernel reads and writes
// one buffer in place (x[i] = 3*x[i] + 1 over 16384 words) that lives in
//   um.managed:    cuMemAllocManaged memory, filled and read back by the CPU
//                  through the same pointer;
//   um.pageable:   plain malloc'd host memory handed to the kernel as is (needs
//                  pageable memory access: HMM, or the host page tables of a
//                  coherent system such as GB10 through ATS);
//   um.registered: host memory pinned and mapped with cuMemHostRegister.
// The host reads the results through its own pointer, so a pass also shows
// that CPU and GPU see each other's writes.
//
// Expected on sm_121 (GB10, one coherent LPDDR5X pool): managed and pageable
// native; cuMemHostRegister on ordinary host memory is reported to return
// CUDA_ERROR_NOT_SUPPORTED (failing, with the error captured). No fallback.
extern "C" __global__ void probe_kernel(unsigned* x, unsigned n) {
  for (unsigned i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) x[i] = 3u * x[i] + 1u;
}
