#include "sm121probe/kernels.hpp"

#include <algorithm>

namespace sm121probe::kernels {

namespace {

// A function-local static: generated files register during static initialisation.
std::vector<const embedded_file*>& registered() {
  static std::vector<const embedded_file*> list;
  return list;
}

}  // namespace

registration::registration(const embedded_file* file) { registered().push_back(file); }

std::vector<const embedded_file*> all_files() {
  std::vector<const embedded_file*> out = registered();
  std::sort(out.begin(), out.end(), [](const embedded_file* a, const embedded_file* b) { return a->path < b->path; });
  return out;
}

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
