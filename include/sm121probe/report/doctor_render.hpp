#pragma once
/// Renderers of the doctor model (sm121probe/doctor/model.hpp): functions of
/// the finished report only; the audit never prints. JSON layout:
/// docs/doctor.md, docs/doctor.schema.json.

#include "sm121probe/doctor/model.hpp"
#include "sm121probe/report/redact.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace sm121probe::report {

/// The doctor report as a JSON value (doctor::schema_version). Strings are made valid UTF-8.
[[nodiscard]] nlohmann::ordered_json doctor_to_json(const doctor::doctor_report& r);
/// The "device" object of the JSON form, and back (the device worker sends it to the parent).
[[nodiscard]] nlohmann::ordered_json doctor_device_to_json(const doctor::device_record& d);
/// Reads what doctor_device_to_json wrote; missing or mistyped fields stay empty. Never throws.
[[nodiscard]] doctor::device_record doctor_device_from_json(const nlohmann::json& j);

/// doctor_to_json, serialized (2-space indent, trailing newline).
[[nodiscard]] std::string render_doctor_json(const doctor::doctor_report& r);

/// Human-readable: findings first (severity, id, summary, observed, fix), then
/// the compilers, packages, environment variables and device facts.
[[nodiscard]] std::string render_doctor_text(const doctor::doctor_report& r);

/// A forum-ready markdown block (under 60 KB). `heading_level` 3 gives "###"
/// headings; run and scan embed it (--doctor) one level down.
[[nodiscard]] std::string render_doctor_markdown(const doctor::doctor_report& r, int heading_level = 3);

/// JUnit XML: one test case per finding id checked; an `error` finding is a failure.
[[nodiscard]] std::string render_doctor_junit(const doctor::doctor_report& r);

/// A copy of `r` with every string redacted (paths, tool output, values).
[[nodiscard]] doctor::doctor_report redacted(const doctor::doctor_report& r, redactor& rd);

}  // namespace sm121probe::report
