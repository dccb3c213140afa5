#pragma once
// Test helper: check XML with xmllint (libxml2-utils, installed by
// scripts/install-deps.sh): well-formedness, XSD validation, XPath counts.

#include "support/process.hpp"

#include <fstream>
#include <string>

namespace sm121probe::testing {

struct xml_check {
  int exit_code = -1;  ///< xmllint's exit status (0 = ok)
  std::string out;
  std::string err;
};

/// Writes `xml` to a temporary file and runs `xmllint <args...> FILE`.
inline xml_check run_xmllint(const std::string& xml, const std::vector<std::string>& args) {
  temp_dir dir;
  const std::string file = dir / "doc.xml";
  std::ofstream(file, std::ios::binary) << xml;
  std::vector<std::string> argv{"xmllint"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(file);
  const auto r = run_process(argv);
  return {r.exit_code, r.out, r.err};
}

/// "" when `xml` is well-formed, else xmllint's complaint.
inline std::string xml_wellformed_errors(const std::string& xml) {
  const auto r = run_xmllint(xml, {"--noout"});
  return r.exit_code == 0 ? std::string() : r.err;
}

/// "" when `xml` validates against the XSD at `xsd_path`, else xmllint's complaint.
inline std::string xml_schema_errors(const std::string& xml, const std::string& xsd_path) {
  const auto r = run_xmllint(xml, {"--noout", "--schema", xsd_path});
  return r.exit_code == 0 ? std::string() : r.err;
}

/// The number an XPath expression such as count(//testcase) evaluates to (-1 on error).
inline long xml_count(const std::string& xml, const std::string& xpath) {
  const auto r = run_xmllint(xml, {"--xpath", xpath});
  if (r.exit_code != 0) return -1;
  try {
    return std::stol(r.out);
  } catch (...) {
    return -1;
  }
}

}  // namespace sm121probe::testing
