// The tensor-core instruction sets that GB10 does not have: datacenter
// Blackwell's tcgen05 (Tensor Memory) and Hopper's wgmma. Each probe attempts
// one instruction set, twice: compiled for the device's own architecture
// (plain, family, arch-specific; on sm_12x ptxas rejects every form and the
// message is kept), and compiled for the architecture that has it, whose
// image is then loaded on the device (elsewhere the driver refuses it and the
// error is kept). No fallback variant: the verdict is native or failing, and a
// failure points at the mma.* probes, the path software takes instead.
//
// The kernels follow the PTX ISA for descriptors, TMEM allocation, commits,
// barriers and fences, but they have only been compiled (sm_100a / sm_90a
// images are produced and inspected offline); nobody has run them here.
#include "feature_tc_layout.cuh"
#include "sm121probe/probes/registration.hpp"

#include <cstdint>

namespace sm121probe::probe {

namespace {

// Values k/2 with |k| <= 4: exact in f16; 16-term dot products of them are
// multiples of 1/4 below 2^7, exact in f32, so the reference is exact.
double small_value(lcg& rng) { return rng.uniform(-4, 4) / 2.0; }

std::vector<std::uint16_t> half_matrix(lcg& rng, std::size_t n, std::vector<double>& values) {
  std::vector<std::uint16_t> h(n);
  values.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    values[i] = small_value(rng);
    h[i] = float_to_half(static_cast<float>(values[i]));
  }
  return h;
}

std::vector<double> halves(const std::vector<std::byte>& bytes) {
  std::vector<double> out(bytes.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = read_element(bytes, elem_type::f16, i);
  return out;
}

// A (m x k) times B (k x n), both row-major, plus C (row-major, may be empty).
std::vector<double> matmul(const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>& c,
                           std::size_t m, std::size_t n, std::size_t k) {
  std::vector<double> d(m * n);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double acc = c.empty() ? 0.0 : c[i * n + j];
      for (std::size_t p = 0; p < k; ++p) acc += a[i * k + p] * b[p * n + j];
      d[i * n + j] = acc;
    }
  return d;
}

std::vector<variant> native_and(const char* label, const char* target) {
  return {variant{"native", target_spec::native(), false, {}},
          variant{label, target_spec::fixed(target), false, {}}};
}

constexpr const char* tcgen05_context =
    " tcgen05 and Tensor Memory belong to datacenter Blackwell (sm_100a/f, sm_103a/f, sm_110a/f); on DGX Spark "
    "(sm_121) ptxas rejects it for plain, family and arch-specific targets, and the sm_100a image is refused by "
    "the driver, so a library that only has a tcgen05 kernel for Blackwell has nothing that runs on GB10. The "
    "5th-generation tensor-core formats (FP8, FP6, FP4, block-scaled) are reached on sm_12x through warp-level "
    "mma.sync instead (see the mma.* probes). The kernel follows the PTX ISA but has only been compiled, never "
    "run, by this project.";

}  // namespace

static probe make_tcgen05_alloc() {
  probe p;
  p.id = "tcgen05.alloc";
  p.category = "tensor-core";
  p.description = "Tensor Memory allocation: tcgen05.alloc (32 and 64 columns), relinquish_alloc_permit, dealloc";
  p.details = std::string(
                  "One warp allocates two Tensor Memory ranges, gives up the right to allocate more and publishes "
                  "the addresses through shared memory; every thread checks that the ranges are in lane 0, inside "
                  "the 512 columns and disjoint, then the warp frees them.") +
              tcgen05_context;
  p.kernel = "kernels/tcgen05_alloc.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"failing", "failing", "failing", "failing", "native", "failing", "failing"}, "ptx-tcgen05"};
  p.variants = native_and("sm100a", "sm_100a");
  p.see_also = {"mma.*"};
  p.make_case = [](const exec_facts&) {
    test_case tc;
    tc.launch.block = {128, 1, 1};
    tc.buffers = {{"checks", poisoned(4 * sizeof(std::uint32_t))}};
    tc.args = {kernel_arg::buffer(0)};
    return tc;
  };
  p.reference = [](const test_case&) {
    return std::vector<expectation>{{0, elem_type::u32, {1, 1, 1, 1}, {}}};
  };
  return p;
}

static probe make_tcgen05_mma() {
  probe p;
  p.id = "tcgen05.mma";
  p.category = "tensor-core";
  p.description = "tcgen05.mma kind::f16, one 128x16x16 tile into Tensor Memory, commit to an mbarrier, read back";
  p.details = std::string(
                  "A single thread issues tcgen05.mma.cta_group::1.kind::f16 on f16 operands staged in shared "
                  "memory (K-major, no swizzle, described by shared-memory descriptors) with an f32 accumulator in "
                  "freshly allocated Tensor Memory; tcgen05.commit signals an mbarrier, and the four warps read "
                  "the 128x16 result with tcgen05.ld and compare it with the exact CPU product.") +
              tcgen05_context;
  p.kernel = "kernels/tcgen05_mma.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"failing", "failing", "failing", "failing", "native", "failing", "failing"}, "ptx-tcgen05"};
  p.variants = native_and("sm100a", "sm_100a");
  p.see_also = {"mma.*"};
  p.make_case = [](const exec_facts&) {
    lcg rng(0x7c05);
    std::vector<double> a, b;
    test_case tc;
    tc.launch.block = {128, 1, 1};
    tc.buffers = {{"A", to_bytes(half_matrix(rng, 128 * 16, a))},
                  {"B", to_bytes(half_matrix(rng, 16 * 16, b))},
                  {"D", poisoned(128 * 16 * sizeof(float))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1), kernel_arg::buffer(2)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    return std::vector<expectation>{
        {2, elem_type::f32, matmul(halves(tc.buffers[0].init), halves(tc.buffers[1].init), {}, 128, 16, 16), {}}};
  };
  return p;
}

static probe make_tcgen05_ld() {
  probe p;
  p.id = "tcgen05.ld";
  p.category = "tensor-core";
  p.description = "Register <-> Tensor Memory round trip: tcgen05.st 32x32b.x8, tcgen05.ld 32x32b.x4 at two column offsets";
  p.details = std::string(
                  "Each warp stores eight words per thread into its quarter of the 128 Tensor Memory lanes, waits "
                  "for the stores, and loads them back from two column offsets in swapped order; every word must "
                  "come back where the column addressing says. tcgen05.ld is how a Blackwell epilogue gets the "
                  "accumulators out of Tensor Memory.") +
              tcgen05_context;
  p.kernel = "kernels/tcgen05_ld.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"failing", "failing", "failing", "failing", "native", "failing", "failing"}, "ptx-tcgen05"};
  p.variants = native_and("sm100a", "sm_100a");
  p.see_also = {"mma.*"};
  p.make_case = [](const exec_facts&) {
    std::vector<std::uint32_t> in(128 * 8);
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint32_t>((i + 1) * 0x9e3779b9u);
    test_case tc;
    tc.launch.block = {128, 1, 1};
    tc.buffers = {{"in", to_bytes(in)}, {"out", poisoned(in.size() * sizeof(std::uint32_t))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const auto in = from_bytes<std::uint32_t>(tc.buffers[0].init);
    expectation e{1, elem_type::u32, std::vector<double>(in.size()), {}};
    for (std::size_t t = 0; t < 128; ++t)
      for (std::size_t j = 0; j < 4; ++j) {
        e.values[t * 8 + j] = in[t * 8 + 4 + j];  // columns 4-7 were read first
        e.values[t * 8 + 4 + j] = in[t * 8 + j];
      }
    return std::vector<expectation>{e};
  };
  return p;
}

static probe make_wgmma_mma_async() {
  probe p;
  p.id = "wgmma.mma_async";
  p.category = "tensor-core";
  p.description = "Hopper warpgroup MMA: wgmma.mma_async m64n8k16 f16 -> f32 with shared-memory descriptors";
  p.details =
      "One warpgroup (four warps) computes a 64x8 tile D = A*B + C with wgmma.mma_async.m64n8k16.f32.f16.f16, "
      "both operands read from shared memory through matrix descriptors (K-major, no swizzle), C entering "
      "through the accumulator registers, and wgmma.fence / commit_group / wait_group around it; the result is "
      "compared with the exact CPU product. wgmma exists only on sm_90a (Hopper): ptxas rejects it for "
      "datacenter and consumer Blackwell alike, and the sm_90a image does not load on DGX Spark. Hopper-tuned "
      "kernels (FlashAttention-3, CUTLASS sm90 GEMMs) therefore cannot run on GB10, which uses warp-level "
      "mma.sync instead (the mma.* probes: \"Ampere mode\"). The kernel follows the PTX ISA but has only been "
      "compiled, never run, by this project.";
  p.kernel = "kernels/wgmma_f16.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"failing", "failing", "failing", "native", "failing", "failing", "failing"}, "ptx-wgmma"};
  p.variants = native_and("sm90a", "sm_90a");
  p.see_also = {"mma.*"};
  p.make_case = [](const exec_facts&) {
    lcg rng(0x90a);
    std::vector<double> a, b;
    std::vector<float> c(64 * 8);
    test_case tc;
    tc.launch.block = {128, 1, 1};
    const auto ha = half_matrix(rng, 64 * 16, a);
    const auto hb = half_matrix(rng, 16 * 8, b);
    for (auto& x : c) x = static_cast<float>(rng.uniform(-8, 8));
    tc.buffers = {{"A", to_bytes(ha)},
                  {"B", to_bytes(hb)},
                  {"C", to_bytes(c)},
                  {"D", poisoned(64 * 8 * sizeof(float))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1), kernel_arg::buffer(2), kernel_arg::buffer(3)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const auto c = from_bytes<float>(tc.buffers[2].init);
    return std::vector<expectation>{{3, elem_type::f32,
                                     matmul(halves(tc.buffers[0].init), halves(tc.buffers[1].init),
                                            std::vector<double>(c.begin(), c.end()), 64, 8, 16),
                                     {}}};
  };
  return p;
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(500, make_tcgen05_alloc);
SM121PROBE_FAMILY(501, make_tcgen05_mma);
SM121PROBE_FAMILY(502, make_tcgen05_ld);
SM121PROBE_FAMILY(503, make_wgmma_mma_async);

}  // namespace sm121probe::probe
