// Sparse FP4 warp MMA (mma.sp::ordered_metadata): kind::f8f6f4 with e2m1
// operands, and the block-scaled kind::mxf4 / kind::mxf4nvf4 forms behind
// GB10's sparse-FP4 peak. A is 2:4 structured (stored compressed); the
// metadata keeps the first two elements of every group and B has equal rows
// within every group of eight K rows (kernels/mma_sparse.cu), so the CPU
// reference needs only which K group a compressed element belongs to. Inputs
// fit the 11-bit accumulator budget (docs/numerics.md).
#include "probes.hpp"
#include "mma_narrow_layout.cuh"
#include "narrow_probes.hpp"
#include "narrow_ptx.cuh"
#include "sm121probe/probes/registration.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace sm121probe::probe {

namespace {

using sm121::narrow_format;

struct sp_spec {
  const char* id;
  int kind;  // SM121_SP_KIND
  int k;     // 64 or 128 (uncompressed K)
  int vec;   // scale factors per row / column (1 and no scales for kind 0)
  narrow_format sf;
  const char* description;
  const char* details;
  std::uint64_t seed;
};

constexpr unsigned sparse_metadata = 0x44444444u;  // keep elements 0 and 1 of every group

probe make_sparse(const sp_spec& s) {
  probe p;
  p.id = s.id;
  p.category = "mma";
  p.description = s.description;
  p.details = s.details;
  p.kernel = "kernels/mma_sparse.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why: the FP4
  // sparse forms exist on sm_120a/f and sm_121a/f (block-scaled: the `a` targets only); no fallback
  // variant, so older targets (and sm_100, where mma.sync has no FP4 kinds) read failing.
  p.expected = {{"failing", "failing", "failing", "failing", "failing", "native", "native"}, "ptx-mma-sparse-fp4"};
  p.variants = native_only();
  p.variants[0].options = {fmt::format("-DSM121_SP_KIND={}", s.kind)};
  p.see_also = {s.kind == 0 ? "mma.f8f6f4.e2m1" : s.kind == 1 ? "mma.mxf4" : "mma.nvf4"};
  p.make_case = [s](const exec_facts&) {
    lcg rng(s.seed);
    const int kc = s.k / 2, groups = s.k / 8, chunk = s.k / s.vec;
    const bool scaled = s.kind != 0;
    const auto draw = [&rng, &s, scaled] {
      return narrow::grid_code(rng, narrow_format::e2m1, 0.5f, !scaled ? 12 : s.sf == narrow_format::ue4m3 ? 3 : 4);
    };
    std::vector<std::uint8_t> a(static_cast<std::size_t>(16 * kc)), b(static_cast<std::size_t>(s.k * 8));
    for (auto& x : a) x = static_cast<std::uint8_t>(draw());
    for (int grp = 0; grp < groups; ++grp)
      for (int j = 0; j < 8; ++j) {
        const auto v = static_cast<std::uint8_t>(draw());
        for (int r = 0; r < 8; ++r) b[static_cast<std::size_t>((8 * grp + r) * 8 + j)] = v;
      }
    std::vector<std::uint8_t> sfa(static_cast<std::size_t>(16 * s.vec), 0), sfb(static_cast<std::size_t>(s.vec * 8), 0);
    if (scaled) {
      const unsigned one = s.sf == narrow_format::ue8m0 ? 127u : sm121::from_float(narrow_format::ue4m3, 1.0f);
      const unsigned other = s.sf == narrow_format::ue8m0 ? 128u : sm121::from_float(narrow_format::ue4m3, 1.5f);
      for (auto& x : sfa) x = static_cast<std::uint8_t>(rng.next() % 2 ? one : other);
      for (auto& x : sfb) x = static_cast<std::uint8_t>(rng.next() % 2 ? one : other);
    }
    std::vector<float> c(16 * 8);
    for (auto& x : c) x = static_cast<float>(rng.uniform(-8, 8));
    const auto sc = [&](const std::vector<std::uint8_t>& v, std::size_t i) {
      return scaled ? static_cast<double>(sm121::to_float(s.sf, v[i])) : 1.0;
    };
    narrow::fit_accumulator_budget(a, 16, 8, kc, [&](int i, int j) {
      std::vector<double> terms{c[static_cast<std::size_t>(i * 8 + j)]};
      for (int e = 0; e < kc; ++e) {
        const int k = 8 * (e / 4);  // the K group of compressed element e
        terms.push_back(static_cast<double>(sm121::to_float(narrow_format::e2m1, a[static_cast<std::size_t>(i * kc + e)])) *
                        sm121::to_float(narrow_format::e2m1, b[static_cast<std::size_t>(k * 8 + j)]) *
                        sc(sfa, static_cast<std::size_t>(i * s.vec + k / chunk)) *
                        sc(sfb, static_cast<std::size_t>((k / chunk) * 8 + j)));
      }
      return terms;
    });
    const unsigned filler = s.sf == narrow_format::ue8m0 ? 131u : sm121::from_float(narrow_format::ue4m3, 6.0f);
    test_case tc;
    tc.buffers = {{"A", to_bytes(a)},     {"B", to_bytes(b)}, {"scale_A", to_bytes(sfa)},
                  {"scale_B", to_bytes(sfb)}, {"C", to_bytes(c)}, {"D", poisoned(c.size() * sizeof(float))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1), kernel_arg::buffer(2),
               kernel_arg::buffer(3), kernel_arg::buffer(4), kernel_arg::buffer(5),
               kernel_arg::scalar<unsigned>(sparse_metadata), kernel_arg::scalar<unsigned>(filler)};
    return tc;
  };
  p.reference = [s](const test_case& tc) {
    const auto a = from_bytes<std::uint8_t>(tc.buffers[0].init);
    const auto b = from_bytes<std::uint8_t>(tc.buffers[1].init);
    const auto sfa = from_bytes<std::uint8_t>(tc.buffers[2].init);
    const auto sfb = from_bytes<std::uint8_t>(tc.buffers[3].init);
    const auto c = from_bytes<float>(tc.buffers[4].init);
    const int kc = s.k / 2, chunk = s.k / s.vec;
    expectation e;
    e.buffer_index = 5;
    e.type = elem_type::f32;
    e.values.resize(16 * 8);
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 8; ++j) {
        double sum = c[static_cast<std::size_t>(i * 8 + j)];
        for (int x = 0; x < kc; ++x) {
          const int k = 8 * (x / 4) + (x % 4);  // kept positions of the group (any reading gives the same B row)
          double v = static_cast<double>(sm121::to_float(narrow_format::e2m1, a[static_cast<std::size_t>(i * kc + x)])) *
                     sm121::to_float(narrow_format::e2m1, b[static_cast<std::size_t>(k * 8 + j)]);
          if (s.kind != 0)
            v *= static_cast<double>(sm121::to_float(s.sf, sfa[static_cast<std::size_t>(i * s.vec + k / chunk)])) *
                 sm121::to_float(s.sf, sfb[static_cast<std::size_t>((k / chunk) * 8 + j)]);
          sum += v;
        }
        e.values[static_cast<std::size_t>(i * 8 + j)] = sum;
      }
    e.tol = {0.0, 0.0};  // exact within the accumulator budget
    return std::vector<expectation>{e};
  };
  return p;
}

}  // namespace

static probe make_sp_f8f6f4() {
  return make_sparse({"mma.sp.f8f6f4.e2m1", 0, 64, 1, narrow_format::ue8m0,
                      "Sparse warp MMA m16n8k64 .kind::f8f6f4 e2m1 x e2m1 -> f32 (2:4 sparse FP4; sm_121f/a)",
                      "2:4 structured-sparse FP4 through mma.sp::ordered_metadata with .kind::f8f6f4 (e2m1 in byte "
                      "containers): half of A's K elements are stored, with metadata naming their positions. Sparse "
                      "tensor math doubles the quoted peak (NVIDIA's 1 PFLOP for GB10 is sparse FP4). Compiles for "
                      "sm_121f and sm_121a; the probe checks the stored values, the scale-free arithmetic and the K "
                      "group of each kept element (B rows are equal within a group, so the metadata's positions "
                      "inside a group are not what it checks).",
                      340});
}

static probe make_sp_mxf4() {
  return make_sparse({"mma.sp.mxf4", 1, 128, 2, narrow_format::ue8m0,
                      "Sparse block-scaled warp MMA m16n8k128 .kind::mxf4, MXFP4 2:4, ue8m0 scales, 2X (sm_121a only)",
                      "Sparse MXFP4: mma.sp::ordered_metadata with .kind::mxf4 block scaling (one ue8m0 scale per "
                      "64 K elements, two per row and column, selectors 0). ptxas 13.0 and 13.5 accept it only for "
                      "the arch-specific sm_120a / sm_121a targets and reject sm_121f, so code built for the family "
                      "target cannot use it; the report names the target that compiled.",
                      341});
}

static probe make_sp_nvf4() {
  return make_sparse({"mma.sp.nvf4", 2, 128, 4, narrow_format::ue4m3,
                      "Sparse block-scaled warp MMA m16n8k128 .kind::mxf4nvf4, NVFP4 2:4, ue4m3 scales, 4X (sm_121a only)",
                      "Sparse NVFP4, the instruction behind GB10's 1 PFLOP headline: mma.sp::ordered_metadata with "
                      ".kind::mxf4nvf4 (ue4m3 scales, four per row and column, 1 and 1.5, selectors 0). Like sparse "
                      "MXFP4 it compiles only for sm_120a / sm_121a (sm_121f is rejected), so it exists only in "
                      "arch-specific builds.",
                      342});
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(413, make_sp_f8f6f4);
SM121PROBE_FAMILY(414, make_sp_mxf4);
SM121PROBE_FAMILY(415, make_sp_nvf4);
SM121PROBE_SOURCE("ptx-mma-sparse-fp4",
                  "PTX ISA, mma.sp with .kind::f8f6f4 / .kind::mxf4 / .kind::mxf4nvf4 (sm_120a/f, sm_121a/f); "
                  "measured with ptxas 13.0: the block-scaled sparse kinds compile only for sm_120a / sm_121a",
                  "https://docs.nvidia.com/cuda/parallel-thread-execution/#warp-level-matrix-instructions-for-sparse-mma");

}  // namespace sm121probe::probe
