#pragma once
/// `merge REPORT...`: a fleet view over many run reports (hosts x probes) with
/// the cells that deviate from the majority marked. Plain data plus renderers.

#include "sm121probe/report/model.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sm121probe::report {

/// Version of the merge JSON layout (docs/merge.schema.json).
inline constexpr int merge_schema_version = 1;

/// One report in the fleet.
struct fleet_host {
  std::string label;     ///< host name, made unique (":<device>" or "#<n>" appended)
  std::string file;      ///< the report file
  std::string hostname;
  run_mode mode = run_mode::offline;
  std::string target;
  std::string device;    ///< device name, "" offline
  summary totals;
  std::size_t deviations = 0;  ///< probes where this host deviates from the majority
};

/// One probe across the fleet.
struct fleet_probe {
  std::string id;
  std::string category;
  std::optional<verdict> majority;               ///< nullopt when no host has the probe
  std::vector<std::optional<verdict>> verdicts;  ///< per host (nullopt: not in that report)
  std::vector<bool> deviates;                    ///< per host: has the probe with another verdict than the majority
};

/// One environment fact across the fleet (driver, toolkit, device, ...).
struct fleet_fact {
  std::string field;  ///< "driver.cuda_version"
  std::string majority;
  std::vector<std::string> values;  ///< per host
  std::vector<bool> deviates;
};

struct fleet {
  std::vector<fleet_host> hosts;
  std::vector<fleet_probe> probes;  ///< union of the reports' probes, in first-seen order
  std::vector<fleet_fact> facts;
  /// Cells (host, probe) that deviate from the majority verdict.
  [[nodiscard]] std::size_t deviations() const;
  /// Hosts with at least one deviating verdict.
  [[nodiscard]] std::size_t deviating_hosts() const;
};

/// The majority of verdicts: the most frequent; a tie goes to the better one
/// (native > fallback > failing > skipped), so the worse hosts stand out.
[[nodiscard]] std::optional<verdict> majority_verdict(const std::vector<std::optional<verdict>>& verdicts);

/// Builds the fleet view from (file, report) pairs, in the order given.
[[nodiscard]] fleet merge_reports(const std::vector<std::pair<std::string, run_report>>& reports);

/// Plain text: a host table, the probe matrix (probes x hosts, deviating cells
/// marked `*`; with more than 8 hosts, per probe the majority and the
/// deviating hosts), and a list of deviations.
[[nodiscard]] std::string render_merge_text(const fleet& f);
/// The same as markdown (deviating cells in bold), under markdown_limit_bytes.
[[nodiscard]] std::string render_merge_markdown(const fleet& f);
/// JSON (schema docs/merge.schema.json).
[[nodiscard]] nlohmann::ordered_json merge_to_json(const fleet& f);

}  // namespace sm121probe::report
