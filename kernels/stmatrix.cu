// Probe stmatrix: stmatrix.sync.aligned.m8n8.x4.shared.b16, plain and .trans,
// the warp-level fragment store (the inverse of ldmatrix) that Hopper and
// Blackwell epilogues use. Lane l holds register j = in[4l + j] (two 16-bit
// elements of matrix j: row l/4, columns 2(l%4) and 2(l%4)+1); lane l supplies
// the address of row l%8 of matrix l/8. The warp then copies both shared
// tiles (plain, then transposed) to `out`.
//
// Expected on sm_121: native (compiles for plain sm_121). No fallback variant:
// stmatrix is sm_90+ (sm_80-path code stores fragments with ordinary st.shared).
extern "C" __global__ void probe_kernel(const unsigned* in, unsigned short* out) {
  __shared__ __align__(16) unsigned short tile[2 * 4 * 64];
  const unsigned lane = threadIdx.x & 31;
  unsigned r[4];
  for (unsigned j = 0; j < 4; ++j) r[j] = in[lane * 4 + j];
  const unsigned row = (lane / 8) * 64 + (lane % 8) * 8;
  const unsigned plain = static_cast<unsigned>(__cvta_generic_to_shared(&tile[row]));
  const unsigned trans = static_cast<unsigned>(__cvta_generic_to_shared(&tile[256 + row]));
  asm volatile("stmatrix.sync.aligned.m8n8.x4.shared.b16 [%0], {%1, %2, %3, %4};" ::"r"(plain), "r"(r[0]), "r"(r[1]),
               "r"(r[2]), "r"(r[3])
               : "memory");
  asm volatile("stmatrix.sync.aligned.m8n8.x4.trans.shared.b16 [%0], {%1, %2, %3, %4};" ::"r"(trans), "r"(r[0]),
               "r"(r[1]), "r"(r[2]), "r"(r[3])
               : "memory");
  __syncwarp();
  for (unsigned i = lane; i < 2 * 4 * 64; i += 32) out[i] = tile[i];
}
