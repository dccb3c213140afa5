#pragma once
/// The probe catalog: the one ordered list of every probe (src/probes/registry.cpp).

#include "sm121probe/probe/probe.hpp"

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sm121probe::probe {

/// Every probe, in report order. Built once; ids are unique.
[[nodiscard]] std::span<const probe> all_probes();

/// The probe with this id, or null.
[[nodiscard]] const probe* find_probe(std::string_view id);

/// Probes matching any `only` pattern (all when empty) and no `skip` pattern
/// (shell-style globs, util::glob_match).
[[nodiscard]] std::vector<const probe*> select_probes(const std::vector<std::string>& only,
                                                      const std::vector<std::string>& skip);

}  // namespace sm121probe::probe
