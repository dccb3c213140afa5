// Probes cvt.fp4, cvt.fp6, cvt.fp8 and cvt.ue8m0: the hardware conversion
// instructions between f32/f16/bf16 and the narrow formats, checked over every
// code and over a set of values that exercise rounding (exact midpoints and
// their neighbours) and saturation.
//   SM121_CVT_GROUP=0: e2m1 (cvt.rn.satfinite.e2m1x2.f32 / cvt.rn.f16x2.e2m1x2);
//   1: e3m2 and e2m3 (FP6, ...x2.f32 / cvt.rn.f16x2.<fmt>x2);
//   2: e4m3 and e5m2 (FP8, same two directions);
//   3: ue8m0 (cvt.rz and cvt.rp .satfinite.ue8m0x2.f32 / cvt.rn.bf16x2.ue8m0x2).
// Expected on sm_121: native (F2FP conversions); FP4, FP6 and ue8m0 need
// sm_121f or sm_121a, FP8 conversions exist since sm_89. There is no fallback
// variant: where the instruction is missing, code has to convert in software.
// Layout: dec_in holds packed code pairs (low byte -> low half of the result),
// one block of n_dec pairs per decoder variant; dec_out the packed f16x2 or
// bf16x2 results. enc_in holds f32 pairs (a, b), one block of n_enc pairs per
// encoder variant; enc_out the packed results (a in the upper part).
#include "narrow_ptx.cuh"

#ifndef SM121_CVT_GROUP
#error "compile with -DSM121_CVT_GROUP=<0..3>"
#endif

#if SM121_CVT_GROUP == 0
#define SM121_DEC_VARIANTS 1
#define SM121_ENC_VARIANTS 1
#elif SM121_CVT_GROUP == 3
#define SM121_DEC_VARIANTS 1
#define SM121_ENC_VARIANTS 2
#else
#define SM121_DEC_VARIANTS 2
#define SM121_ENC_VARIANTS 2
#endif

__device__ __forceinline__ unsigned decode_pair(int v, unsigned short x) {
  unsigned d = 0;
#if SM121_CVT_GROUP == 0
  (void)v;
  SM121_ASM_CVT_UNPACK16(SM121_PTX_CVT_E2M1X2_TO_F16X2, d, x);
#elif SM121_CVT_GROUP == 1
  if (v == 0) SM121_ASM_CVT_UNPACK16(SM121_PTX_CVT_X2_TO_F16X2("e3m2"), d, x);
  else SM121_ASM_CVT_UNPACK16(SM121_PTX_CVT_X2_TO_F16X2("e2m3"), d, x);
#elif SM121_CVT_GROUP == 2
  if (v == 0) SM121_ASM_CVT_UNPACK16(SM121_PTX_CVT_X2_TO_F16X2("e4m3"), d, x);
  else SM121_ASM_CVT_UNPACK16(SM121_PTX_CVT_X2_TO_F16X2("e5m2"), d, x);
#else
  (void)v;
  SM121_ASM_CVT_UNPACK16(SM121_PTX_CVT_UE8M0X2_TO_BF16X2, d, x);
#endif
  return d;
}

__device__ __forceinline__ unsigned short encode_pair(int v, float a, float b) {
  unsigned short d = 0;
#if SM121_CVT_GROUP == 0
  (void)v;
  SM121_ASM_CVT_PACK16(SM121_PTX_CVT_F32_TO_E2M1X2, d, a, b);
#elif SM121_CVT_GROUP == 1
  if (v == 0) SM121_ASM_CVT_PACK16(SM121_PTX_CVT_F32_TO_X2("e3m2"), d, a, b);
  else SM121_ASM_CVT_PACK16(SM121_PTX_CVT_F32_TO_X2("e2m3"), d, a, b);
#elif SM121_CVT_GROUP == 2
  if (v == 0) SM121_ASM_CVT_PACK16(SM121_PTX_CVT_F32_TO_X2("e4m3"), d, a, b);
  else SM121_ASM_CVT_PACK16(SM121_PTX_CVT_F32_TO_X2("e5m2"), d, a, b);
#else
  if (v == 0) SM121_ASM_CVT_PACK16(SM121_PTX_CVT_F32_TO_UE8M0X2("rz"), d, a, b);
  else SM121_ASM_CVT_PACK16(SM121_PTX_CVT_F32_TO_UE8M0X2("rp"), d, a, b);
#endif
  return d;
}

extern "C" __global__ void probe_kernel(const unsigned short* dec_in, unsigned* dec_out, const float* enc_in,
                                        unsigned short* enc_out, int n_dec, int n_enc) {
  const int stride = static_cast<int>(blockDim.x * gridDim.x);
  const int first = static_cast<int>(blockIdx.x * blockDim.x + threadIdx.x);
  for (int v = 0; v < SM121_DEC_VARIANTS; ++v)
    for (int i = first; i < n_dec; i += stride) dec_out[v * n_dec + i] = decode_pair(v, dec_in[v * n_dec + i]);
  for (int v = 0; v < SM121_ENC_VARIANTS; ++v)
    for (int i = first; i < n_enc; i += stride) {
      const int k = v * n_enc + i;
      enc_out[k] = encode_pair(v, enc_in[2 * k], enc_in[2 * k + 1]);
    }
}
