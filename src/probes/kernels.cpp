#include "sm121probe/kernels.hpp"

#include <vector>

namespace sm121probe::kernels {

std::optional<embedded_file> find(std::string_view path_or_name) {
  for (const embedded_file* f : all_files()) {
    if (f->path == path_or_name) return *f;
    const auto slash = f->path.rfind('/');
    if (f->path.substr(slash == std::string_view::npos ? 0 : slash + 1) == path_or_name) return *f;
  }
  return std::nullopt;
}

std::span<const embedded_file> headers() {
  static const std::vector<embedded_file> list = [] {
    std::vector<embedded_file> out;
    for (const embedded_file* f : all_files())
      if (f->path.ends_with(".cuh")) out.push_back(*f);
    return out;
  }();
  return list;
}

}  // namespace sm121probe::kernels
