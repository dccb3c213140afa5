#include "sm121probe/probe/catalogue.hpp"

#include "sm121probe/util/glob.hpp"

namespace sm121probe::probe {

const probe* catalogue::find(std::string_view id) const {
  for (const auto& p : probes)
    if (p.id == id) return &p;
  return nullptr;
}

std::vector<const probe*> catalogue::select(const std::vector<std::string>& only,
                                            const std::vector<std::string>& skip) const {
  std::vector<const probe*> out;
  for (const auto& p : probes) {
    bool keep = only.empty();
    for (const auto& g : only) keep = keep || util::glob_match(g, p.id);
    for (const auto& g : skip) keep = keep && !util::glob_match(g, p.id);
    if (keep) out.push_back(&p);
  }
  return out;
}

std::optional<util::source_file> catalogue::kernel(std::string_view path_or_name) const {
  for (const auto& f : kernels) {
    if (f.path == path_or_name) return f;
    const auto slash = f.path.rfind('/');
    if (f.path.substr(slash == std::string_view::npos ? 0 : slash + 1) == path_or_name) return f;
  }
  return std::nullopt;
}

}  // namespace sm121probe::probe
