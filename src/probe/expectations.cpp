#include "sm121probe/probe/expectations.hpp"

#include "sm121probe/probe/probe.hpp"

#include <array>

namespace sm121probe::probe {

namespace {

constexpr std::array archs_sm = {80, 86, 89, 90, 100, 120, 121};

}  // namespace

const std::vector<gpu_arch>& expectation_archs() {
  static const std::vector<gpu_arch> archs = [] {
    std::vector<gpu_arch> v;
    for (int sm : archs_sm) v.push_back(*arch_from_sm(sm));
    return v;
  }();
  return archs;
}

expected_verdict expected_for(const probe& p, const gpu_arch& arch) {
  expected_verdict out;
  std::size_t col = archs_sm.size();
  for (std::size_t i = 0; i < archs_sm.size(); ++i)
    if (archs_sm[i] == arch.sm()) col = i;
  if (col >= p.expected.cells.size()) return out;
  const std::string& cell = p.expected.cells[col];
  if (cell.empty()) return out;
  out.source = p.expected.source;
  if (cell == "unknown") {
    out.kind = report::expectation_kind::unknown;
  } else if (const auto v = report::parse_verdict(cell)) {
    out.kind = report::expectation_kind::verdict;
    out.verdict = *v;
  }
  return out;
}

std::string expectation_problem(const probe& p) {
  const auto& cells = p.expected.cells;
  if (cells.empty()) return {};
  if (cells.size() != archs_sm.size())
    return "has " + std::to_string(cells.size()) + " expectation cells, not one per architecture (" +
           std::to_string(archs_sm.size()) + ")";
  bool any = false;
  for (const auto& c : cells) {
    if (c.empty()) continue;
    any = true;
    if (c != "unknown" && !report::parse_verdict(c)) return "has an expectation cell '" + c + "' that is no verdict";
  }
  if (any && p.expected.source.empty()) return "has expected verdicts without a source";
  return {};
}

}  // namespace sm121probe::probe
