// The one table of expected verdicts. Columns: sm_80, sm_86, sm_89, sm_90,
// sm_100, sm_120, sm_121. Cell values: "native", "fallback", "failing",
// "skipped", "unknown" (sources conflict), or "" (no expectation). The source
// key names an entry of docs/probes.md "Sources".
#include "sm121probe/probe/expectations.hpp"

#include <array>

namespace sm121probe::probe {

namespace {

struct row {
  std::string_view probe;
  std::array<std::string_view, 7> cells;
  std::string_view source;
};

constexpr std::array archs_sm = {80, 86, 89, 90, 100, 120, 121};

constexpr std::array table = {
    // The sm_80 path: every architecture from Ampere on runs it natively.
    row{"cuda.fma", {"native", "native", "native", "native", "native", "native", "native"}, "cuda-guide"},
    row{"mma.f16", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"mma.f16f16", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"mma.bf16", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"mma.tf32", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"mma.s8", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"ldmatrix", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-ldmatrix"},
};

}  // namespace

const std::vector<gpu_arch>& expectation_archs() {
  static const std::vector<gpu_arch> archs = [] {
    std::vector<gpu_arch> v;
    for (int sm : archs_sm) v.push_back(*arch_from_sm(sm));
    return v;
  }();
  return archs;
}

expected_verdict expected_for(std::string_view probe_id, const gpu_arch& arch) {
  expected_verdict out;
  std::size_t col = archs_sm.size();
  for (std::size_t i = 0; i < archs_sm.size(); ++i)
    if (archs_sm[i] == arch.sm()) col = i;
  if (col == archs_sm.size()) return out;
  for (const row& r : table) {
    if (r.probe != probe_id) continue;
    const std::string_view cell = r.cells[col];
    if (cell.empty()) return out;
    out.source = std::string(r.source);
    if (cell == "unknown") {
      out.kind = report::expectation_kind::unknown;
    } else if (const auto v = report::parse_verdict(cell)) {
      out.kind = report::expectation_kind::verdict;
      out.verdict = *v;
    }
    return out;
  }
  return out;
}

std::vector<std::string> probes_with_expectations() {
  std::vector<std::string> ids;
  for (const row& r : table) ids.emplace_back(r.probe);
  return ids;
}

}  // namespace sm121probe::probe
