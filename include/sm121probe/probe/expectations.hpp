#pragma once
/// Expected verdicts per probe and architecture: one table, in
/// src/probes/expectations.cpp, each row backed by a source cited in
/// docs/probes.md.

#include "sm121probe/arch.hpp"
#include "sm121probe/report/model.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sm121probe::probe {

/// The architectures the table covers, in column order.
[[nodiscard]] const std::vector<gpu_arch>& expectation_archs();

struct expected_verdict {
  report::expectation_kind kind = report::expectation_kind::none;
  report::verdict verdict = report::verdict::native;
  std::string source;  ///< short citation, expanded in docs/probes.md
};

/// The expectation for `probe_id` on a device of `arch` (the variant suffix is
/// ignored: an sm_121a target is a 12.1 device). `none` when the table has no
/// entry for the probe or the architecture.
[[nodiscard]] expected_verdict expected_for(std::string_view probe_id, const gpu_arch& arch);

/// Probe ids that have a row in the table.
[[nodiscard]] std::vector<std::string> probes_with_expectations();

/// What a source key of the table stands for (the Sources section of docs/probes.md).
struct expectation_source {
  std::string key;    ///< as used in the table: "ptx-mma"
  std::string title;  ///< one line: what the source says and where
  std::string url;    ///< a link, or a path in this repository ("docs/classification.md")
};

/// Every source key the table may use, in the order docs/probes.md lists them.
[[nodiscard]] const std::vector<expectation_source>& expectation_sources();

/// The source keys the table uses (each row's key), without duplicates.
[[nodiscard]] std::vector<std::string> expectation_source_keys_in_use();

}  // namespace sm121probe::probe
