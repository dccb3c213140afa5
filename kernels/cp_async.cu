// Probe cp.async: the sm_80 asynchronous global -> shared copy. 128 threads;
// each issues three 16-byte copies: cp.async.ca (L1-cached), cp.async.cg
// (L2 only) and a cp.async.ca with a source size of (tid % 5) * 4 bytes, whose
// remaining bytes the hardware must fill with zeros. One commit_group, then
// wait_group 0 and a block barrier; each thread then reads chunks copied by
// other threads (and its own zero-filled one) and writes them out. Shared
// memory starts as 0xFFFFFFFF words (poison), so zero fill that does not
// happen, or a copy that writes nothing, shows in the result.
//
// Expected on sm_121: native. The sm80-ptx variant is the path of libraries
// that ship only compute_80 PTX (JIT-compiled by the driver at load time).
extern "C" __global__ void probe_kernel(const int4* in, int4* out) {
  __shared__ __align__(16) int4 s[3 * 128];
  const unsigned t = threadIdx.x;
  for (unsigned i = t; i < 3 * 128; i += blockDim.x) s[i] = make_int4(-1, -1, -1, -1);
  __syncthreads();
  const unsigned d0 = static_cast<unsigned>(__cvta_generic_to_shared(&s[t]));
  const unsigned d1 = static_cast<unsigned>(__cvta_generic_to_shared(&s[128 + t]));
  const unsigned d2 = static_cast<unsigned>(__cvta_generic_to_shared(&s[256 + t]));
  const unsigned partial = (t % 5) * 4;
  asm volatile("cp.async.ca.shared.global [%0], [%1], 16;" ::"r"(d0), "l"(in + t) : "memory");
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16;" ::"r"(d1), "l"(in + 128 + t) : "memory");
  asm volatile("cp.async.ca.shared.global [%0], [%1], 16, %2;" ::"r"(d2), "l"(in + 256 + t), "r"(partial) : "memory");
  asm volatile("cp.async.commit_group;" ::: "memory");
  asm volatile("cp.async.wait_group 0;" ::: "memory");
  __syncthreads();
  out[t] = s[(t + 1) % 128];
  out[128 + t] = s[128 + (t + 5) % 128];
  out[256 + t] = s[256 + t];
}
