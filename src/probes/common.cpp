// Helpers the probe families share (probes.hpp).
#include "probes.hpp"

#include <fmt/format.h>

namespace sm121probe::probe {

std::vector<variant> native_and_sm80_ptx(const std::vector<std::string>& options) {
  return {variant{"native", target_spec::native(), false, options},
          variant{"sm80-ptx", target_spec::fixed("compute_80"), true, options}};
}

std::vector<variant> native_only() { return {variant{"native", target_spec::native(), false, {}}}; }

std::function<std::optional<std::string>(const exec_facts&)> needs_sm90(std::string what) {
  return [what = std::move(what)](const exec_facts& f) -> std::optional<std::string> {
    if (f.arch.major >= 9) return std::nullopt;
    return fmt::format("needs compute capability 9.0 or later: {} arrived with Hopper (this is {})", what,
                       cc_string(f.arch));
  };
}

}  // namespace sm121probe::probe
