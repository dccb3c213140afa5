#include "sm121probe/probe/registry.hpp"

#include "probes.hpp"
#include "sm121probe/util/glob.hpp"

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

std::vector<const probe*> select_probes(const std::vector<std::string>& only, const std::vector<std::string>& skip) {
  std::vector<const probe*> out;
  for (const auto& p : all_probes()) {
    bool keep = only.empty();
    for (const auto& g : only) keep = keep || util::glob_match(g, p.id);
    for (const auto& g : skip) keep = keep && !util::glob_match(g, p.id);
    if (keep) out.push_back(&p);
  }
  return out;
}

}  // namespace sm121probe::probe
