// The registry behind SM121PROBE_FAMILY: families add themselves at static
// initialisation; the catalogue is built from them on first use.
#include "sm121probe/probes/registration.hpp"

#include "probes.hpp"

#include "sm121probe/kernels.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace sm121probe::probe {

std::vector<variant> native_and_sm80_ptx() {
  return {variant{"native", target_spec::native(), false, {}},
          variant{"sm80-ptx", target_spec::fixed("compute_80"), true, {}}};
}

}  // namespace sm121probe::probe

namespace sm121probe::probes {

namespace {

struct family {
  int order;
  std::string name;
  std::function<std::vector<probe::probe>()> make;
};

// A function-local static: registrations in other translation units may run
// before this file's own static initialisation.
std::vector<family>& families() {
  static std::vector<family> list;
  return list;
}

}  // namespace

family_registration::family_registration(int order, const char* name,
                                         std::function<std::vector<probe::probe>()> make) {
  families().push_back({order, name, std::move(make)});
}

family_registration::family_registration(int order, const char* name, std::function<probe::probe()> make)
    : family_registration(order, name, [make = std::move(make)] { return std::vector<probe::probe>{make()}; }) {}

std::vector<probe::probe> registered_probes() {
  std::vector<family> sorted = families();
  std::stable_sort(sorted.begin(), sorted.end(), [](const family& a, const family& b) { return a.order < b.order; });
  std::vector<probe::probe> out;
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    if (i > 0 && sorted[i].order == sorted[i - 1].order)
      throw std::logic_error(fmt::format("probe families {} and {} share the order key {}", sorted[i - 1].name,
                                         sorted[i].name, sorted[i].order));
    for (auto& p : sorted[i].make()) out.push_back(std::move(p));
  }
  return out;
}

std::vector<util::source_file> kernel_files() {
  std::vector<util::source_file> out;
  for (const kernels::embedded_file* f : kernels::all_files()) out.push_back(*f);
  return out;
}

}  // namespace sm121probe::probes
