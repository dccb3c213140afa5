// The one table of expected verdicts. Columns: sm_80, sm_86, sm_89, sm_90,
// sm_100, sm_120, sm_121. Cell values: "native", "fallback", "failing",
// "skipped", "unknown" (sources conflict), or "" (no expectation). The source
// key names an entry of docs/probes.md "Sources".
#include "sm121probe/probes/registration.hpp"

#include <algorithm>
#include <array>

namespace sm121probe::probe {

namespace {

struct row {
  std::string_view probe;
  std::array<std::string_view, 7> cells;
  std::string_view source;
};

constexpr std::array table = {
    // The sm_80 path: every architecture from Ampere on runs it natively.
    row{"cuda.fma", {"native", "native", "native", "native", "native", "native", "native"}, "cuda-guide"},
    row{"mma.f16", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"mma.f16f16", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"mma.bf16", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"mma.tf32", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"mma.s8", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"ldmatrix", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-ldmatrix"},

    // Narrow formats. FP8 mma.sync exists from sm_89; ptxas emulates it on
    // sm_90 and sm_100 (conversions + f16 MMA), and int4 mma from sm_90 on.
    row{"mma.fp8.e4m3", {"fallback", "fallback", "native", "fallback", "fallback", "native", "native"}, "sass-footprint"},
    row{"mma.fp8.e5m2", {"fallback", "fallback", "native", "fallback", "fallback", "native", "native"}, "sass-footprint"},
    // kind::f8f6f4 FP4/FP6 and all block-scaled mma.sync: sm_120a/f and sm_121a/f only.
    row{"mma.f8f6f4.e2m1", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "ptx-mma-narrow"},
    row{"mma.f8f6f4.e3m2", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "ptx-mma-narrow"},
    row{"mma.f8f6f4.e2m3", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "ptx-mma-narrow"},
    // kind::f8f6f4 with FP8 operands also compiles for sm_100a/f, where it is emulated.
    row{"mma.f8f6f4.e4m3", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "sass-footprint"},
    row{"mma.mxf8f6f4", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "ptx-block-scale"},
    row{"mma.mxf4", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "ptx-block-scale"},
    row{"mma.nvf4", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "ptx-block-scale"},
    row{"mma.s4", {"native", "native", "native", "fallback", "fallback", "fallback", "fallback"}, "sass-footprint"},
    // Conversions: FP8 from sm_89; FP4/FP6/ue8m0 on sm_100a/f and sm_12Xa/f; no fallback variant.
    row{"cvt.fp4", {"failing", "failing", "failing", "failing", "native", "native", "native"}, "ptx-cvt"},
    row{"cvt.fp6", {"failing", "failing", "failing", "failing", "native", "native", "native"}, "ptx-cvt"},
    row{"cvt.fp8", {"failing", "failing", "native", "native", "native", "native", "native"}, "ptx-cvt"},
    row{"cvt.ue8m0", {"failing", "failing", "failing", "failing", "native", "native", "native"}, "ptx-cvt"},

    // Instruction sets of one architecture: tcgen05 (datacenter Blackwell), wgmma (Hopper).
    row{"tcgen05.alloc", {"failing", "failing", "failing", "failing", "native", "failing", "failing"}, "ptx-tcgen05"},
    row{"tcgen05.mma", {"failing", "failing", "failing", "failing", "native", "failing", "failing"}, "ptx-tcgen05"},
    row{"tcgen05.ld", {"failing", "failing", "failing", "failing", "native", "failing", "failing"}, "ptx-tcgen05"},
    row{"wgmma.mma_async", {"failing", "failing", "failing", "native", "failing", "failing", "failing"}, "ptx-wgmma"},

    // Which builds load where: the compatibility rules (docs/compatibility.md).
    row{"image.load.sm_120", {"failing", "failing", "failing", "failing", "failing", "native", "native"}, "compat-rules"},
    row{"image.load.sm_120a", {"failing", "failing", "failing", "failing", "failing", "native", "failing"}, "compat-rules"},
    row{"image.load.sm_120f", {"failing", "failing", "failing", "failing", "failing", "native", "native"}, "compat-rules"},
    row{"image.load.sm_121", {"failing", "failing", "failing", "failing", "failing", "failing", "native"}, "compat-rules"},
    row{"image.load.sm_121a", {"failing", "failing", "failing", "failing", "failing", "failing", "native"}, "compat-rules"},
    row{"image.load.sm_100a", {"failing", "failing", "failing", "failing", "native", "failing", "failing"}, "compat-rules"},
    row{"image.load.sm_90", {"failing", "failing", "failing", "native", "failing", "failing", "failing"}, "compat-rules"},
    row{"image.load.compute_120", {"failing", "failing", "failing", "failing", "failing", "native", "native"}, "compat-rules"},
    row{"image.load.compute_121a", {"failing", "failing", "failing", "failing", "failing", "failing", "native"}, "compat-rules"},
    row{"image.load.compute_80", {"native", "native", "native", "native", "native", "native", "native"}, "compat-rules"},

    // sm_90 features (skipped below 9.0). Clusters/DSMEM on GB10: public claims conflict.
    row{"tma.bulk", {"skipped", "skipped", "skipped", "native", "native", "native", "native"}, "ptx-tma"},
    row{"tma.tensor", {"skipped", "skipped", "skipped", "native", "native", "native", "native"}, "ptx-tma"},
    row{"cluster.launch", {"skipped", "skipped", "skipped", "native", "native", "native", "unknown"}, "clusters"},
    row{"cluster.dsmem", {"skipped", "skipped", "skipped", "native", "native", "native", "unknown"}, "clusters"},
    row{"smem.max", {"native", "native", "native", "native", "native", "native", "native"}, "smem-optin"},
    row{"cp.async", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-cp-async"},
    row{"redux.sync", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-redux"},
    row{"stmatrix", {"skipped", "skipped", "skipped", "native", "native", "native", "native"}, "ptx-stmatrix"},
    row{"elect.sync", {"skipped", "skipped", "skipped", "native", "native", "native", "native"}, "ptx-elect"},

    // Unified memory. Pageable access depends on the system (HMM / ATS), not the architecture.
    row{"um.managed", {"native", "native", "native", "native", "native", "native", "native"}, "cuda-guide-um"},
    row{"um.pageable", {"", "", "", "", "", "", "native"}, "um-gb10"},
    row{"um.registered", {"native", "native", "native", "native", "native", "native", "failing"}, "um-gb10"},
};

}  // namespace

}  // namespace sm121probe::probe

namespace sm121probe::probes {

probe::expected_verdicts expected_row(std::string_view probe_id) {
  probe::expected_verdicts out;
  for (const probe::row& r : probe::table) {
    if (r.probe != probe_id) continue;
    for (const auto& c : r.cells) out.cells.emplace_back(c);
    out.source = std::string(r.source);
  }
  return out;
}

}  // namespace sm121probe::probes
