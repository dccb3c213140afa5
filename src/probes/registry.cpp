#include "sm121probe/probe/registry.hpp"

#include "probes.hpp"

namespace sm121probe::probe {

std::vector<variant> native_and_sm80_ptx() {
  return {variant{"native", target_spec::native(), false, {}},
          variant{"sm80-ptx", target_spec::fixed("compute_80"), true, {}}};
}

std::span<const probe> all_probes() {
  static const std::vector<probe> catalog = [] {
    std::vector<probe> list;
    list.push_back(make_cuda_fma());
    for (auto& p : make_mma_sm80_probes()) list.push_back(std::move(p));
    list.push_back(make_ldmatrix());
    add_narrow_format_probes(list);
    add_feature_probes(list);
    return list;
  }();
  return catalog;
}

const probe* find_probe(std::string_view id) {
  for (const auto& p : all_probes())
    if (p.id == id) return &p;
  return nullptr;
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative wildcard match with backtracking to the last '*'.
  std::size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::vector<const probe*> select_probes(const std::vector<std::string>& only, const std::vector<std::string>& skip) {
  std::vector<const probe*> out;
  for (const auto& p : all_probes()) {
    bool keep = only.empty();
    for (const auto& g : only) keep = keep || glob_match(g, p.id);
    for (const auto& g : skip) keep = keep && !glob_match(g, p.id);
    if (keep) out.push_back(&p);
  }
  return out;
}

}  // namespace sm121probe::probe
