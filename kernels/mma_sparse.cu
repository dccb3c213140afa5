// Probes mma.sp.f8f6f4.e2m1, mma.sp.mxf4 and mma.sp.nvf4: 2:4-structured sparse
// warp MMA with FP4 operands, the form behind GB10's quoted 1 PFLOP (sparse
// FP4). D = A * B + C with A stored compressed (half of its K elements), f32
// accumulate:
//   SM121_SP_KIND=0: kind::f8f6f4, m16n8k64, e2m1 in byte containers, no scales;
//   SM121_SP_KIND=1: kind::mxf4, m16n8k128, scale_vec::2X, ue8m0 scales;
//   SM121_SP_KIND=2: kind::mxf4nvf4, m16n8k128, scale_vec::4X, ue4m3 scales.
// Metadata: every lane holds 0x44444444, i.e. in every group of four (2:4) the
// kept elements are the first two (indices 0 and 1); for the pair-wise 4-bit
// form the same word keeps the first two pairs of every group of eight. B has
// equal rows within every aligned group of eight K rows, so the result does
// not depend on which of these readings the hardware uses: compressed element
// c of a row belongs to K group c / 4 either way. Scales: selectors {0, 0}.
// Fragments: compressed A as the dense m16n8k32 (8-bit) / m16n8k64 (4-bit) A
// fragment; B (m16n8k64 8-bit: 16 per lane, m16n8k128 4-bit: 32 per lane) as
// the dense B fragments extended along K (PTX ISA sparse mma fragment figures).
// Memory: A 16 x KC compressed codes (KC = K / 2), B K x 8 codes, one per byte;
// scale_A 16 x V, scale_B V x 8; C, D f32 16 x 8.
// Expected on sm_121: native through sm_121a for the block-scaled kinds (ptxas
// rejects them for sm_121f), through sm_121f for kind::f8f6f4. Not verified on
// a GPU here: a run settles it.
#include "mma_narrow_layout.cuh"
#include "narrow_ptx.cuh"

#ifndef SM121_SP_KIND
#error "compile with -DSM121_SP_KIND=<0|1|2>"
#endif

#if SM121_SP_KIND == 0
#define SM121_K 64
#define SM121_VEC 1
#else
#define SM121_K 128
#define SM121_VEC (SM121_SP_KIND == 1 ? 2 : 4)
#endif
#define SM121_KC (SM121_K / 2)

extern "C" __global__ void probe_kernel(const unsigned char* A, const unsigned char* B, const unsigned char* SFA,
                                        const unsigned char* SFB, const float* C, float* D, unsigned metadata,
                                        unsigned filler) {
  const int lane = threadIdx.x & 31;
  const int g = lane >> 2, t = lane & 3;
  float c[4], d[4];
  sm121::load_c32(sm121::mma_shape::m16n8k32_b8, C, lane, c);
  unsigned a[4], b[4];
#if SM121_SP_KIND == 0
  for (int r = 0; r < 4; ++r) a[r] = sm121::pack_a_f8f6f4(sm121::narrow_format::e2m1, A, lane, r);
  for (int r = 0; r < 4; ++r) {  // B element i = 4r + j at row 4t + (i & 3) + 16 * (i >> 2), column g
    unsigned v = 0;
    for (int j = 0; j < 4; ++j) {
      const int i = 4 * r + j, row = 4 * t + (i & 3) + 16 * (i >> 2);
      v |= sm121::f8f6f4_container(sm121::narrow_format::e2m1, B[row * 8 + g]) << (8 * j);
    }
    b[r] = v;
  }
  SM121_ASM_MMA_SP_F32(SM121_PTX_MMA_SP_F8F6F4_E2M1, d, a, b, c, metadata);
  (void)SFA;
  (void)SFB;
  (void)filler;
#else
  for (int r = 0; r < 4; ++r) a[r] = sm121::pack_a_k64(A, lane, r);
  for (int r = 0; r < 4; ++r) {  // B element i = 8r + j at row 8t + (i & 7) + 32 * (i >> 3), column g
    unsigned v = 0;
    for (int j = 0; j < 8; ++j) {
      const int i = 8 * r + j, row = 8 * t + (i & 7) + 32 * (i >> 3);
      v |= (static_cast<unsigned>(B[row * 8 + g]) & 0xfu) << (4 * j);
    }
    b[r] = v;
  }
  const unsigned sfa = sm121::scale_a_reg(SFA, SM121_VEC, lane, 0, 0, filler);
  const unsigned sfb = sm121::scale_b_reg(SFB, SM121_VEC, lane, 0, 0, filler);
#if SM121_SP_KIND == 1
  SM121_ASM_MMA_SP_F32_SCALED(SM121_PTX_MMA_SP_MXF4, d, a, b, c, metadata, sfa, sfb);
#else
  SM121_ASM_MMA_SP_F32_SCALED(SM121_PTX_MMA_SP_NVF4, d, a, b, c, metadata, sfa, sfb);
#endif
#endif
  sm121::store_d32(sm121::mma_shape::m16n8k32_b8, D, lane, d);
}
