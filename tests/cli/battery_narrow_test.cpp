// The narrow-format tensor probes end to end: the built binary, offline, for
// GB10 (sm_121), datacenter Blackwell (sm_100a), Hopper (sm_90a), Ada (sm_89)
// and Ampere (sm_80); and docs/probes.md against `list --format markdown`.
#include "sm121probe/report/json.hpp"
#include "sm121probe/util/io.hpp"
#include "support/process.hpp"
#include "support/schema.hpp"
#include "support/report_lookup.hpp"

#include <gtest/gtest.h>

#include <set>

namespace sm121probe {
namespace {

using report::verdict;
using testing::run_tool;
using testing::temp_dir;

const std::string schema = std::string(SM121PROBE_SOURCE_DIR) + "/docs/report.schema.json";
const char* const narrow_probes = "mma.*,cvt.*";

const std::set<std::string> fp4_fp6_ids = {"mma.f8f6f4.e2m1", "mma.f8f6f4.e3m2", "mma.f8f6f4.e2m3",
                                           "mma.mxf8f6f4",    "mma.mxf4",        "mma.nvf4",
                                           "mma.mxf8f6f4.sel", "mma.mxf4.sel",   "mma.nvf4.sel"};

report::run_report run_offline(const std::string& target) {
  temp_dir dir;
  const auto r = run_tool({"--target", target, "--only", narrow_probes, "-o", dir / "r.json", "-q"});
  const std::string text = util::read_file(dir / "r.json");
  EXPECT_EQ(testing::schema_errors(nlohmann::json::parse(text), schema), "") << target;
  auto rep = report::parse_run_report(text);
  bool worse = false;
  for (const auto& p : rep.probes) worse = worse || p.worse_than_expected;
  EXPECT_EQ(r.exit_code, worse ? 1 : 0) << target << "\n" << r.err;
  return rep;
}

using testing::find;

TEST(NarrowBattery, Sm121EveryTensorClassNativeInt4EmulatedLeastSpecificTargets) {
  const auto r = run_offline("sm_121");
  ASSERT_GE(r.probes.size(), 19u);
  for (const auto& p : r.probes) {
    EXPECT_TRUE(p.as_expected) << p.id << ": " << report::to_string(p.result) << " - " << p.reason;
    EXPECT_EQ(p.basis, report::evidence::compile) << p.id;
    if (p.id == "mma.s4") continue;
    if (p.id.starts_with("mma.precision.")) {
      // The accumulator precision is measured on a GPU only (issue 10).
      EXPECT_EQ(p.result, verdict::skipped) << p.id;
      EXPECT_EQ(p.reason.rfind("needs a GPU", 0), 0u) << p.reason;
      EXPECT_NE(p.reason.find("mantissa bits"), std::string::npos) << p.reason;
      // The reason names the target the kernel really compiled for (the FP4 one needs sm_121f).
      EXPECT_NE(p.reason.find("compiles for " + p.least_specific_target + ")"), std::string::npos) << p.reason;
      continue;
    }
    EXPECT_EQ(p.result, verdict::native) << p.id << ": " << p.reason;
  }
  // Sparse FP4 (the 1-PFLOP headline): native through sm_121a for the block-scaled kinds,
  // which ptxas rejects for sm_121f; kind::f8f6f4 sparse through sm_121f.
  EXPECT_EQ(find(r, "mma.sp.mxf4").least_specific_target, "sm_121a");
  EXPECT_EQ(find(r, "mma.sp.nvf4").least_specific_target, "sm_121a");
  EXPECT_EQ(find(r, "mma.sp.f8f6f4.e2m1").least_specific_target, "sm_121f");
  EXPECT_EQ(find(r, "mma.precision.fp4").least_specific_target, "sm_121f");
  for (const char* id : {"mma.sp.mxf4", "mma.sp.nvf4"}) {
    bool f_rejected = false;
    for (const auto& n : find(r, id).attempts.at(0).notes) f_rejected |= n.find("sm_121f rejected") != std::string::npos;
    EXPECT_TRUE(f_rejected) << id << ": the family target's rejection is kept";
  }
  // int4: compiles for plain sm_121, but the SASS is an emulation.
  const auto& s4 = find(r, "mma.s4");
  EXPECT_EQ(s4.result, verdict::fallback);
  EXPECT_EQ(s4.reason.rfind("emulated", 0), 0u) << s4.reason;
  ASSERT_TRUE(s4.attempts.at(0).emulated);
  ASSERT_TRUE(s4.attempts.at(0).sass);
  EXPECT_EQ(s4.attempts.at(0).sass->expected_class, "IMMA");
  EXPECT_FALSE(s4.attempts.at(0).sass->expected_found);
  EXPECT_EQ(s4.attempts.at(0).sass->classes.at("IMMA"), 2) << "two s8 IMMAs stand in for one s4 IMMA";
  EXPECT_EQ(s4.least_specific_target, "sm_121");
  // FP4/FP6 and block scaling need the family target; FP8 does not.
  for (const auto& id : fp4_fp6_ids) EXPECT_EQ(find(r, id).least_specific_target, "sm_121f") << id;
  for (const char* id : {"cvt.fp4", "cvt.fp6", "cvt.ue8m0", "mma.f8f6f4.e4m3"})
    EXPECT_EQ(find(r, id).least_specific_target, "sm_121f") << id;
  for (const char* id : {"mma.fp8.e4m3", "mma.fp8.e5m2", "cvt.fp8", "mma.f16", "mma.s8"})
    EXPECT_EQ(find(r, id).least_specific_target, "sm_121") << id;
  // The plain target's rejection is kept as a note on the attempt.
  const auto& e2m1 = find(r, "mma.f8f6f4.e2m1").attempts.at(0);
  ASSERT_FALSE(e2m1.notes.empty());
  EXPECT_NE(e2m1.notes[0].find("sm_121 rejected"), std::string::npos) << e2m1.notes[0];
  // Native verdicts rest on the SASS: the class instruction is in the kernel.
  const std::pair<const char*, const char*> classes[] = {
      {"mma.fp8.e4m3", "QMMA"},    {"mma.f8f6f4.e2m1", "QMMA"}, {"mma.mxf8f6f4", "QMMA.SF"},
      {"mma.mxf4", "OMMA.SF"},     {"mma.nvf4", "OMMA.SF"},     {"cvt.fp4", "F2FP"}};
  for (const auto& [id, cls] : classes) {
    const auto& a = find(r, id).attempts.at(0);
    ASSERT_TRUE(a.sass) << id;
    EXPECT_FALSE(a.emulated) << id;
    EXPECT_EQ(a.sass->expected_class, cls) << id;
    EXPECT_TRUE(a.sass->expected_found) << id << ": " << a.sass->note;
    EXPECT_GE(a.sass->classes.count(cls), 1u) << id;
  }
  EXPECT_EQ(r.totals.worse_than_expected, 0);
}

TEST(NarrowBattery, Sm100aFp4NotNativeFp8Emulated) {
  const auto r = run_offline("sm_100a");
  const auto& fp4 = find(r, "mma.f8f6f4.e2m1");
  EXPECT_NE(fp4.result, verdict::native);
  EXPECT_EQ(fp4.result, verdict::fallback);
  EXPECT_FALSE(fp4.attempts.at(0).passed()) << "no FP4 mma.sync on datacenter Blackwell";
  const auto& fp8 = find(r, "mma.fp8.e4m3");
  EXPECT_EQ(fp8.result, verdict::fallback);
  EXPECT_EQ(fp8.reason.rfind("emulated", 0), 0u) << fp8.reason;
  EXPECT_TRUE(fp8.attempts.at(0).emulated);
  EXPECT_TRUE(fp8.attempts.at(0).passed()) << "it compiles: only the SASS tells";
  EXPECT_TRUE(find(r, "mma.f8f6f4.e4m3").attempts.at(0).emulated) << "kind::f8f6f4 FP8 compiles for sm_100f";
  EXPECT_EQ(find(r, "cvt.fp4").result, verdict::native) << "FP4 conversions exist on sm_100a/f";
  EXPECT_EQ(find(r, "mma.s4").result, verdict::fallback);
  for (const auto& p : r.probes) EXPECT_TRUE(p.as_expected) << p.id << ": " << p.reason;
}

TEST(NarrowBattery, Sm90aFp8EmulatedAndNoNarrowConversions) {
  const auto r = run_offline("sm_90a");
  EXPECT_TRUE(find(r, "mma.fp8.e5m2").attempts.at(0).emulated);
  EXPECT_EQ(find(r, "cvt.fp8").result, verdict::native);
  const auto& fp4 = find(r, "cvt.fp4");
  EXPECT_EQ(fp4.result, verdict::failing);
  EXPECT_TRUE(fp4.as_expected) << "an expected failure";
  EXPECT_FALSE(fp4.worse_than_expected);
  EXPECT_NE(fp4.reason.find("e2m1x2"), std::string::npos) << "the ptxas message: " << fp4.reason;
  for (const auto& p : r.probes) EXPECT_TRUE(p.as_expected) << p.id << ": " << p.reason;
}

TEST(NarrowBattery, Sm89Fp8AndInt4Native) {
  const auto r = run_offline("sm_89");
  for (const char* id : {"mma.fp8.e4m3", "mma.fp8.e5m2", "mma.s4", "cvt.fp8"})
    EXPECT_EQ(find(r, id).result, verdict::native) << id << ": " << find(r, id).reason;
  for (const auto& p : r.probes) EXPECT_TRUE(p.as_expected) << p.id << ": " << p.reason;
}

TEST(NarrowBattery, Sm80Fp4AndFp6ThroughTheDequantFallback) {
  const auto r = run_offline("sm_80");
  for (const auto& id : fp4_fp6_ids) {
    const auto& p = find(r, id);
    EXPECT_EQ(p.result, verdict::fallback) << id;
    ASSERT_EQ(p.attempts.size(), 2u) << id;
    EXPECT_FALSE(p.attempts[0].passed()) << id;
    EXPECT_EQ(p.attempts[1].variant, "sm80-dequant") << id;
    EXPECT_TRUE(p.attempts[1].fallback);
    EXPECT_TRUE(p.attempts[1].passed()) << id;
    EXPECT_EQ(p.attempts[1].target, "sm_80") << id;
    EXPECT_NE(p.reason.find("only sm80-dequant"), std::string::npos) << p.reason;
    EXPECT_EQ(p.least_specific_target, "") << id << ": the native variant did not compile";
  }
  EXPECT_EQ(find(r, "mma.s4").result, verdict::native);
  for (const auto& p : r.probes) EXPECT_TRUE(p.as_expected) << p.id << ": " << p.reason;
}

TEST(ProbesDoc, CommittedFileMatchesTheCatalog) {
  const auto r = run_tool({"list", "--format", "markdown"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string committed = util::read_file(std::string(SM121PROBE_SOURCE_DIR) + "/docs/probes.md");
  EXPECT_TRUE(committed == r.out)
      << "docs/probes.md is out of date: regenerate it with `sm121-probe list --format markdown > docs/probes.md`";
}

TEST(ProbesDoc, EveryProbeAndSourceIsListed) {
  const auto md = run_tool({"list", "--format", "markdown"}).out;
  const auto js = nlohmann::json::parse(run_tool({"list", "--format", "json"}).out);
  for (const auto& p : js) {
    const std::string id = p.at("id");
    EXPECT_NE(md.find("\n## " + id + "\n"), std::string::npos) << id;
  }
  // Every source key the table cites has its entry in the Sources section.
  std::size_t pos = 0;
  std::set<std::string> cited;
  while ((pos = md.find("](#source-", pos)) != std::string::npos) {
    pos += 10;
    cited.insert(md.substr(pos, md.find(')', pos) - pos));
  }
  EXPECT_FALSE(cited.empty());
  for (const auto& key : cited)
    EXPECT_NE(md.find("<a id=\"source-" + key + "\"></a>"), std::string::npos) << "source " << key << " undefined";
}

}  // namespace
}  // namespace sm121probe
