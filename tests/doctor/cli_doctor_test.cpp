// `sm121-probe doctor` end to end: exit codes, formats, redaction, the
// catalog against docs/doctor.md and the schema.
#include "doctor/fake_env.hpp"

#include "sm121probe/doctor/model.hpp"
#include "sm121probe/report/doctor_render.hpp"
#include "sm121probe/util/io.hpp"
#include "support/schema.hpp"
#include "support/xmllint.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>

namespace sm121probe::testing {
namespace {

const std::string schema = std::string(SM121PROBE_SOURCE_DIR) + "/docs/doctor.schema.json";

std::vector<std::string> harmful_env(const fake_env& e) {
  return {"HOME=" + e.home, "TMPDIR=" + e.dir.path, "CUDA_FORCE_PTX_JIT=1", "TRITON_OVERRIDE_ARCH=sm90"};
}

TEST(DoctorCli, HarmfulEnvironmentExitsOneWithFindingsInJson) {
  fake_env e;
  e.triton(fake_env::triton_ptxas::ptxas_128);
  const auto res = run_tool({"doctor", "--python", e.python, "--target", "sm_121", "--driver-cuda", "13.0",
                             "--format", "json"},
                            harmful_env(e));
  ASSERT_EQ(res.exit_code, 1) << res.err;
  const auto j = nlohmann::json::parse(res.out);
  EXPECT_EQ(schema_errors(j, schema), "");
  std::set<std::string> got;
  for (const auto& f : j["findings"]) got.insert(f["id"].get<std::string>() + ":" + f["severity"].get<std::string>());
  EXPECT_TRUE(got.count("triton.ptxas-rejects-target:error")) << res.out;
  EXPECT_TRUE(got.count("triton.override-arch:error"));
  EXPECT_TRUE(got.count("env.cuda-force-ptx-jit:warn"));
  EXPECT_EQ(j["target_source"], "given with --target");
  EXPECT_EQ(j["driver_cuda"], "13.0");
  EXPECT_EQ(j["device"], nullptr);
  EXPECT_EQ(j["command_line"][0], "sm121-probe");
  EXPECT_EQ(j["command_line"][1], "doctor");
}

TEST(DoctorCli, CleanEnvironmentExitsZero) {
  fake_env e;
  e.triton(fake_env::triton_ptxas::real);
  e.torch({blob::sass(121)});
  const auto res = run_tool({"doctor", "--python", e.python, "--target", "121", "--driver-cuda", "13.0"},
                            {"HOME=" + e.home, "TMPDIR=" + e.dir.path, "CUDA_FORCE_PTX_JIT=", "TRITON_OVERRIDE_ARCH=", "TRITON_PTXAS_PATH="});
  EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  EXPECT_NE(res.out.find("Findings: 0 errors"), std::string::npos) << res.out;
}

TEST(DoctorCli, UsageAndEnvironmentErrors) {
  fake_env e;
  auto res = run_tool({"doctor", "--python", e.dir / "missing-python", "--target", "sm_121"});
  EXPECT_EQ(res.exit_code, 2) << res.err;
  EXPECT_NE(res.err.find("cannot run Python interpreter"), std::string::npos) << res.err;
  EXPECT_EQ(std::count(res.err.begin(), res.err.end(), '\n'), 1) << res.err;
  res = run_tool({"doctor", "--format", "yaml"});
  EXPECT_EQ(res.exit_code, 2);
  res = run_tool({"doctor", "--target", "sm_121a"});
  EXPECT_EQ(res.exit_code, 2);
  res = run_tool({"doctor", "--driver-cuda", "9.2"});
  EXPECT_EQ(res.exit_code, 2);
  res = run_tool({"doctor", "-o", e.dir / "no/such/dir/out.json"});
  EXPECT_EQ(res.exit_code, 2);
  write_text(e.dir / "bad-python", "#!/bin/sh\necho boom >&2\nexit 1\n", true);
  res = run_tool({"doctor", "--python", e.dir / "bad-python", "--target", "sm_121"});
  EXPECT_EQ(res.exit_code, 3) << res.err;
  EXPECT_NE(res.err.find("failed to list its site-packages"), std::string::npos) << res.err;
}

TEST(DoctorCli, MarkdownIsRedactedAndJsonFileWritten) {
  fake_env e;
  // A site-packages under a /home/<name> path: the name must not reach the markdown.
  const std::string home_site = e.dir / "home/zoltan-planted/venv/site-packages";
  std::filesystem::create_directories(home_site);
  write_text(e.python, "#!/bin/sh\necho executable=/home/zoltan-planted/venv/bin/python\necho site=" + home_site + "\n", true);
  const auto res = run_tool({"doctor", "--python", e.python, "--target", "sm_121", "--format", "markdown", "--json",
                             e.dir / "d.json"},
                            {"HOME=" + e.home, "TMPDIR=" + e.dir.path, "CUDA_FORCE_PTX_JIT=1"});
  ASSERT_EQ(res.exit_code, 0) << res.err;
  EXPECT_EQ(res.out.find("zoltan-planted"), std::string::npos) << res.out;
  EXPECT_NE(res.out.find("/home/<user-"), std::string::npos) << res.out;
  EXPECT_NE(res.out.find("`env.cuda-force-ptx-jit`"), std::string::npos) << res.out;
  EXPECT_LT(res.out.size(), 60u * 1024);
  // The JSON beside it is not redacted (only markdown is, by default).
  const std::string json = util::read_file(e.dir / "d.json");
  EXPECT_NE(json.find("zoltan-planted"), std::string::npos);
  EXPECT_EQ(schema_errors(nlohmann::json::parse(json), schema), "");
}

TEST(DoctorCli, JunitHasAFailurePerErrorFinding) {
  fake_env e;
  e.triton(fake_env::triton_ptxas::ptxas_128);
  const auto res = run_tool({"doctor", "--python", e.python, "--target", "sm_121", "--format", "junit", "-o",
                             e.dir / "j.xml"},
                            {"HOME=" + e.home, "TMPDIR=" + e.dir.path, "TRITON_PTXAS_PATH=", "CUDA_VISIBLE_DEVICES="});
  ASSERT_EQ(res.exit_code, 1) << res.err;
  const std::string xml = util::read_file(e.dir / "j.xml");
  EXPECT_EQ(xml_wellformed_errors(xml), "");
  EXPECT_EQ(xml_schema_errors(xml, std::string(SM121PROBE_TEST_DATA_DIR) + "/report/junit.xsd"), "");
  EXPECT_EQ(xml_count(xml, "count(//testcase[@name='triton.ptxas-rejects-target']/failure)"), 1);
  EXPECT_EQ(xml_count(xml, "count(//testcase[@name='env.cuda-visible-devices-hides-all']/failure)"), 1);
  EXPECT_EQ(xml_count(xml, "count(//failure)"), xml_count(xml, "count(//testcase[@classname='doctor.error'])"));
  EXPECT_GT(xml_count(xml, "count(//testcase[@classname='doctor.info'])"), -1);
}

TEST(DoctorCatalog, EveryIdIsDocumentedAndInTheSchema) {
  const std::string doc = util::read_file(std::string(SM121PROBE_SOURCE_DIR) + "/docs/doctor.md");
  const auto j = nlohmann::json::parse(util::read_file(schema));
  std::set<std::string> schema_ids;
  for (const auto& id : j["definitions"]["finding"]["properties"]["id"]["enum"]) schema_ids.insert(id.get<std::string>());
  std::set<std::string> ids;
  for (const auto& k : doctor::finding_catalog()) {
    const std::string id(k.id);
    EXPECT_TRUE(ids.insert(id).second) << "duplicate id " << id;
    EXPECT_NE(doc.find("### `" + id + "` (" + std::string(doctor::to_string(k.level))), std::string::npos)
        << id << " has no section in docs/doctor.md (or another severity)";
    EXPECT_FALSE(k.source.empty()) << id;
  }
  EXPECT_EQ(ids, schema_ids);
  // No stale section: every documented id is in the catalog.
  std::size_t pos = 0;
  while ((pos = doc.find("### `", pos)) != std::string::npos) {
    pos += 5;
    const std::string id = doc.substr(pos, doc.find('`', pos) - pos);
    EXPECT_TRUE(ids.count(id)) << "docs/doctor.md documents unknown id " << id;
  }
}

TEST(DoctorRender, TextAndMarkdownCarryIdSeverityAndFix) {
  doctor::doctor_report r;
  r.target = "sm_121";
  r.findings.push_back({"env.cuda-force-ptx-jit", doctor::severity::warn, "CUDA_FORCE_PTX_JIT=1 | pipes *and* stars",
                        "CUDA_FORCE_PTX_JIT=1", "slow", "unset CUDA_FORCE_PTX_JIT"});
  r.findings.push_back({"triton.ptxas-rejects-target", doctor::severity::error, "bad ptxas",
                        "ptxas fatal   : Value 'sm_121a' is not defined for option 'gpu-name'\nsecond line", "fails",
                        "export TRITON_PTXAS_PATH=/usr/local/cuda/bin/ptxas"});
  doctor::sort_findings(r.findings);
  EXPECT_EQ(r.findings.front().id, "triton.ptxas-rejects-target");
  const std::string text = report::render_doctor_text(r);
  EXPECT_NE(text.find("[error] triton.ptxas-rejects-target: bad ptxas"), std::string::npos) << text;
  EXPECT_NE(text.find("fix: export TRITON_PTXAS_PATH=/usr/local/cuda/bin/ptxas"), std::string::npos) << text;
  EXPECT_NE(text.find("observed: ptxas fatal   : Value 'sm_121a'"), std::string::npos) << text;
  EXPECT_NE(text.find("'gpu-name'\n              second line\n"), std::string::npos) << text;  // one line each, aligned
  const std::string md = report::render_doctor_markdown(r);
  EXPECT_NE(md.find("| **error** | `triton.ptxas-rejects-target` |"), std::string::npos) << md;
  EXPECT_NE(md.find("`export TRITON_PTXAS_PATH=/usr/local/cuda/bin/ptxas`"), std::string::npos) << md;
  EXPECT_NE(md.find("\\| pipes \\*and\\* stars"), std::string::npos) << md;
  EXPECT_NE(report::render_doctor_markdown(r, 4).find("#### sm121-probe doctor"), std::string::npos);
}

}  // namespace
}  // namespace sm121probe::testing

namespace sm121probe::testing {
namespace {

TEST(DoctorInReports, ScanMarkdownWithDoctorHoldsBothAndIsRedacted) {
  fake_env e;
  const std::string home_site = e.dir / "home/zoltan-planted/venv/site-packages";
  std::filesystem::create_directories(home_site);
  write_bytes(home_site + "/torch/lib/libtorch_cuda.so",
              blob::host_with_fatbin(blob::make_container({blob::sass(120)})));
  write_text(home_site + "/torch/version.py", "__version__ = '2.9.0'\ncuda = '13.0'\n");
  write_text(e.python, "#!/bin/sh\necho executable=/home/zoltan-planted/venv/bin/python\necho site=" + home_site + "\n",
             true);
  const auto res = run_tool({"scan", "--python=" + e.python, "--target", "sm_121", "--driver-cuda", "13.0", "--format",
                             "markdown", "--doctor"},
                            {"HOME=" + e.home, "TMPDIR=" + e.dir.path, "CUDA_FORCE_PTX_JIT=1"});
  ASSERT_EQ(res.exit_code, 0) << res.err;
  const auto scan_at = res.out.find("### sm121-probe scan");
  const auto doctor_at = res.out.find("### sm121-probe doctor: sm_121");
  ASSERT_NE(scan_at, std::string::npos) << res.out;
  ASSERT_NE(doctor_at, std::string::npos) << res.out;
  EXPECT_LT(scan_at, doctor_at);
  EXPECT_NE(res.out.find("`env.cuda-force-ptx-jit`", doctor_at), std::string::npos) << res.out;
  // The doctor audited the same interpreter: torch's false-alarm note is there.
  EXPECT_NE(res.out.find("`torch.capability-warning-false-alarm`", doctor_at), std::string::npos) << res.out;
  EXPECT_EQ(res.out.find("zoltan-planted"), std::string::npos) << res.out;

  const auto bad = run_tool({"scan", "--python=" + e.python, "--format", "json", "--doctor"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--doctor"), std::string::npos) << bad.err;
}

TEST(DoctorInReports, RunMarkdownWithDoctor) {
  temp_dir dir;
  const auto res = run_tool({"run", "--target", "sm_121", "--only", "cuda.fma", "--format", "markdown", "--doctor",
                             "-o", "-", "-q"},
                            {"CUDA_FORCE_PTX_JIT=1", "CUDA_VISIBLE_DEVICES=-1", "HOME=" + dir.path, "TMPDIR=" + dir.path});
  // The run's exit code is the run's own: the doctor's findings do not change it.
  ASSERT_EQ(res.exit_code, 0) << res.err;
  const auto doctor_at = res.out.find("### sm121-probe doctor: sm_121");
  ASSERT_NE(doctor_at, std::string::npos) << res.out;
  EXPECT_NE(res.out.find("cuda.fma"), std::string::npos);
  EXPECT_NE(res.out.find("`env.cuda-force-ptx-jit`", doctor_at), std::string::npos) << res.out;
  EXPECT_NE(res.out.find("`env.cuda-visible-devices-hides-all`", doctor_at), std::string::npos) << res.out;
  const auto bad = run_tool({"run", "--target", "sm_121", "--only", "cuda.fma", "--format", "json", "--doctor"});
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
}  // namespace sm121probe::testing
