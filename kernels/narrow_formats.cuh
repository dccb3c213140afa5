// Narrow floating-point formats of the Blackwell tensor cores: e2m1 (FP4),
// e3m2 and e2m3 (FP6), e4m3 and e5m2 (FP8), and the scale-factor formats ue8m0
// (power of two) and ue4m3 (unsigned e4m3, the NVFP4 scale). One codec for the
// kernels (the software dequantisation of the sm80-dequant fallbacks) and for
// the host (CPU references of every narrow-format probe).
//
// Code conventions: a code is the format's bit pattern in the low bits of an
// unsigned int (e2m1: 4 bits, e3m2/e2m3: 6 bits, the rest: 8 bits; ue4m3 uses
// the low 7 bits: the e4m3 pattern with a zero sign). Values follow the OCP MX
// specification and the PTX ISA: e2m1, e3m2 and e2m3 have neither infinities
// nor NaN; e4m3 has NaN (S.1111.111) and no infinities; e5m2 follows IEEE
// (infinities and NaNs); ue8m0 is 2^(code - 127) with 0xff = NaN.
//
// Conversions from float round to nearest, ties to even, and saturate to the
// largest finite value (PTX `cvt.rn.satfinite`); ue8m0 rounds toward zero or
// toward +infinity (`cvt.rz` / `cvt.rp .satfinite.ue8m0x2`). Host tests check
// every code and a sweep of inputs against cuda_fp4.h / cuda_fp6.h / cuda_fp8.h.
//
// Only embedded headers are included: NVRTC receives this file as one.
#pragma once

#include "host_device.cuh"  // SM121_HD

namespace sm121 {

enum class narrow_format { e2m1, e3m2, e2m3, e4m3, e5m2, ue8m0, ue4m3 };

struct narrow_info {
  int bits;       // width of a code
  int exp_bits;   // exponent field width
  int man_bits;   // mantissa field width
  int bias;       // exponent bias
  bool has_sign;  // a sign bit above the exponent
  unsigned max_finite;  // code of the largest finite value (sign clear)
};

SM121_HD narrow_info info(narrow_format f) {
  switch (f) {
    case narrow_format::e2m1: return {4, 2, 1, 1, true, 0x7u};     // 6
    case narrow_format::e3m2: return {6, 3, 2, 3, true, 0x1fu};    // 28
    case narrow_format::e2m3: return {6, 2, 3, 1, true, 0x1fu};    // 7.5
    case narrow_format::e4m3: return {8, 4, 3, 7, true, 0x7eu};    // 448
    case narrow_format::e5m2: return {8, 5, 2, 15, true, 0x7bu};   // 57344
    case narrow_format::ue8m0: return {8, 8, 0, 127, false, 0xfeu};  // 2^127
    case narrow_format::ue4m3: return {7, 4, 3, 7, false, 0x7eu};  // 448
  }
  return {0, 0, 0, 0, false, 0u};
}

// --- bit-level helpers (no <bit>, no <cmath> here) ------------------------------

SM121_HD unsigned float_bits(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(x);
#else
  return __builtin_bit_cast(unsigned, x);
#endif
}

SM121_HD float bits_float(unsigned b) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(b);
#else
  return __builtin_bit_cast(float, b);
#endif
}

// 2^e for -149 <= e <= 127, exact.
SM121_HD float exp2i(int e) {
  if (e >= -126) return bits_float(static_cast<unsigned>(e + 127) << 23);
  return bits_float(1u << (e + 149));  // float subnormal
}

SM121_HD bool is_nan_code(narrow_format f, unsigned code) {
  switch (f) {
    case narrow_format::e4m3: return (code & 0x7fu) == 0x7fu;
    case narrow_format::ue4m3: return (code & 0x7fu) == 0x7fu;
    case narrow_format::e5m2: return (code & 0x7cu) == 0x7cu && (code & 0x3u) != 0u;
    case narrow_format::ue8m0: return (code & 0xffu) == 0xffu;
    default: return false;
  }
}

SM121_HD bool is_inf_code(narrow_format f, unsigned code) {
  return f == narrow_format::e5m2 && (code & 0x7fu) == 0x7cu;
}

// The value of a code as a float (exact for every format, including ue8m0).
SM121_HD float to_float(narrow_format f, unsigned code) {
  const narrow_info in = info(f);
  code &= (1u << in.bits) - 1u;
  if (is_nan_code(f, code)) return bits_float(0x7fffffffu);
  const bool neg = in.has_sign && ((code >> (in.bits - 1)) & 1u);
  if (is_inf_code(f, code)) return bits_float(neg ? 0xff800000u : 0x7f800000u);
  const unsigned e = (code >> in.man_bits) & ((1u << in.exp_bits) - 1u);
  const unsigned m = code & ((1u << in.man_bits) - 1u);
  float v;
  if (f == narrow_format::ue8m0) v = exp2i(static_cast<int>(e) - 127);
  else if (e == 0u) v = static_cast<float>(m) * exp2i(1 - in.bias - in.man_bits);  // subnormal
  else v = static_cast<float>(m | (1u << in.man_bits)) * exp2i(static_cast<int>(e) - in.bias - in.man_bits);
  return neg ? -v : v;
}

// f16 bits of a code (exact; every format but ue8m0 fits f16). NaN -> 0x7fff,
// infinities -> 0x7c00 / 0xfc00. ue8m0 is not representable: returns 0.
SM121_HD unsigned short to_half_bits(narrow_format f, unsigned code) {
  const narrow_info in = info(f);
  if (f == narrow_format::ue8m0) return 0;
  code &= (1u << in.bits) - 1u;
  if (is_nan_code(f, code)) return 0x7fffu;
  const unsigned sign = (in.has_sign && ((code >> (in.bits - 1)) & 1u)) ? 0x8000u : 0u;
  if (is_inf_code(f, code)) return static_cast<unsigned short>(sign | 0x7c00u);
  if (f == narrow_format::e5m2) return static_cast<unsigned short>(code << 8);  // f16 with 8 mantissa bits dropped
  unsigned e = (code >> in.man_bits) & ((1u << in.exp_bits) - 1u);
  unsigned m = code & ((1u << in.man_bits) - 1u);
  if (e == 0u && m == 0u) return static_cast<unsigned short>(sign);
  // Normalise a subnormal input: its value is m * 2^(1 - bias - man_bits).
  int exp = static_cast<int>(e) - in.bias;  // unbiased exponent of a normal input
  if (e == 0u) {
    exp = 1 - in.bias;
    while ((m & (1u << in.man_bits)) == 0u) {
      m <<= 1;
      --exp;
    }
    m &= (1u << in.man_bits) - 1u;
  }
  // e2m1/e3m2/e2m3/e4m3/ue4m3 values lie in [2^-9, 448]: f16 normals.
  const unsigned he = static_cast<unsigned>(exp + 15);
  return static_cast<unsigned short>(sign | (he << 10) | (m << (10 - in.man_bits)));
}

// float -> code, round to nearest even, saturating to the largest finite value
// (cvt.rn.satfinite). NaN -> the format's NaN (e4m3/e5m2: 0x7f), or the largest
// finite value where the format has no NaN (as the toolkit's host functions do).
// Not for ue8m0 (see ue8m0_from_float). The result keeps the sign of -0.
SM121_HD unsigned from_float(narrow_format f, float x) {
  const narrow_info in = info(f);
  const unsigned b = float_bits(x);
  const unsigned sign = in.has_sign ? ((b >> 31) << (in.bits - 1)) : 0u;
  const unsigned abs = b & 0x7fffffffu;
  if (abs > 0x7f800000u) {  // NaN
    if (f == narrow_format::e4m3 || f == narrow_format::e5m2 || f == narrow_format::ue4m3) return 0x7fu;
    return in.max_finite;
  }
  if (!in.has_sign && (b >> 31) != 0u) return 0u;  // unsigned formats clamp negatives to +0
  const unsigned max_code = in.max_finite;
  // Value of the largest finite code, compared in float (exact).
  if (bits_float(abs) >= to_float(f, max_code)) return sign | max_code;
  if (abs == 0u) return sign;
  // abs = m24 * 2^(E - 23) with m24 the significand including the hidden bit.
  int E = static_cast<int>(abs >> 23) - 127;
  unsigned m24 = (abs & 0x7fffffu) | 0x800000u;
  if ((abs >> 23) == 0u) {  // float subnormal: far below every format's smallest value
    E = -126;
    m24 = abs & 0x7fffffu;
  }
  const int emin = 1 - in.bias;             // exponent of the smallest normal
  const int te = E < emin ? emin : E;       // exponent of the quantum's binade
  const int shift = 23 - in.man_bits + (te - E);  // drop this many bits of m24
  unsigned q;
  if (shift >= 26) {
    q = 0u;  // below half of the smallest subnormal
  } else {
    q = m24 >> shift;
    const unsigned rem = m24 & ((1u << shift) - 1u);
    const unsigned half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1u))) ++q;
  }
  // (te - emin) binades above the smallest, q carries into the exponent field.
  unsigned code = (static_cast<unsigned>(te - emin) << in.man_bits) + q;
  if (code > max_code) code = max_code;
  return sign | code;
}

// float -> ue8m0 with cvt.rz/.rp.satfinite semantics: the magnitude's
// power-of-two exponent, rounded down (round_up false: largest 2^k <= |x|) or
// up (smallest 2^k >= |x|); NaN -> 0xff; beyond 2^127 and infinities -> 0xfe;
// below 2^-127 (and zeros) -> 0, i.e. 2^-127. Computed, as the toolkit's
// __nv_cvt_float_to_e8m0 does, through bf16 rounded in the same direction
// (which gives the same exponent as rounding the f32 directly).
SM121_HD unsigned ue8m0_from_float(float x, bool round_up) {
  const unsigned a = float_bits(x) & 0x7fffffffu;
  unsigned bf;  // |x| as bf16 bits
  if (a > 0x7f800000u) bf = 0x7fffu;
  else if (!round_up) bf = a >> 16;
  else bf = (a >> 16) + (((a & 0xffffu) != 0u && a < 0x7f800000u) ? 1u : 0u);
  unsigned code = (bf >> 7) & 0xffu;
  if (round_up && (bf & 0x7fu) != 0u && bf > 0x40u && bf < 0x7f80u) ++code;  // not already 2^k
  if (bf <= 0x7f80u && code == 0xffu) code = 0xfeu;                             // satfinite
  return code;
}

// --- kind::f8f6f4 / kind::mxf8f6f4 operand containers --------------------------
// Every element occupies one byte: e2m1 sits in bits 2..5 (two padding bits
// above and below), e3m2/e2m3 in bits 0..5, FP8 fills the byte (PTX ISA, mma:
// "individual 4-bit and 6-bit ... packed in an 8-bit container").

SM121_HD unsigned f8f6f4_container(narrow_format f, unsigned code) {
  switch (f) {
    case narrow_format::e2m1: return (code & 0xfu) << 2;
    case narrow_format::e3m2:
    case narrow_format::e2m3: return code & 0x3fu;
    default: return code & 0xffu;
  }
}

// The PTX type name used in mma/cvt instructions.
SM121_HD const char* ptx_type(narrow_format f) {
  switch (f) {
    case narrow_format::e2m1: return "e2m1";
    case narrow_format::e3m2: return "e3m2";
    case narrow_format::e2m3: return "e2m3";
    case narrow_format::e4m3: return "e4m3";
    case narrow_format::e5m2: return "e5m2";
    case narrow_format::ue8m0: return "ue8m0";
    case narrow_format::ue4m3: return "ue4m3";
  }
  return "";
}

// f32 -> f16 bits, round to nearest even (for the dequantisation fallbacks,
// whose values are exact in f16 by construction).
SM121_HD unsigned short float_to_half_bits(float x) {
  const unsigned b = float_bits(x);
  const unsigned sign = (b >> 16) & 0x8000u;
  const unsigned abs = b & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<unsigned short>(sign | 0x7e00u);
  if (abs >= 0x477ff000u) return static_cast<unsigned short>(sign | 0x7c00u);
  if (abs < 0x38800000u) {  // f16 subnormal or zero: quantum 2^-24
    const int E = static_cast<int>(abs >> 23) - 127;
    if (E < -25) return static_cast<unsigned short>(sign);
    const unsigned m24 = (abs & 0x7fffffu) | 0x800000u;
    const int shift = 23 + (-24 - E);  // m24 * 2^(E-23) / 2^-24
    unsigned q = m24 >> shift;
    const unsigned rem = m24 & ((1u << shift) - 1u), half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1u))) ++q;
    return static_cast<unsigned short>(sign | q);
  }
  const unsigned mant = abs & 0x7fffffu;
  const unsigned exp = (abs >> 23) - 127u + 15u;
  unsigned h = (exp << 10) | (mant >> 13);
  const unsigned rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
  return static_cast<unsigned short>(sign | h);
}

}  // namespace sm121
