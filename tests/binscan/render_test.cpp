// Renderers of the scan model: JSON shape (validated against docs/scan.schema.json),
// invalid UTF-8 handling, text table order and summaries.
#include "binscan/builder.hpp"
#include "sm121probe/report/scan_render.hpp"
#include "support/schema.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace sm121probe::report {
namespace {

namespace b = testing::blob;
using binscan::verdict;

const std::string schema_path = std::string(SM121PROBE_SOURCE_DIR) + "/docs/scan.schema.json";

binscan::file_result scanned(const b::bytes& blob, const std::string& path, const std::string& group) {
  auto r = binscan::scan_bytes({blob.data(), blob.size()}, path, {{12, 1}, {13, 0}});
  r.group = group;
  return r;
}

binscan::scan_report sample_report() {
  binscan::scan_report rep;
  rep.target = {{12, 1}, {13, 0}};
  rep.target_source = "assumed: no GPU detected";
  rep.driver_source = "given with --driver-cuda";
  rep.roots = {"/lib"};
  rep.files.push_back(scanned(b::make_container({b::sass(121), b::ptx(121, 9, 0)}), "/lib/a.fatbin", "/lib"));
  rep.files.push_back(scanned(b::make_container({b::sass(90)}), "/lib/b.fatbin", "/lib"));
  rep.files.push_back(scanned({}, "/lib/empty.fatbin", "/lib"));
  rep.files.push_back(scanned(b::make_elf({}), "/lib/sub/plain.so", "/lib/sub"));
  rep.files.push_back(scanned(b::make_container({b::ptx(90, 9, 0)}), std::string("/lib/bad\xFFname.fatbin"), "/lib"));
  binscan::sort_for_listing(rep.files);
  rep.skipped_files = 3;
  return rep;
}

TEST(ScanJson, ValidatesAgainstTheSchemaWithAndWithoutDetails) {
  const auto rep = sample_report();
  for (bool details : {false, true}) {
    const auto text = render_scan_json(rep, {details, false});
    const auto doc = nlohmann::json::parse(text);
    EXPECT_EQ(testing::schema_errors(doc, schema_path), "") << text;
    EXPECT_EQ(doc.at("files").at(0).contains("containers"), details);
  }
}

// render_scan_json writes files[] directly (no JSON tree, for speed): it must be
// byte for byte what the tree's dump writes, odd strings and optional keys included.
TEST(ScanJson, DirectWriterEqualsTheTreeDump) {
  auto rep = sample_report();
  rep.files[0].warnings = {"quote \" backslash \\ tab \t newline \n bell \x07 del \x7f utf8 \xC3\xA9 bad \xFF"};
  rep.files[0].findings = {{"trap-only-kernels", "2 of 3 kernels only trap (e.g. k\x01)"}};
  rep.files[0].kernels = binscan::kernel_census{3, 2, 1, {"k1", "k\"2"}};
  rep.files[1].alternative = "not-loaded";
  rep.files[2].group = "grp\x1fwith control";
  rep.package_view = true;
  rep.packages.push_back({"pkg", "1.0", "dist-info", "/site/pkg-1.0.dist-info", binscan::package_verdict::native,
                          binscan::package_how::native_sass, "why", 2, 1, 0, 1, 0, std::nullopt, ""});
  rep.findings.push_back({"shared-files", "a and b", {"a", "b"}});
  const auto tree = scan_to_json(rep).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  EXPECT_EQ(render_scan_json(rep), tree);
  rep.files.clear();
  EXPECT_EQ(render_scan_json(rep),
            scan_to_json(rep).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n");
}

TEST(ScanJson, SchemaRejectsWrongShapes) {
  // The schema must be able to fail, or validating against it proves nothing.
  auto doc = nlohmann::json::parse(render_scan_json(sample_report()));
  auto bad = doc;
  bad["schema_version"] = "1";
  EXPECT_NE(testing::schema_errors(bad, schema_path), "");
  bad = doc;
  bad["files"][0]["verdict"] = "maybe";
  EXPECT_NE(testing::schema_errors(bad, schema_path), "");
  bad = doc;
  bad["files"][0]["ptx"] = nlohmann::json::array({{{"arch", "sm_90"}, {"isa", "9.0"}}});
  EXPECT_NE(testing::schema_errors(bad, schema_path), "");
  bad = doc;
  bad["files"][0].erase("reason");
  EXPECT_NE(testing::schema_errors(bad, schema_path), "");
  bad = doc;
  bad["summary"].erase("groups");
  EXPECT_NE(testing::schema_errors(bad, schema_path), "");
}

TEST(ScanJson, FieldsCarryTheModel) {
  const auto doc = nlohmann::json::parse(render_scan_json(sample_report()));
  EXPECT_EQ(doc.at("schema_version"), 1);
  EXPECT_EQ(doc.at("target"), "sm_121");
  EXPECT_EQ(doc.at("driver_cuda"), "13.0");
  EXPECT_EQ(doc.at("max_ptx_isa"), "9.0");
  EXPECT_EQ(doc.at("target_source"), "assumed: no GPU detected");
  const auto& files = doc.at("files");
  ASSERT_EQ(files.size(), 5u);
  // failing, error, fallback, native, no-gpu-code
  EXPECT_EQ(files[0].at("verdict"), "failing");
  EXPECT_EQ(files[0].at("path"), "/lib/b.fatbin");
  EXPECT_EQ(files[0].at("sass"), nlohmann::json::array({"sm_90"}));
  EXPECT_EQ(files[1].at("verdict"), "error");
  EXPECT_EQ(files[1].at("reason"), "empty file");
  EXPECT_EQ(files[2].at("verdict"), "fallback");
  EXPECT_EQ(files[3].at("verdict"), "native");
  EXPECT_EQ(files[3].at("ptx"), nlohmann::json::parse(R"([{"arch":"compute_121","isa":"9.0"}])"));
  EXPECT_EQ(files[4].at("verdict"), "no-gpu-code");
  const auto& s = doc.at("summary");
  EXPECT_EQ(s.at("files"), 5);
  EXPECT_EQ(s.at("failing"), 1);
  EXPECT_EQ(s.at("error"), 1);
  EXPECT_EQ(s.at("skipped_files"), 3);
  ASSERT_EQ(s.at("groups").size(), 2u);
  EXPECT_EQ(s.at("groups")[0].at("name"), "/lib");
  EXPECT_EQ(s.at("groups")[0].at("files"), 4);
  EXPECT_EQ(doc.at("exit_code"), 1);
}

TEST(ScanJson, InvalidUtf8PathsNeverThrowAndKeepTheirBytes) {
  const auto rep = sample_report();
  std::string text;
  ASSERT_NO_THROW(text = render_scan_json(rep));
  const auto doc = nlohmann::json::parse(text);
  bool found = false;
  for (const auto& f : doc.at("files")) {
    if (!f.contains("path_bytes")) continue;
    found = true;
    EXPECT_EQ(f.at("path"), "/lib/bad\xEF\xBF\xBDname.fatbin");
    EXPECT_EQ(f.at("path_bytes"), base64_encode("/lib/bad\xFFname.fatbin"));
  }
  EXPECT_TRUE(found);
}

TEST(ScanJson, Utf8Helpers) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("gr\xC3\xBC\xC3\x9F \xE2\x89\xA4 \xF0\x9F\x98\x80"));
  for (const char* bad : {"\xFF", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x89", "\xF5\x80\x80\x80", "\x80"})
    EXPECT_FALSE(is_valid_utf8(bad)) << bad;
  EXPECT_EQ(to_valid_utf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(escape_for_text("a\xFF\n\xE2\x89\xA4"), "a\\xff\\x0a\xE2\x89\xA4");
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(ScanText, FailingFirstReasonsAndSummary) {
  std::ostringstream out;
  render_scan_text(sample_report(), out);
  const std::string t = out.str();
  EXPECT_NE(t.find("Target sm_121 (assumed: no GPU detected); driver CUDA 13.0 (given with --driver-cuda)"),
            std::string::npos)
      << t;
  const auto failing = t.find("failing ");
  const auto error = t.find("error ");
  const auto native = t.find("native ");
  ASSERT_NE(failing, std::string::npos);
  EXPECT_LT(failing, error);
  EXPECT_LT(error, native);
  EXPECT_NE(t.find("SASS for sm_90 only; no PTX to JIT-compile"), std::string::npos);
  EXPECT_NE(t.find("/lib/bad\\xffname.fatbin"), std::string::npos) << "raw bytes are escaped";
  EXPECT_EQ(t.find("/lib/sub/plain.so"), std::string::npos) << "no-gpu-code rows from walks are hidden";
  EXPECT_NE(t.find("(1 file without GPU code not listed; --all lists them)"), std::string::npos);
  EXPECT_NE(t.find("Summary by directory:"), std::string::npos);
  EXPECT_NE(t.find("/lib/sub"), std::string::npos);
  std::ostringstream all;
  render_scan_text(sample_report(), all, {false, true});
  EXPECT_NE(all.str().find("/lib/sub/plain.so"), std::string::npos);
}

TEST(ScanText, DetailsListContainers) {
  std::ostringstream out;
  render_scan_text(sample_report(), out, {true, false});
  EXPECT_NE(out.str().find("0x00000000  -                native           sm_121 ["), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("compute_121 ISA 9.0"), std::string::npos);
}

}  // namespace
}  // namespace sm121probe::report
