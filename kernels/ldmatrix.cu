// Probe ldmatrix: ldmatrix.sync.aligned.m8n8.x4.shared.b16, plain and .trans,
// the shared-memory fragment loader every sm_80-path GEMM uses.
// Lane l supplies the address of row l % 8 of matrix l / 8. Each lane writes
// its four result registers (plain, then transposed) to `out`.
// Expected on sm_121: native.
extern "C" __global__ void probe_kernel(const unsigned short* in, unsigned* out) {
  __shared__ __align__(16) unsigned short tile[4 * 8 * 8];
  const int lane = threadIdx.x & 31;
  for (int i = lane; i < 4 * 8 * 8; i += 32) tile[i] = in[i];
  __syncwarp();
  const unsigned addr = static_cast<unsigned>(__cvta_generic_to_shared(&tile[(lane / 8) * 64 + (lane % 8) * 8]));
  unsigned r[4], t[4];
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];"
               : "=r"(t[0]), "=r"(t[1]), "=r"(t[2]), "=r"(t[3])
               : "r"(addr));
  for (int j = 0; j < 4; ++j) {
    out[lane * 4 + j] = r[j];
    out[128 + lane * 4 + j] = t[j];
  }
}
