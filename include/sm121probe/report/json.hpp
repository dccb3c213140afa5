#pragma once
/// JSON form of the run report (docs/report.md, docs/report.schema.json).

#include "sm121probe/report/model.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace sm121probe::report {

/// A report could not be read: malformed JSON, wrong shape, or a newer schema.
/// The message is one line.
struct report_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[nodiscard]] nlohmann::json to_json(const stage_result& s);
[[nodiscard]] nlohmann::json to_json(const sass_summary& s);
[[nodiscard]] nlohmann::json to_json(const attempt_result& a);
[[nodiscard]] nlohmann::json to_json(const probe_result& p);
[[nodiscard]] nlohmann::json to_json(const device_info& d);
[[nodiscard]] nlohmann::json to_json(const library_record& l);  ///< null when empty
[[nodiscard]] nlohmann::json to_json(const driver_info& d);
[[nodiscard]] nlohmann::json to_json(const run_report& r);

[[nodiscard]] stage_result stage_from_json(const nlohmann::json& j);
[[nodiscard]] attempt_result attempt_from_json(const nlohmann::json& j);
[[nodiscard]] device_info device_from_json(const nlohmann::json& j);
[[nodiscard]] driver_info driver_from_json(const nlohmann::json& j);
[[nodiscard]] run_report report_from_json(const nlohmann::json& j);

/// Serializes with 2-space indentation; invalid UTF-8 in strings is replaced, never thrown.
[[nodiscard]] std::string dump(const nlohmann::json& j);

/// Parses report text. Throws report_error (one line) on malformed JSON, a
/// missing or mistyped field, or a schema_version newer than this tool knows.
[[nodiscard]] run_report parse_run_report(std::string_view text);

}  // namespace sm121probe::report
