// The narrow-format codec of kernels/narrow_formats.cuh (used by the CPU
// references and the dequantising fallback kernels) against the CUDA toolkit's
// own host conversion functions (cuda_fp4.h, cuda_fp6.h, cuda_fp8.h compiled
// by g++): every code decoded, and a sweep of inputs encoded.
#include "narrow_formats.cuh"

#include <cuda_fp4.h>
#include <cuda_fp6.h>
#include <cuda_fp8.h>
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace {

using sm121::narrow_format;

float half_bits_to_float(unsigned short h) {
  const unsigned sign = (h >> 15) & 1u, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(man), -24);
  else if (exp == 31) v = man ? NAN : INFINITY;
  else v = std::ldexp(static_cast<float>(man | 0x400u), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

// The toolkit's decode of one code to f16 bits.
unsigned short toolkit_half(narrow_format f, unsigned code) {
  switch (f) {
    case narrow_format::e2m1:
      return __nv_cvt_fp4_to_halfraw(static_cast<__nv_fp4_storage_t>(code), __NV_E2M1).x;
    case narrow_format::e3m2:
      return __nv_cvt_fp6_to_halfraw(static_cast<__nv_fp6_storage_t>(code), __NV_E3M2).x;
    case narrow_format::e2m3:
      return __nv_cvt_fp6_to_halfraw(static_cast<__nv_fp6_storage_t>(code), __NV_E2M3).x;
    case narrow_format::e4m3:
    case narrow_format::ue4m3:  // no toolkit type: the e4m3 pattern with a zero sign (PTX ISA)
      return __nv_cvt_fp8_to_halfraw(static_cast<__nv_fp8_storage_t>(code), __NV_E4M3).x;
    case narrow_format::e5m2:
      return __nv_cvt_fp8_to_halfraw(static_cast<__nv_fp8_storage_t>(code), __NV_E5M2).x;
    case narrow_format::ue8m0: break;
  }
  ADD_FAILURE() << "no f16 decode for this format";
  return 0;
}

// The toolkit's encode (round to nearest even, saturate to finite).
unsigned toolkit_encode(narrow_format f, float x) {
  switch (f) {
    case narrow_format::e2m1: return __nv_cvt_float_to_fp4(x, __NV_E2M1, cudaRoundNearest);
    case narrow_format::e3m2: return __nv_cvt_float_to_fp6(x, __NV_E3M2, cudaRoundNearest);
    case narrow_format::e2m3: return __nv_cvt_float_to_fp6(x, __NV_E2M3, cudaRoundNearest);
    case narrow_format::e4m3: return __nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3);
    case narrow_format::e5m2: return __nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E5M2);
    case narrow_format::ue4m3: return __nv_cvt_float_to_fp8(x, __NV_SATFINITE, __NV_E4M3);
    case narrow_format::ue8m0: break;
  }
  ADD_FAILURE() << "no encoder for this format";
  return 0;
}

struct fmt_case {
  narrow_format f;
  const char* name;
};
const fmt_case small_formats[] = {{narrow_format::e2m1, "e2m1"}, {narrow_format::e3m2, "e3m2"},
                                  {narrow_format::e2m3, "e2m3"}, {narrow_format::e4m3, "e4m3"},
                                  {narrow_format::e5m2, "e5m2"}, {narrow_format::ue4m3, "ue4m3"}};

unsigned code_count(narrow_format f) { return 1u << sm121::info(f).bits; }

TEST(NarrowCodec, DecodeEveryCodeLikeTheToolkit) {
  for (const auto& c : small_formats) {
    for (unsigned code = 0; code < code_count(c.f); ++code) {
      const unsigned short want = toolkit_half(c.f, code);
      const unsigned short got = sm121::to_half_bits(c.f, code);
      const float want_f = half_bits_to_float(want);
      const float got_f = sm121::to_float(c.f, code);
      if (std::isnan(want_f)) {
        EXPECT_TRUE(std::isnan(half_bits_to_float(got))) << c.name << " code " << code;
        EXPECT_TRUE(std::isnan(got_f)) << c.name << " code " << code;
        EXPECT_TRUE(sm121::is_nan_code(c.f, code)) << c.name << " code " << code;
        continue;
      }
      EXPECT_FALSE(sm121::is_nan_code(c.f, code)) << c.name << " code " << code;
      EXPECT_EQ(got, want) << c.name << " code 0x" << std::hex << code;
      EXPECT_EQ(std::bit_cast<std::uint32_t>(got_f), std::bit_cast<std::uint32_t>(want_f))
          << c.name << " code 0x" << std::hex << code << ": " << got_f << " vs " << want_f;
    }
  }
}

TEST(NarrowCodec, Ue8m0DecodeEveryCodeLikeTheToolkit) {
  for (unsigned code = 0; code < 256; ++code) {
    const std::uint32_t bf = __nv_cvt_e8m0_to_bf16raw(static_cast<__nv_fp8_storage_t>(code)).x;
    const float want = std::bit_cast<float>(bf << 16);
    const float got = sm121::to_float(narrow_format::ue8m0, code);
    if (std::isnan(want)) {
      EXPECT_TRUE(std::isnan(got)) << code;
      continue;
    }
    EXPECT_EQ(got, want) << code;
    EXPECT_EQ(got, std::ldexp(1.0f, static_cast<int>(code) - 127)) << code;
  }
}

// Inputs for the encoders: every f16 value, every bf16 value, each code's
// value, the exact midpoints between neighbouring codes and the floats just
// beside them, float subnormals, huge values, infinities, signed zeros.
std::vector<float> encoder_inputs(narrow_format f) {
  std::vector<float> in;
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    in.push_back(half_bits_to_float(static_cast<unsigned short>(h)));
    in.push_back(std::bit_cast<float>(h << 16));  // bf16
  }
  std::vector<float> values;
  for (unsigned code = 0; code < code_count(f); ++code)
    if (!sm121::is_nan_code(f, code) && !sm121::is_inf_code(f, code)) values.push_back(sm121::to_float(f, code));
  std::sort(values.begin(), values.end());
  for (std::size_t i = 0; i + 1 < values.size(); ++i) {
    const float mid = (values[i] + values[i + 1]) / 2;  // exact: one extra bit
    for (float x : {mid, std::nextafter(mid, -INFINITY), std::nextafter(mid, INFINITY), values[i]}) in.push_back(x);
  }
  for (float x : {1e-45f, -1e-45f, 1e-40f, 3e38f, -3e38f, INFINITY, -INFINITY, 0.0f, -0.0f}) in.push_back(x);
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) in.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(rng())));
  return in;
}

TEST(NarrowCodec, EncodeLikeTheToolkit) {
  for (const auto& c : small_formats) {
    int mismatches = 0;
    for (float x : encoder_inputs(c.f)) {
      if (c.f == narrow_format::ue4m3 && (std::signbit(x) || std::isnan(x))) continue;  // unsigned: see below
      const unsigned want = toolkit_encode(c.f, x);
      const unsigned got = sm121::from_float(c.f, x);
      if (got != want && ++mismatches <= 5)
        ADD_FAILURE() << c.name << " encode " << x << " (0x" << std::hex << std::bit_cast<std::uint32_t>(x)
                      << "): got 0x" << got << ", toolkit 0x" << want;
    }
    EXPECT_EQ(mismatches, 0) << c.name;
  }
}

TEST(NarrowCodec, Ue4m3IsTheNonNegativeHalfOfE4m3) {
  EXPECT_EQ(sm121::from_float(narrow_format::ue4m3, -3.0f), 0u) << "negative inputs clamp to +0";
  EXPECT_EQ(sm121::from_float(narrow_format::ue4m3, 1e9f), 0x7eu) << "saturates to 448";
  EXPECT_EQ(sm121::to_float(narrow_format::ue4m3, 0x7e), 448.0f);
  EXPECT_TRUE(std::isnan(sm121::to_float(narrow_format::ue4m3, 0x7f)));
  EXPECT_EQ(sm121::to_float(narrow_format::ue4m3, 0x38), 1.0f);
  EXPECT_EQ(sm121::to_float(narrow_format::ue4m3, 0x3c), 1.5f);
}

TEST(NarrowCodec, Ue8m0EncodeLikeTheToolkitBothRoundings) {
  std::vector<float> in = encoder_inputs(narrow_format::ue8m0);
  for (int e = -130; e <= 128; ++e)
    for (float m : {1.0f, 1.5f, 1.0000001f, 1.9999999f}) in.push_back(std::ldexp(m, e));
  for (bool up : {false, true}) {
    int mismatches = 0;
    for (float x : in) {
      const unsigned want = __nv_cvt_float_to_e8m0(x, __NV_SATFINITE, up ? cudaRoundPosInf : cudaRoundZero);
      const unsigned got = sm121::ue8m0_from_float(x, up);
      if (got != want && ++mismatches <= 5)
        ADD_FAILURE() << (up ? "rp" : "rz") << " ue8m0 " << x << ": got 0x" << std::hex << got << ", toolkit 0x"
                      << want;
    }
    EXPECT_EQ(mismatches, 0);
  }
  EXPECT_EQ(sm121::ue8m0_from_float(3.0f, false), 128u);  // 2^1
  EXPECT_EQ(sm121::ue8m0_from_float(3.0f, true), 129u);   // 2^2
  EXPECT_EQ(sm121::ue8m0_from_float(-0.25f, false), 125u) << "magnitude";
}

TEST(NarrowCodec, KnownValues) {
  EXPECT_EQ(sm121::to_float(narrow_format::e2m1, 0x7), 6.0f);
  EXPECT_EQ(sm121::to_float(narrow_format::e2m1, 0x1), 0.5f) << "e2m1 subnormal";
  EXPECT_EQ(sm121::to_float(narrow_format::e2m1, 0xf), -6.0f);
  EXPECT_EQ(sm121::to_float(narrow_format::e3m2, 0x1f), 28.0f);
  EXPECT_EQ(sm121::to_float(narrow_format::e2m3, 0x1f), 7.5f);
  EXPECT_EQ(sm121::to_float(narrow_format::e4m3, 0x7e), 448.0f);
  EXPECT_EQ(sm121::to_float(narrow_format::e4m3, 0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(sm121::to_float(narrow_format::e5m2, 0x7b), 57344.0f);
  EXPECT_TRUE(std::isinf(sm121::to_float(narrow_format::e5m2, 0xfc)));
  EXPECT_EQ(sm121::from_float(narrow_format::e2m1, 2.5f), 0x4u) << "tie to even: 2";
  EXPECT_EQ(sm121::from_float(narrow_format::e2m1, 3.5f), 0x6u) << "tie to even: 4";
  EXPECT_EQ(sm121::from_float(narrow_format::e2m1, -100.0f), 0xfu) << "saturates";
  EXPECT_EQ(sm121::from_float(narrow_format::e4m3, 460.0f), 0x7eu) << "satfinite, not NaN";
}

TEST(NarrowCodec, ContainersFollowThePtxPacking) {
  // kind::f8f6f4: e2m1 in the middle four bits, FP6 in the low six, FP8 whole.
  for (unsigned c = 0; c < 16; ++c) EXPECT_EQ(sm121::f8f6f4_container(narrow_format::e2m1, c), c << 2);
  for (unsigned c = 0; c < 64; ++c) {
    EXPECT_EQ(sm121::f8f6f4_container(narrow_format::e3m2, c), c);
    EXPECT_EQ(sm121::f8f6f4_container(narrow_format::e2m3, c), c);
  }
  EXPECT_EQ(sm121::f8f6f4_container(narrow_format::e4m3, 0xab), 0xabu);
  EXPECT_EQ(sm121::f8f6f4_container(narrow_format::e2m1, 0xff), 0x3cu) << "only the code's four bits";
}

TEST(NarrowCodec, FloatToHalfBitsMatchesTheReferenceConversion) {
  std::mt19937 rng(11);
  for (int i = 0; i < 200000; ++i) {
    const float x = std::bit_cast<float>(static_cast<std::uint32_t>(rng()));
    if (std::isnan(x)) continue;
    const unsigned short h = sm121::float_to_half_bits(x);
    const float back = half_bits_to_float(h);
    // Round to nearest even: no f16 value is strictly closer.
    if (std::isinf(back)) {
      EXPECT_GE(std::fabs(x), 65520.0f) << x;
      continue;
    }
    const unsigned short up = static_cast<unsigned short>(h + 1), dn = static_cast<unsigned short>(h - 1);
    for (unsigned short n : {up, dn}) {
      if ((n & 0x7c00u) == 0x7c00u || ((n ^ h) & 0x8000u)) continue;
      EXPECT_LE(std::fabs(back - x), std::fabs(half_bits_to_float(n) - x)) << x;
    }
  }
  for (std::uint32_t h = 0; h < 0x7c00; ++h) EXPECT_EQ(sm121::float_to_half_bits(half_bits_to_float(static_cast<unsigned short>(h))), h);
}

}  // namespace
