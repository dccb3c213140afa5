#pragma once
// Test helper: validate a JSON document against a JSON Schema file (valijson).

#include <nlohmann/json.hpp>

#include <string>

namespace sm121probe::testing {

/// Returns "" when `doc` validates against the schema at `schema_path`,
/// otherwise a readable list of the violations.
std::string schema_errors(const nlohmann::json& doc, const std::string& schema_path);

}  // namespace sm121probe::testing
