#pragma once
// Test helper: the result of one probe in a run report, by id.

#include <stdexcept>
#include <string>

namespace sm121probe::testing {

/// The probe result with this id in `r` (a report::run_report, const or not);
/// throws when the report has none.
template <typename Report>
auto& find(Report& r, const std::string& id) {
  for (auto& p : r.probes)
    if (p.id == id) return p;
  throw std::runtime_error("no probe " + id);
}

}  // namespace sm121probe::testing
