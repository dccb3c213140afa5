// A new probe family is two files: tests/support/demo_family holds a kernel
// (demo_axpy.cu) and a family file (demo_family.cpp) that nothing else names;
// tests/CMakeLists.txt links them into `sm121-probe-demo`. The probe must then
// be in `list`, in an offline report with its expectation, and in the
// generated probe docs, exactly like a built-in one.
#include "sm121probe/report/json.hpp"
#include "sm121probe/util/io.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sm121probe {
namespace {

using testing::run_process;
using testing::temp_dir;

testing::process_result run_demo(const std::vector<std::string>& args) {
  std::vector<std::string> argv{SM121PROBE_DEMO_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

TEST(DemoFamily, ListedAfterTheBuiltInProbes) {
  const auto r = run_demo({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto at = r.out.find("demo.axpy");
  ASSERT_NE(at, std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Test-only family: y = a*x + y over 1024 floats"), std::string::npos);
  EXPECT_GT(at, r.out.find("um.registered")) << "order key 9000 puts it last";
  // The family is linked into the demo tool only.
  const auto builtin = testing::run_tool({"list"});
  EXPECT_EQ(builtin.out.find("demo."), std::string::npos);
}

TEST(DemoFamily, OfflineReportCarriesItsVerdictAndExpectation) {
  temp_dir dir;
  const auto r = run_demo({"--target", "sm_121", "--only", "demo.*", "-o", dir / "r.json", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const report::run_report rep = report::parse_run_report(util::read_file(dir / "r.json"));
  ASSERT_EQ(rep.probes.size(), 1u);
  const auto& p = rep.probes[0];
  EXPECT_EQ(p.id, "demo.axpy");
  EXPECT_EQ(p.result, report::verdict::native) << p.reason;
  ASSERT_EQ(p.expectation, report::expectation_kind::verdict);
  EXPECT_EQ(p.expected, report::verdict::native);
  EXPECT_EQ(p.expected_source, "demo-source");
  EXPECT_TRUE(p.as_expected);
  ASSERT_EQ(p.attempts.size(), 2u);
  EXPECT_TRUE(p.attempts[0].passed()) << "the embedded kernel compiled for sm_121";
  EXPECT_TRUE(p.attempts[1].passed()) << "compute_80 PTX, JIT-linked offline";
}

TEST(DemoFamily, InTheGeneratedProbeDocsWithItsSource) {
  const auto r = run_demo({"list", "--format", "markdown"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| [`demo.axpy`](#demo-axpy) | demo | native | native | native | native | native | native | "
                       "native | [demo-source](#source-demo-source) |"),
            std::string::npos)
      << r.out.substr(0, 3000);
  EXPECT_NE(r.out.find("\n## demo.axpy\n"), std::string::npos);
  EXPECT_NE(r.out.find("(category `demo`, kernel `kernels/demo_axpy.cu`)"), std::string::npos);
  EXPECT_NE(r.out.find("<a id=\"source-demo-source\"></a>`demo-source`: A source that only the test-only demo "
                       "family cites."),
            std::string::npos);
}

}  // namespace
}  // namespace sm121probe
