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
#include "sm121probe/probe/program.hpp"
#include "sm121probe/probes/registration.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

namespace sm121probe::probe {

namespace {

using sm121::narrow_format;

struct bs_spec {
  std::string id;
  int kind;  // SM121_BS_KIND
  int k;     // 32 or 64
  int vec;   // scale factors per row / column
  narrow_format a, b, sf;
  const char* description;
  const char* details;
  sass_check check;
  std::uint64_t seed;
  bool sel = false;                          // the .sel probe: non-zero selectors
  unsigned bid_a = 0, tid_a = 0, bid_b = 0, tid_b = 0;  // the selectors the kernel uses
};

// --- diagnosis of a wrong block-scaled result (computed on the CPU) ------------
// The kernel fills scale-a-data / scale-b-data per lane with
// sm121::scale_a_reg / scale_b_reg for its selectors. A reading of those
// registers is a hypothesis about the hardware: which lanes (thread-id), which
// bytes (byte-id + chunk, or reversed), and which row of a lane pair. Per the
// PTX ISA ("Block Scaling for mma.sync"): thread-id-a picks lanes with
// lane % 4 in {2t, 2t + 1}, thread-id-b the lanes with lane % 4 == t, byte-id
// the first byte of the chunk's scales.
struct reading {
  std::string name;
  unsigned bid_a, tid_a, bid_b, tid_b;
  bool swap_pair_rows = false, reverse_bytes = false;
};

std::vector<float> output_under(const bs_spec& s, const test_case& tc, const reading& h) {
  const auto a = from_bytes<std::uint8_t>(tc.buffers[0].init);
  const auto b = from_bytes<std::uint8_t>(tc.buffers[1].init);
  const auto sfa = from_bytes<std::uint8_t>(tc.buffers[2].init);
  const auto sfb = from_bytes<std::uint8_t>(tc.buffers[3].init);
  const auto c = from_bytes<float>(tc.buffers[4].init);
  unsigned filler = 0;
  std::memcpy(&filler, tc.args.at(6).value.data(), sizeof filler);
  std::vector<unsigned> ra(32), rb(32);
  for (int lane = 0; lane < 32; ++lane) {
    ra[static_cast<std::size_t>(lane)] = sm121::scale_a_reg(sfa.data(), s.vec, lane, s.bid_a, s.tid_a, filler);
    rb[static_cast<std::size_t>(lane)] = sm121::scale_b_reg(sfb.data(), s.vec, lane, s.bid_b, s.tid_b, filler);
  }
  const auto byte_of = [&h](unsigned reg, unsigned bid, int chunk) {
    const int byte = h.reverse_bytes ? 3 - static_cast<int>(bid) - chunk : static_cast<int>(bid) + chunk;
    return (reg >> (8 * (byte & 3))) & 0xffu;
  };
  const auto sa = [&](int m, int chunk) {
    for (int lane = 0; lane < 32; ++lane) {
      if (((lane & 3) >> 1) != static_cast<int>(h.tid_a)) continue;
      const int row = (lane >> 2) + 8 * ((lane & 1) ^ (h.swap_pair_rows ? 1 : 0));
      if (row == m) return sm121::to_float(s.sf, byte_of(ra[static_cast<std::size_t>(lane)], h.bid_a, chunk));
    }
    return 0.0f;
  };
  const auto sb = [&](int chunk, int n) {
    for (int lane = 0; lane < 32; ++lane)
      if ((lane & 3) == static_cast<int>(h.tid_b) && (lane >> 2) == n)
        return sm121::to_float(s.sf, byte_of(rb[static_cast<std::size_t>(lane)], h.bid_b, chunk));
    return 0.0f;
  };
  const int chunk = s.k / s.vec;
  std::vector<float> d(16 * 8);
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) {
      double sum = c[static_cast<std::size_t>(i * 8 + j)];
      for (int k = 0; k < s.k; ++k)
        sum += static_cast<double>(sm121::to_float(s.a, a[static_cast<std::size_t>(i * s.k + k)])) *
               sm121::to_float(s.b, b[static_cast<std::size_t>(k * 8 + j)]) * sa(i, k / chunk) * sb(k / chunk, j);
      d[static_cast<std::size_t>(i * 8 + j)] = static_cast<float>(sum);
    }
  return d;
}

// The alternative readings tried: every other valid selector pair, and the
// intended selectors with the rows of each lane pair swapped or the bytes reversed.
std::vector<reading> alternative_readings(const bs_spec& s) {
  std::vector<unsigned> bids;
  for (unsigned b = 0; b + static_cast<unsigned>(s.vec) <= 4; b += static_cast<unsigned>(s.vec)) bids.push_back(b);
  std::vector<reading> out;
  for (unsigned ba : bids)
    for (unsigned ta = 0; ta < 2; ++ta)
      for (unsigned bb : bids)
        for (unsigned tb = 0; tb < 4; ++tb) {
          if (ba == s.bid_a && ta == s.tid_a && bb == s.bid_b && tb == s.tid_b) continue;
          out.push_back({fmt::format("selectors {{byte-id-a, thread-id-a}} = {{{}, {}}}, {{byte-id-b, thread-id-b}} = "
                                     "{{{}, {}}} instead of {{{}, {}}}, {{{}, {}}}",
                                     ba, ta, bb, tb, s.bid_a, s.tid_a, s.bid_b, s.tid_b),
                         ba, ta, bb, tb});
        }
  out.push_back({"scale_A rows of each lane pair swapped", s.bid_a, s.tid_a, s.bid_b, s.tid_b, true, false});
  out.push_back({"scale bytes in reversed order", s.bid_a, s.tid_a, s.bid_b, s.tid_b, false, true});
  out.push_back({"scale_A rows of each lane pair swapped and bytes reversed", s.bid_a, s.tid_a, s.bid_b, s.tid_b,
                 true, true});
  return out;
}

// One line for the report: which alternative readings the observed output matches.
std::string diagnose(const bs_spec& s, const test_case& tc, const std::vector<float>& observed) {
  std::vector<std::string> matches;
  const auto alternatives = alternative_readings(s);
  for (const auto& h : alternatives)
    if (output_under(s, tc, h) == observed) matches.push_back(h.name);
  if (matches.empty())
    return fmt::format("scale mapping diagnosis: the output matches none of the {} alternative scale readings tried "
                       "(other selectors, swapped lane-pair rows, reversed byte order)",
                       alternatives.size());
  std::string list;
  for (const auto& m : matches) list += (list.empty() ? "" : "; ") + m;
  return fmt::format("scale mapping diagnosis: the output matches {}", list);
}

program_fn block_scaled_program(bs_spec s) {
  return [s](session& sess, const test_case& tc, const probe& p) {
    if (!sess.load(tc.entry)) return;
    std::vector<placed_buffer> placed;
    const bool launched = sess.stage(report::stage_kind::launch, [&]() -> stage_outcome {
      if (stage_outcome o = place_all(sess, tc, placed); !o.ok) return o;
      param_block params(tc, placed);
      return launch_and_wait(sess, tc.launch, params.data());
    });
    if (!launched) return;
    const bool verified =
        sess.stage(report::stage_kind::verify, [&]() { return verify_outputs(sess, tc, placed, p.reference(tc)); });
    if (verified || sess.context_poisoned()) return;
    std::vector<std::byte> bytes;
    if (sess.read_back(placed.at(5), bytes) != CUDA_SUCCESS) return;
    note(sess, diagnose(s, tc, from_bytes<float>(bytes)));
  };
}

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
  std::vector<std::string> options{fmt::format("-DSM121_BS_KIND={}", s.kind)};
  if (s.sel) options.push_back("-DSM121_BS_SEL=1");
  p.variants = narrow::native_and_dequant(options);
  p.see_also = {"mma.f16"};
  p.sass_checks = {s.check};
  p.program = block_scaled_program(s);
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


// The three verdict-bearing cases use selectors {0, 0} (CUTLASS's layout);
// with_selectors() makes the .sel case of each with the non-zero selectors
// of narrow_ptx.cuh.
bs_spec with_selectors(bs_spec s, const char* ptx, unsigned ba, unsigned ta, unsigned bb, unsigned tb) {
  s.id += ".sel";
  s.sel = true;
  s.bid_a = ba;
  s.tid_a = ta;
  s.bid_b = bb;
  s.tid_b = tb;
  s.check.ptx = ptx;
  s.seed += 100;
  s.description = "";
  return s;
}

probe finish_sel(const bs_spec& s, const std::string& base) {
  probe p = make_block_scaled(s);
  p.description = fmt::format("{} with non-zero scale selectors {{byte-id, thread-id}} A {{{}, {}}}, B {{{}, {}}}", base,
                              s.bid_a, s.tid_a, s.bid_b, s.tid_b);
  p.details = fmt::format(
      "The same block-scaled MMA as {}, with the scale factors supplied through non-zero byte-id / thread-id "
      "selectors (every byte and lane the hardware must not read holds a different valid scale). The verdict case "
      "{} uses selectors 0 like CUTLASS; this one shows whether the other selector values work as the PTX ISA "
      "describes. On a verify failure the report says which alternative scale reading the output matches.",
      base, base);
  return p;
}

bs_spec mxf8f6f4_spec() {
  return {"mma.mxf8f6f4", 0, 32, 1, narrow_format::e4m3, narrow_format::e2m1, narrow_format::ue8m0,
          "Block-scaled warp MMA m16n8k32 .kind::mxf8f6f4, MXFP8 (e4m3) x MXFP4 (e2m1), ue8m0 scales, 1X (QMMA.SF)",
          "OCP microscaling (MX) formats put one power-of-two scale (ue8m0) on every 32 values; this is the "
          "hardware form on Blackwell consumer GPUs, here with mixed operand types (8-bit activations, 4-bit "
          "weights) and scales that differ per row and column, with selectors 0 (the .sel probe uses the others). "
          "It needs sm_121f or sm_121a. The sm80-dequant fallback applies the scales in software and multiplies "
          "in f16.",
          {"QMMA.SF", SM121_PTX_MMA_MXF8F6F4_SEL0("e4m3", "e2m1"), SM121_OPS_MMA_F32_SCALED}, 330};
}

bs_spec mxf4_spec() {
  return {"mma.mxf4", 1, 64, 2, narrow_format::e2m1, narrow_format::e2m1, narrow_format::ue8m0,
          "Block-scaled warp MMA m16n8k64 .kind::mxf4, MXFP4 (e2m1, dense), ue8m0 scales, 2X (OMMA.SF)",
          "MXFP4: 4-bit values packed two per byte with a power-of-two scale per 32 values, the format of several "
          "open-weight model releases. On Blackwell consumer GPUs it runs on the dedicated FP4 tensor instruction "
          "(m16n8k64, two scale factors per row and column per instruction, selectors 0 here). Needs sm_121f or "
          "sm_121a; the sm80-dequant fallback is the software path.",
          {"OMMA.SF", SM121_PTX_MMA_MXF4_SEL0, SM121_OPS_MMA_F32_SCALED}, 331};
}

bs_spec nvf4_spec() {
  return {"mma.nvf4", 2, 64, 4, narrow_format::e2m1, narrow_format::e2m1, narrow_format::ue4m3,
          "Block-scaled warp MMA m16n8k64 .kind::mxf4nvf4, NVFP4 (e2m1 with ue4m3 scales per 16 values), 4X",
          "NVFP4, the 4-bit format behind DGX Spark's headline FP4 throughput: e2m1 values with an 8-bit "
          "floating-point (ue4m3) scale per 16 values, four scale factors per row and column per instruction "
          "(selectors 0 here). Silent garbage has been reported for some FP4 paths, so the probe uses a scale "
          "that is not a power of two, differing per chunk, and verifies every output exactly. Needs sm_121f or "
          "sm_121a; the sm80-dequant fallback is the software path.",
          {"OMMA.SF", SM121_PTX_MMA_NVF4_SEL0, SM121_OPS_MMA_F32_SCALED}, 332};
}

}  // namespace

static probe make_mma_mxf8f6f4() { return make_block_scaled(mxf8f6f4_spec()); }
static probe make_mma_mxf4() { return make_block_scaled(mxf4_spec()); }
static probe make_mma_nvf4() { return make_block_scaled(nvf4_spec()); }
static probe make_mma_mxf8f6f4_sel() {
  return finish_sel(with_selectors(mxf8f6f4_spec(), SM121_PTX_MMA_MXF8F6F4("e4m3", "e2m1"), SM121_MXF8F6F4_SEL_A_BYTE,
                                   SM121_MXF8F6F4_SEL_A_THREAD, SM121_MXF8F6F4_SEL_B_BYTE, SM121_MXF8F6F4_SEL_B_THREAD),
                    "mma.mxf8f6f4");
}
static probe make_mma_mxf4_sel() {
  return finish_sel(with_selectors(mxf4_spec(), SM121_PTX_MMA_MXF4, SM121_MXF4_SEL_A_BYTE, SM121_MXF4_SEL_A_THREAD,
                                   SM121_MXF4_SEL_B_BYTE, SM121_MXF4_SEL_B_THREAD),
                    "mma.mxf4");
}
static probe make_mma_nvf4_sel() {
  return finish_sel(with_selectors(nvf4_spec(), SM121_PTX_MMA_NVF4, SM121_NVF4_SEL_A_BYTE, SM121_NVF4_SEL_A_THREAD,
                                   SM121_NVF4_SEL_B_BYTE, SM121_NVF4_SEL_B_THREAD),
                    "mma.nvf4");
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(410, make_mma_mxf8f6f4);
SM121PROBE_FAMILY(411, make_mma_mxf4);
SM121PROBE_FAMILY(412, make_mma_nvf4);
SM121PROBE_FAMILY(417, make_mma_mxf8f6f4_sel);
SM121PROBE_FAMILY(418, make_mma_mxf4_sel);
SM121PROBE_FAMILY(419, make_mma_nvf4_sel);

}  // namespace sm121probe::probe
