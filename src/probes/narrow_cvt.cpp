// The hardware conversions between f32/f16/bf16 and the narrow formats
// (cvt ... .e2m1x2 / .e3m2x2 / .e2m3x2 / .e4m3x2 / .e5m2x2 / .ue8m0x2), both
// directions where the PTX ISA has them. Decoders get every code, in both
// halves of the packed pair; encoders get every code's value (round trip),
// the exact midpoints between neighbouring values and the floats next to them
// (round to nearest even), values beyond the range and infinities (satfinite).
// NaN inputs go to the FP4/FP6 encoders only, where the PTX ISA defines the
// result (positive MAX_NORM); for FP8 it is "a NaN" without a fixed pattern.
// The CPU reference is the codec of
// kernels/narrow_formats.cuh, itself checked against the toolkit's host
// conversions over every code (tests/unit/narrow_codec_test.cpp).
#include "narrow_ptx.cuh"
#include "narrow_probes.hpp"
#include "sm121probe/probes/registration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace sm121probe::probe {

namespace {

using sm121::narrow_format;

struct cvt_spec {
  const char* id;
  int group;                           // SM121_CVT_GROUP
  std::vector<narrow_format> decoders;  // one block of dec_in per entry
  // One block of enc_in per entry: the format, and for ue8m0 the rounding (true = rp).
  std::vector<std::pair<narrow_format, bool>> encoders;
  const char* description;
  const char* details;
  std::vector<sass_check> checks;
  expected_verdicts expected;  // on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121, and why
};

// Packed pair of codes for the decoders: `lo` in the low part.
unsigned short pack_pair(narrow_format f, unsigned lo, unsigned hi) {
  const int shift = f == narrow_format::e2m1 ? 4 : 8;
  return static_cast<unsigned short>(lo | (hi << shift));
}

std::vector<float> encoder_values(narrow_format f, bool ue8m0) {
  std::vector<float> v;
  if (ue8m0) {
    // Powers of two and values between them over the whole normal f32 range.
    for (int e = -126; e <= 127; ++e)
      for (float m : {1.0f, 1.5f, 1.0000001f, 1.9999999f})
        if (!(e == 127 && m > 1.5f)) v.push_back(std::ldexp(m, e));
    for (float x : {3.0e38f, INFINITY, 0.7f, 1.3f, 5.0f, 1000.0f}) v.push_back(x);
    return v;
  }
  std::vector<float> values;
  const unsigned n = 1u << sm121::info(f).bits;
  for (unsigned code = 0; code < n; ++code)
    if (!sm121::is_nan_code(f, code) && !sm121::is_inf_code(f, code)) values.push_back(sm121::to_float(f, code));
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());  // +0 and -0 compare equal
  for (std::size_t i = 0; i < values.size(); ++i) {
    v.push_back(values[i]);
    if (i + 1 < values.size()) {
      const float mid = (values[i] + values[i + 1]) / 2;  // exact: one more bit than the format
      v.push_back(mid);
      v.push_back(std::nextafter(mid, -INFINITY));
      v.push_back(std::nextafter(mid, INFINITY));
    }
  }
  const float top = values.back();
  for (float x : {-0.0f, top * 1.0625f, top * 4.0f, -top * 4.0f, 1e30f, -1e30f, INFINITY, -INFINITY, 1e-30f, -1e-30f})
    v.push_back(x);
  if (f == narrow_format::e2m1 || f == narrow_format::e3m2 || f == narrow_format::e2m3) {
    v.push_back(NAN);
    v.push_back(-NAN);
  }
  return v;
}

unsigned encode(narrow_format f, bool round_up, float x) {
  return f == narrow_format::ue8m0 ? sm121::ue8m0_from_float(x, round_up) : sm121::from_float(f, x);
}

probe make_cvt(const cvt_spec& s) {
  probe p;
  p.id = s.id;
  p.category = "cvt";
  p.description = s.description;
  p.details = s.details;
  p.kernel = "kernels/cvt_narrow.cu";
  p.expected = s.expected;
  p.variants = {variant{"native", target_spec::native(), false, {fmt::format("-DSM121_CVT_GROUP={}", s.group)}}};
  p.sass_checks = s.checks;
  p.make_case = [s](const exec_facts&) {
    const unsigned n_codes = 1u << sm121::info(s.decoders.front()).bits;
    std::vector<std::uint16_t> dec_in;
    for (const narrow_format f : s.decoders)
      for (unsigned i = 0; i < n_codes; ++i) dec_in.push_back(pack_pair(f, i, n_codes - 1 - i));
    // Every encoder block has the same number of pairs: the longest value list, padded with zeros.
    std::vector<std::vector<float>> lists;
    std::size_t longest = 0;
    for (const auto& [f, up] : s.encoders) {
      lists.push_back(encoder_values(f, f == narrow_format::ue8m0));
      longest = std::max(longest, lists.back().size());
    }
    const std::size_t pairs = (longest + 1) / 2;
    std::vector<float> enc_in;
    for (auto& l : lists) {
      l.resize(2 * pairs, s.encoders.front().first == narrow_format::ue8m0 ? 1.0f : 0.0f);
      enc_in.insert(enc_in.end(), l.begin(), l.end());
    }
    test_case tc;
    tc.launch.grid = {1, 1, 1};
    tc.launch.block = {256, 1, 1};
    tc.buffers = {{"dec_in", to_bytes(dec_in)},
                  {"dec_out", poisoned(dec_in.size() * sizeof(std::uint32_t))},
                  {"enc_in", to_bytes(enc_in)},
                  {"enc_out", poisoned(pairs * s.encoders.size() * sizeof(std::uint16_t))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1), kernel_arg::buffer(2), kernel_arg::buffer(3),
               kernel_arg::scalar<int>(static_cast<int>(n_codes)), kernel_arg::scalar<int>(static_cast<int>(pairs))};
    return tc;
  };
  p.reference = [s](const test_case& tc) {
    const auto dec_in = from_bytes<std::uint16_t>(tc.buffers[0].init);
    const auto enc_in = from_bytes<float>(tc.buffers[2].init);
    const std::size_t n_codes = dec_in.size() / s.decoders.size();
    expectation dec;
    dec.buffer_index = 1;
    dec.type = s.decoders.front() == narrow_format::ue8m0 ? elem_type::bf16 : elem_type::f16;
    for (std::size_t v = 0; v < s.decoders.size(); ++v)
      for (std::size_t i = 0; i < n_codes; ++i) {
        const narrow_format f = s.decoders[v];
        const unsigned packed = dec_in[v * n_codes + i];
        const int shift = f == narrow_format::e2m1 ? 4 : 8;
        const unsigned lo = packed & ((1u << shift) - 1u), hi = packed >> shift;
        dec.values.push_back(sm121::to_float(f, lo));  // low half of the result
        dec.values.push_back(sm121::to_float(f, hi));
      }
    expectation enc;
    enc.buffer_index = 3;
    enc.type = elem_type::u16;
    const std::size_t pairs = enc_in.size() / 2 / s.encoders.size();
    for (std::size_t v = 0; v < s.encoders.size(); ++v)
      for (std::size_t i = 0; i < pairs; ++i) {
        const auto [f, up] = s.encoders[v];
        const std::size_t k = v * pairs + i;
        const unsigned a = encode(f, up, enc_in[2 * k]), b = encode(f, up, enc_in[2 * k + 1]);
        enc.values.push_back(static_cast<double>(f == narrow_format::e2m1 ? (a << 4) | b : (a << 8) | b));
      }
    return std::vector<expectation>{dec, enc};
  };
  return p;
}

}  // namespace

static probe make_cvt_fp4() {
  return make_cvt({"cvt.fp4",
                   0,
                   {narrow_format::e2m1},
                   {{narrow_format::e2m1, false}},
                   "Hardware FP4 conversions: f32 -> e2m1x2 (rn, satfinite) and e2m1x2 -> f16x2, every code",
                   "Quantising activations to FP4 on the fly (NVFP4/MXFP4 inference) and dequantising FP4 weights "
                   "both go through these cvt forms; they need sm_121f or sm_121a (sm_100a/f on datacenter "
                   "Blackwell). The probe checks all 16 codes in both nibbles, round-to-nearest-even at every "
                   "midpoint and saturation, against a CPU codec that matches the CUDA toolkit's cuda_fp4.h.",
                   {{"F2FP", SM121_PTX_CVT_F32_TO_E2M1X2, SM121_OPS_CVT_PACK16},
                    {"F2FP", SM121_PTX_CVT_E2M1X2_TO_F16X2, SM121_OPS_CVT_UNPACK16}},
                   {{"failing", "failing", "failing", "failing", "native", "native", "native"}, "ptx-cvt"}});
}

static probe make_cvt_fp6() {
  return make_cvt({"cvt.fp6",
                   1,
                   {narrow_format::e3m2, narrow_format::e2m3},
                   {{narrow_format::e3m2, false}, {narrow_format::e2m3, false}},
                   "Hardware FP6 conversions: f32 -> e3m2x2/e2m3x2 and back to f16x2, every code",
                   "MXFP6 (e3m2 and e2m3, six bits in a byte with two zero bits on top) is the middle ground "
                   "between FP8 and FP4 in the OCP MX formats. Its cvt forms need sm_121f or sm_121a. All 64 "
                   "codes of both formats are decoded, and encoding is checked at every value, midpoint and "
                   "beyond the range.",
                   {{"F2FP", SM121_PTX_CVT_F32_TO_X2("e3m2"), SM121_OPS_CVT_PACK16},
                    {"F2FP", SM121_PTX_CVT_X2_TO_F16X2("e3m2"), SM121_OPS_CVT_UNPACK16},
                    {"F2FP", SM121_PTX_CVT_F32_TO_X2("e2m3"), SM121_OPS_CVT_PACK16},
                    {"F2FP", SM121_PTX_CVT_X2_TO_F16X2("e2m3"), SM121_OPS_CVT_UNPACK16}},
                   {{"failing", "failing", "failing", "failing", "native", "native", "native"}, "ptx-cvt"}});
}

static probe make_cvt_fp8() {
  return make_cvt({"cvt.fp8",
                   2,
                   {narrow_format::e4m3, narrow_format::e5m2},
                   {{narrow_format::e4m3, false}, {narrow_format::e5m2, false}},
                   "Hardware FP8 conversions: f32 -> e4m3x2/e5m2x2 (rn, satfinite) and back to f16x2, every code",
                   "FP8 casts (e4m3 for weights and activations, e5m2 for gradients) run in every FP8 inference "
                   "and training step. These cvt forms exist since sm_89 and need no special target; all 256 "
                   "codes of both formats are decoded (including NaN and, for e5m2, infinities) and encoding is "
                   "checked at every value, midpoint and beyond the range.",
                   {{"F2FP", SM121_PTX_CVT_F32_TO_X2("e4m3"), SM121_OPS_CVT_PACK16},
                    {"F2FP", SM121_PTX_CVT_X2_TO_F16X2("e4m3"), SM121_OPS_CVT_UNPACK16},
                    {"F2FP", SM121_PTX_CVT_F32_TO_X2("e5m2"), SM121_OPS_CVT_PACK16},
                    {"F2FP", SM121_PTX_CVT_X2_TO_F16X2("e5m2"), SM121_OPS_CVT_UNPACK16}},
                   {{"failing", "failing", "native", "native", "native", "native", "native"}, "ptx-cvt"}});
}

static probe make_cvt_ue8m0() {
  return make_cvt({"cvt.ue8m0",
                   3,
                   {narrow_format::ue8m0},
                   {{narrow_format::ue8m0, false}, {narrow_format::ue8m0, true}},
                   "Hardware ue8m0 scale conversions: f32 -> ue8m0x2 (rz and rp, satfinite) and ue8m0x2 -> bf16x2",
                   "ue8m0 is the power-of-two scale factor of the MX formats: quantisation kernels compute it "
                   "from a block's maximum with these conversions (rounding up so that the scaled values fit). "
                   "They need sm_121f or sm_121a. All 256 codes are decoded (0xff is NaN, 0 is 2^-127, a bf16 "
                   "subnormal) and both roundings are checked across the whole normal f32 range.",
                   {{"F2FP", SM121_PTX_CVT_F32_TO_UE8M0X2("rz"), SM121_OPS_CVT_PACK16},
                    {"F2FP", SM121_PTX_CVT_F32_TO_UE8M0X2("rp"), SM121_OPS_CVT_PACK16},
                    {"F2FP", SM121_PTX_CVT_UE8M0X2_TO_BF16X2, SM121_OPS_CVT_UNPACK16}},
                   {{"failing", "failing", "failing", "failing", "native", "native", "native"}, "ptx-cvt"}});
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(430, make_cvt_fp4);
SM121PROBE_FAMILY(431, make_cvt_fp6);
SM121PROBE_FAMILY(432, make_cvt_fp8);
SM121PROBE_FAMILY(433, make_cvt_ue8m0);

}  // namespace sm121probe::probe
