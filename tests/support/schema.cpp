#include "support/schema.hpp"

#include "sm121probe/util/io.hpp"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

namespace sm121probe::testing {

std::string schema_errors(const nlohmann::json& doc, const std::string& schema_path) {
  const nlohmann::json schema_doc = nlohmann::json::parse(util::read_file(schema_path));
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_doc);
  parser.populateSchema(schema_adapter, schema);
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter doc_adapter(doc);
  if (validator.validate(schema, doc_adapter, &results)) return {};
  std::string out;
  valijson::ValidationResults::Error err;
  while (results.popError(err)) {
    std::string where;
    for (const auto& c : err.context) where += c;
    out += where + ": " + err.description + "\n";
  }
  return out.empty() ? "invalid" : out;
}

}  // namespace sm121probe::testing
