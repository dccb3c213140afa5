#pragma once
/// `compare OLD NEW`: what changed between two run reports. The comparison is
/// plain data; the renderers below are functions of it.

#include "sm121probe/report/model.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sm121probe::report {

/// Version of the compare JSON layout (docs/compare.schema.json).
inline constexpr int compare_schema_version = 1;

/// How a verdict change is judged.
enum class change_kind {
  regression,   ///< rank went down (native > fallback > failing), a ranked verdict became skipped, or skipped became failing
  improvement,  ///< rank went up
  change,       ///< anything else (skipped became native or fallback)
};
[[nodiscard]] std::string_view to_string(change_kind k);

/// Classifies old -> new (old != new).
[[nodiscard]] change_kind judge_change(verdict old_v, verdict new_v);

/// The failed stages of a probe's attempts, "variant/stage: error", joined with "; ".
/// This (not the free-text reason, which holds measured numbers) is what "changed errors" compares.
[[nodiscard]] std::string key_errors(const probe_result& p);

struct verdict_change {
  std::string id;
  std::string category;
  verdict old_verdict = verdict::native;
  verdict new_verdict = verdict::native;
  change_kind kind = change_kind::change;
  std::string old_reason;
  std::string new_reason;
};

/// A probe present in only one of the reports.
struct lone_probe {
  std::string id;
  verdict result = verdict::native;
  std::string reason;
};

/// Same verdict, different failed stages or error codes.
struct error_change {
  std::string id;
  verdict result = verdict::native;
  std::string old_errors;
  std::string new_errors;
};

/// A changed fact about device, driver, toolkit, tool or host ("driver.cuda_version").
struct field_change {
  std::string field;
  std::string old_value;  ///< "" when absent
  std::string new_value;
};

/// Identification of one side.
struct report_label {
  std::string file;
  std::string created;
  std::string hostname;
  std::string target;
  run_mode mode = run_mode::offline;
  std::string device;  ///< device name, "" offline
  std::string tool_version;
};

struct comparison {
  report_label old_report, new_report;
  std::size_t old_probes = 0, new_probes = 0;
  /// Regressions first, then improvements, then other changes; catalog order (of NEW) within each.
  std::vector<verdict_change> verdicts;
  std::vector<lone_probe> added;    ///< in NEW only, NEW's order
  std::vector<lone_probe> removed;  ///< in OLD only, OLD's order
  std::vector<error_change> errors;
  std::vector<field_change> environment;

  [[nodiscard]] std::size_t count(change_kind k) const;
  /// Anything regressed (the exit code 1 of `compare`).
  [[nodiscard]] bool regressed() const { return count(change_kind::regression) > 0; }
  /// No difference of any kind.
  [[nodiscard]] bool identical() const;
};

/// Compares two reports; labels name them in the output (file names).
[[nodiscard]] comparison compare_reports(const run_report& old_r, const run_report& new_r,
                                         const std::string& old_file, const std::string& new_file);

/// Plain text: the two sides, then sections (regressions, improvements, other
/// verdict changes, new and removed probes, changed errors, environment) and a result line.
[[nodiscard]] std::string render_compare_text(const comparison& c);
/// The same as markdown tables (under markdown_limit_bytes, long lists trimmed with a note).
[[nodiscard]] std::string render_compare_markdown(const comparison& c);
/// JSON (schema docs/compare.schema.json).
[[nodiscard]] nlohmann::ordered_json compare_to_json(const comparison& c);

}  // namespace sm121probe::report
