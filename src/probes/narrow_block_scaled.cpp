// Block-scaled warp MMA (MX formats and NVFP4): D = (A * scale_A)(B * scale_B) + C.
// Scale factors vary per row, per column and per K chunk, and the scale bytes
// the hardware must not read hold a different valid scale, so both the
// scaling arithmetic and the byte-id / thread-id selection are checked.
// Inputs fit the accumulator budget (narrow_probes.hpp, docs/numerics.md:
// every partial sum needs at most 11 significant bits): the CPU reference must
// match exactly whether the accumulator keeps 23 or 13 mantissa bits.
#include "mma_narrow_layout.cuh"
#include "narrow_ptx.cuh"
#include "narrow_probes.hpp"
#include "sm121probe/probes/registration.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace sm121probe::probe {

namespace {

using sm121::narrow_format;

struct bs_spec {
  const char* id;
  int kind;  // SM121_BS_KIND
  int k;     // 32 or 64
  int vec;   // scale factors per row / column
  narrow_format a, b, sf;
  const char* description;
  const char* details;
  sass_check check;
  std::uint64_t seed;
};

// Scale codes the probes draw from: two values each, so that scale_A * scale_B
// spans a factor of 4 (ue8m0: 1, 2) or 2.25 (ue4m3: 1, 1.5, not a power of
// two), which keeps 32 or 64 scaled products within the accumulator budget.
std::vector<unsigned> scale_codes(narrow_format sf) {
  if (sf == narrow_format::ue8m0) return {127, 128};  // 1, 2
  return {sm121::from_float(narrow_format::ue4m3, 1.0f), sm121::from_float(narrow_format::ue4m3, 1.5f)};
}

// A valid scale that the probe never uses: what unselected bytes and lanes hold.
unsigned filler_code(narrow_format sf) {
  return sf == narrow_format::ue8m0 ? 131u /* 2^4 */ : sm121::from_float(narrow_format::ue4m3, 6.0f);
}

probe make_block_scaled(const bs_spec& s) {
  probe p;
  p.id = s.id;
  p.category = "mma";
  p.description = s.description;
  p.details = s.details;
  p.kernel = "kernels/mma_block_scaled.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "ptx-block-scale"};
  p.variants = narrow::native_and_dequant({fmt::format("-DSM121_BS_KIND={}", s.kind)});
  p.see_also = {"mma.f16"};
  p.sass_checks = {s.check};
  p.make_case = [s](const exec_facts&) {
    lcg rng(s.seed);
    // The value grid: FP4 multiples of 0.5 up to 2 (1.5 for NVFP4, whose scales
    // are not powers of two), FP8 multiples of 0.25 up to 2 (docs/numerics.md).
    const auto draw = [&rng, &s](narrow_format f) {
      if (f != narrow_format::e2m1) return narrow::grid_code(rng, f, 0.25f, 8);
      return narrow::grid_code(rng, f, 0.5f, s.sf == narrow_format::ue4m3 ? 3 : 4);
    };
    std::vector<std::uint8_t> a(static_cast<std::size_t>(16 * s.k)), b(static_cast<std::size_t>(s.k * 8));
    for (auto& x : a) x = static_cast<std::uint8_t>(draw(s.a));
    for (auto& x : b) x = static_cast<std::uint8_t>(draw(s.b));
    const auto codes = scale_codes(s.sf);
    std::vector<std::uint8_t> sfa(static_cast<std::size_t>(16 * s.vec)), sfb(static_cast<std::size_t>(s.vec * 8));
    for (auto& x : sfa) x = static_cast<std::uint8_t>(codes[rng.next() % codes.size()]);
    for (auto& x : sfb) x = static_cast<std::uint8_t>(codes[rng.next() % codes.size()]);
    std::vector<float> c(16 * 8);
    for (auto& x : c) x = static_cast<float>(rng.uniform(-8, 8));
    const int chunk = s.k / s.vec;
    narrow::fit_accumulator_budget(a, 16, 8, s.k, [&](int i, int j) {
      std::vector<double> t{c[static_cast<std::size_t>(i * 8 + j)]};
      for (int k = 0; k < s.k; ++k)
        t.push_back(static_cast<double>(sm121::to_float(s.a, a[static_cast<std::size_t>(i * s.k + k)])) *
                    sm121::to_float(s.sf, sfa[static_cast<std::size_t>(i * s.vec + k / chunk)]) *
                    sm121::to_float(s.b, b[static_cast<std::size_t>(k * 8 + j)]) *
                    sm121::to_float(s.sf, sfb[static_cast<std::size_t>((k / chunk) * 8 + j)]));
      return t;
    });
    test_case tc;
    tc.buffers = {{"A", to_bytes(a)},     {"B", to_bytes(b)}, {"scale_A", to_bytes(sfa)},
                  {"scale_B", to_bytes(sfb)}, {"C", to_bytes(c)},
                  {"D", poisoned(c.size() * sizeof(float))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1), kernel_arg::buffer(2), kernel_arg::buffer(3),
               kernel_arg::buffer(4), kernel_arg::buffer(5), kernel_arg::scalar<unsigned>(filler_code(s.sf))};
    return tc;
  };
  p.reference = [s](const test_case& tc) {
    const auto a = from_bytes<std::uint8_t>(tc.buffers[0].init);
    const auto b = from_bytes<std::uint8_t>(tc.buffers[1].init);
    const auto sfa = from_bytes<std::uint8_t>(tc.buffers[2].init);
    const auto sfb = from_bytes<std::uint8_t>(tc.buffers[3].init);
    const auto c = from_bytes<float>(tc.buffers[4].init);
    const int chunk = s.k / s.vec;
    expectation e;
    e.buffer_index = 5;
    e.type = elem_type::f32;
    e.values.resize(16 * 8);
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 8; ++j) {
        double sum = c[static_cast<std::size_t>(i * 8 + j)];
        for (int k = 0; k < s.k; ++k) {
          const double sa = sm121::to_float(s.sf, sfa[static_cast<std::size_t>(i * s.vec + k / chunk)]);
          const double sb = sm121::to_float(s.sf, sfb[static_cast<std::size_t>((k / chunk) * 8 + j)]);
          sum += sm121::to_float(s.a, a[static_cast<std::size_t>(i * s.k + k)]) * sa *
                 sm121::to_float(s.b, b[static_cast<std::size_t>(k * 8 + j)]) * sb;
        }
        e.values[static_cast<std::size_t>(i * 8 + j)] = sum;
      }
    e.tol = {0.0, 0.0};  // exact within the accumulator budget
    return std::vector<expectation>{e};
  };
  return p;
}

}  // namespace

static probe make_mma_mxf8f6f4() {
  return make_block_scaled(
      {"mma.mxf8f6f4", 0, 32, 1, narrow_format::e4m3, narrow_format::e2m1, narrow_format::ue8m0,
       "Block-scaled warp MMA m16n8k32 .kind::mxf8f6f4, MXFP8 (e4m3) x MXFP4 (e2m1), ue8m0 scales, 1X (QMMA.SF)",
       "OCP microscaling (MX) formats put one power-of-two scale (ue8m0) on every 32 values; this is the "
       "hardware form on Blackwell consumer GPUs, here with mixed operand types (8-bit activations, 4-bit "
       "weights) and non-trivial scales per row and column, selected with non-zero byte-id and thread-id. "
       "It needs sm_121f or sm_121a. The sm80-dequant fallback applies the scales in software and multiplies "
       "in f16.",
       {"QMMA.SF", SM121_PTX_MMA_MXF8F6F4("e4m3", "e2m1"), SM121_OPS_MMA_F32_SCALED}, 330});
}

static probe make_mma_mxf4() {
  return make_block_scaled(
      {"mma.mxf4", 1, 64, 2, narrow_format::e2m1, narrow_format::e2m1, narrow_format::ue8m0,
       "Block-scaled warp MMA m16n8k64 .kind::mxf4, MXFP4 (e2m1, dense), ue8m0 scales, 2X (OMMA.SF)",
       "MXFP4: 4-bit values packed two per byte with a power-of-two scale per 32 values, the format of several "
       "open-weight model releases. On Blackwell consumer GPUs it runs on the dedicated FP4 tensor instruction "
       "(m16n8k64, two scale factors per row and column per instruction). Needs sm_121f or sm_121a; the "
       "sm80-dequant fallback is the software path.",
       {"OMMA.SF", SM121_PTX_MMA_MXF4, SM121_OPS_MMA_F32_SCALED}, 331});
}

static probe make_mma_nvf4() {
  return make_block_scaled(
      {"mma.nvf4", 2, 64, 4, narrow_format::e2m1, narrow_format::e2m1, narrow_format::ue4m3,
       "Block-scaled warp MMA m16n8k64 .kind::mxf4nvf4, NVFP4 (e2m1 with ue4m3 scales per 16 values), 4X",
       "NVFP4, the 4-bit format behind DGX Spark's headline FP4 throughput: e2m1 values with an 8-bit "
       "floating-point (ue4m3) scale per 16 values, four scale factors per row and column per instruction. "
       "Silent garbage has been reported for some FP4 paths, so the probe uses non-power-of-two scales that "
       "differ per chunk and verifies every output exactly. Needs sm_121f or sm_121a; the sm80-dequant "
       "fallback is the software path.",
       {"OMMA.SF", SM121_PTX_MMA_NVF4, SM121_OPS_MMA_F32_SCALED}, 332});
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(410, make_mma_mxf8f6f4);
SM121PROBE_FAMILY(411, make_mma_mxf4);
SM121PROBE_FAMILY(412, make_mma_nvf4);

}  // namespace sm121probe::probe
