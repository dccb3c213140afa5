// Acceptance of `scan` against real nvcc output: every parsed entry and every
// verdict (targets sm_121, sm_120, sm_90) must match what nvcc was asked for.
// The fixtures are compiled during the test run by build_fixtures (a ctest
// FIXTURES_SETUP test); see fixtures.hpp for the table.
#include "binscan/builder.hpp"
#include "binscan/nvcc/fixtures.hpp"
#include "sm121probe/arch.hpp"
#include "support/process.hpp"
#include "support/schema.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

namespace sm121probe::testing::nvcc {

namespace {

namespace fs = std::filesystem;

const std::string fixture_dir = SM121PROBE_SCAN_FIXTURE_DIR;
const std::string schema_path = std::string(SM121PROBE_SOURCE_DIR) + "/docs/scan.schema.json";

cuda_version toolkit() {
  std::string v = SM121PROBE_TOOLKIT_VERSION;  // "13.0.88"
  if (auto dot = v.find('.'); dot != std::string::npos)
    if (auto dot2 = v.find('.', dot + 1); dot2 != std::string::npos) v.resize(dot2);
  return parse_cuda_version(v).value_or(cuda_version{});
}

/// The PTX ISA nvcc of this toolkit writes (PTX ISA release history).
std::string toolkit_isa() { return to_string(max_ptx_isa_for(toolkit())->isa); }

void require_fixtures() {
  if (!fs::exists(std::string(SM121PROBE_CUDA_BIN_DIR) + "/nvcc")) GTEST_SKIP() << "nvcc is not installed here";
  ASSERT_TRUE(fs::exists(fixture_dir + "/complete"))
      << "nvcc fixtures missing in " << fixture_dir << ": run through ctest (test binscan.nvcc_fixtures builds them)";
}

nlohmann::json scan_json(const std::vector<std::string>& extra, int& exit_code) {
  std::vector<std::string> args{"scan", "--format", "json", "--details", "--driver-cuda", to_string(toolkit())};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_tool(args);
  exit_code = r.exit_code;
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON (" << e.what() << "): " << r.out << r.err;
    return nlohmann::json::object();
  }
}

class NvccFixture : public ::testing::TestWithParam<fixture> {};

TEST_P(NvccFixture, EntriesMatchWhatNvccWasAskedFor) {
  require_fixtures();
  const fixture& f = GetParam();
  if (!f.entries_checked) return;  // verdicts only (VerdictsForSm121Sm120Sm90)
  int rc = 0;
  const auto doc = scan_json({"--target", "sm_121", fixture_dir + "/" + f.name}, rc);
  ASSERT_EQ(doc.at("files").size(), 1u);
  const auto& file = doc.at("files")[0];
  EXPECT_EQ(file.at("format"), f.format);

  // The file-level image lists: exactly the requested loadable images.
  EXPECT_EQ(file.at("sass").get<std::vector<std::string>>(), f.sass);
  std::vector<std::pair<std::string, std::string>> ptx;
  for (const auto& p : file.at("ptx")) ptx.emplace_back(p.at("arch"), p.at("isa"));
  std::vector<std::pair<std::string, std::string>> want_ptx;
  for (const auto& p : f.ptx) want_ptx.emplace_back(p, toolkit_isa());
  EXPECT_EQ(ptx, want_ptx);

  // Every entry of every container.
  const auto& containers = file.at("containers");
  EXPECT_EQ(static_cast<int>(containers.size()), f.containers);
  int empty = 0;
  std::set<std::string> seen_loadable, seen_link;
  for (const auto& c : containers) {
    const bool link = c.at("class") == "link_input";
    const auto section = c.at("section").get<std::string>();
    if (link) {
      EXPECT_EQ(section, "__nv_relfatbin");
    } else if (f.section.starts_with("*")) {
      EXPECT_TRUE(section.ends_with(f.section.substr(1))) << section;
      EXPECT_GT(section.size(), f.section.size()) << "archive labels name the member";
    } else {
      EXPECT_EQ(section, f.section);
    }
    if (c.at("entries").empty()) ++empty;
    for (const auto& e : c.at("entries")) {
      const auto name = e.at("name").get<std::string>();
      const auto kind = e.at("kind").get<std::string>();
      (link ? seen_link : seen_loadable).insert(name);
      // Variant as requested: the suffix of the name and the variant field agree.
      const char last = name.back();
      EXPECT_EQ(e.at("variant"), last == 'a' ? "a" : last == 'f' ? "f" : "plain") << name;
      if (kind == "sass") {
        const auto& allowed = link ? f.link_only : f.sass;
        EXPECT_NE(std::find(allowed.begin(), allowed.end(), name), allowed.end()) << f.name << ": unexpected " << name;
        EXPECT_TRUE(e.at("isa").is_null());
        // Relocatable cubins are compressed by default (fatbin-format.md 3).
        EXPECT_EQ(e.at("compression"), link ? "zstd" : f.sass_compression) << f.name << " " << name;
      } else if (kind == "ptx") {
        const auto& allowed = link ? f.link_only : f.ptx;
        EXPECT_NE(std::find(allowed.begin(), allowed.end(), name), allowed.end()) << f.name << ": unexpected " << name;
        EXPECT_EQ(e.at("isa"), toolkit_isa()) << name;
        EXPECT_EQ(e.at("compression"), f.ptx_compression) << f.name << " " << name;
      } else {
        ADD_FAILURE() << f.name << ": unexpected entry kind " << kind;
      }
      if (e.at("compression") != "none") {
        EXPECT_GT(e.at("compressed_size").get<std::uint64_t>(), 0u);
        EXPECT_LE(e.at("compressed_size").get<std::uint64_t>(), e.at("payload_size").get<std::uint64_t>());
        EXPECT_GT(e.at("uncompressed_size").get<std::uint64_t>(), 0u);
      }
    }
  }
  EXPECT_EQ(empty, f.empty_containers);
  // Every requested image is present.
  for (const auto& n : f.sass) EXPECT_TRUE(seen_loadable.count(n)) << f.name << ": missing " << n;
  for (const auto& n : f.ptx) EXPECT_TRUE(seen_loadable.count(n)) << f.name << ": missing " << n;
  for (const auto& n : f.link_only) EXPECT_TRUE(seen_link.count(n)) << f.name << ": missing link input " << n;
  EXPECT_EQ(file.at("modules").at("link_input").get<int>(), f.link_only.empty() ? 0 : f.containers - 1)
      << "all but the linked image are relocatable copies";
}

TEST_P(NvccFixture, VerdictsForSm121Sm120Sm90) {
  require_fixtures();
  const fixture& f = GetParam();
  for (const auto& [target, want] :
       {std::pair{"sm_121", f.on_sm121}, std::pair{"sm_120", f.on_sm120}, std::pair{"sm_90", f.on_sm90}}) {
    int rc = -1;
    const auto doc = scan_json({"--target", target, fixture_dir + "/" + f.name}, rc);
    EXPECT_EQ(testing::schema_errors(doc, schema_path), "");
    ASSERT_EQ(doc.at("files").size(), 1u);
    const auto& file = doc.at("files")[0];
    EXPECT_EQ(doc.at("target"), target);
    EXPECT_EQ(file.at("verdict"), want) << f.name << " on " << target << ": " << file.at("reason");
    EXPECT_EQ(rc, want == "failing" ? 1 : 0) << f.name << " on " << target;
    const auto reason = file.at("reason").get<std::string>();
    if (want == "failing") {
      // The reason names what the file has.
      for (const auto& s : f.sass) EXPECT_NE(reason.find(s), std::string::npos) << reason;
    }
    if (want == "fallback") {
      const bool linked = !f.link_only.empty() && f.ptx.empty();
      EXPECT_NE(reason.find(linked ? "JIT-links the relocatable PTX compute_" : "JIT-compiles PTX compute_"),
                std::string::npos)
          << reason;
    }
    if (want == "no-gpu-code") {
      EXPECT_NE(reason.find("kernel-less stub"), std::string::npos) << reason;
    }
  }
}

std::string fixture_name(const ::testing::TestParamInfo<fixture>& info) {
  std::string n = info.param.name;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Scan, NvccFixture, ::testing::ValuesIn(fixtures()), fixture_name);

TEST(NvccScan, OlderDriverRejectsNewPtx) {
  require_fixtures();
  const auto r = run_tool({"scan", "--target", "sm_121", "--driver-cuda", "12.8", fixture_dir + "/exe_ptx90"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("PTX compute_90 needs PTX ISA " + toolkit_isa() + " but the driver (CUDA 12.8) accepts ≤ 8.7"),
            std::string::npos)
      << r.out;
}

// Issue 12: a kernel that traps unless __CUDA_ARCH__ == 1200, built for sm_121
// too, is counted as trap-only there (references compiled with NVRTC at run time).
TEST(NvccScan, TrapOnlyKernelIsReportedOnSm121Only) {
  require_fixtures();
  int rc = -1;
  const auto doc = scan_json({"--target", "sm_121", fixture_dir + "/libtrap120.so"}, rc);
  EXPECT_EQ(rc, 0) << "a warning, not a failure";
  EXPECT_EQ(testing::schema_errors(doc, schema_path), "");
  EXPECT_TRUE(doc.at("trap_check").get<std::string>().starts_with("trap and return instructions derived with NVRTC"))
      << doc.at("trap_check");
  const auto& file = doc.at("files").at(0);
  EXPECT_EQ(file.at("verdict"), "native");
  ASSERT_TRUE(file.contains("kernels")) << file.dump();
  EXPECT_EQ(file.at("kernels").at("checked"), 1);
  EXPECT_EQ(file.at("kernels").at("trap_only"), 1);
  ASSERT_EQ(file.at("findings").size(), 1u);
  EXPECT_EQ(file.at("findings")[0].at("kind"), "trap-only-kernels");
  EXPECT_NE(file.at("findings")[0].at("message").get<std::string>().find("only_sm120"), std::string::npos);
  const auto on120 = scan_json({"--target", "sm_120", fixture_dir + "/libtrap120.so"}, rc);
  EXPECT_EQ(on120.at("files").at(0).at("kernels").at("trap_only"), 0);
  EXPECT_FALSE(on120.at("files").at(0).contains("findings"));
  // Other fixtures built for sm_121 have no trap-only kernels.
  const auto mixed = scan_json({"--target", "sm_121", fixture_dir + "/exe_mixed"}, rc);
  EXPECT_EQ(mixed.at("files").at(0).at("kernels").at("trap_only"), 0);
  EXPECT_GE(mixed.at("files").at(0).at("kernels").at("checked").get<int>(), 1);
}

TEST(NvccScan, WholeDirectory) {
  require_fixtures();
  int rc = -1;
  const auto doc = scan_json({"--target", "sm_121", fixture_dir}, rc);
  EXPECT_EQ(rc, 1) << "some fixtures are failing on sm_121";
  EXPECT_EQ(testing::schema_errors(doc, schema_path), "");
  std::map<std::string, int> want;
  for (const auto& f : fixtures()) ++want[f.on_sm121];
  const auto& s = doc.at("summary");
  EXPECT_EQ(s.at("native"), want["native"]);
  EXPECT_EQ(s.at("fallback"), want["fallback"]);
  EXPECT_EQ(s.at("failing"), want["failing"]);
  EXPECT_EQ(s.at("error"), 0);
  // The sources next to the fixtures are skipped, the nvcc logs too.
  EXPECT_EQ(s.at("files").get<std::size_t>(), fixtures().size());
}

// ---- A Python environment of nvcc-built packages (issue 12) -------------------------

/// Writes a distribution's dist-info (METADATA, RECORD listing `files`) into `site`.
void write_dist(const std::string& site, const std::string& name, const std::string& version,
                const std::vector<std::string>& files, const std::string& extra_metadata = "") {
  std::string dir = name;
  std::replace(dir.begin(), dir.end(), '-', '_');
  const fs::path info = fs::path(site) / (dir + "-" + version + ".dist-info");
  fs::create_directories(info);
  std::ofstream(info / "METADATA") << "Metadata-Version: 2.1\nName: " << name << "\nVersion: " << version << "\n"
                                   << extra_metadata << "\n";
  std::ofstream record(info / "RECORD");
  for (const auto& f : files) record << f << ",sha256=x,1\n";
}

/// Copies a built fixture into the site as `rel`.
void put(const std::string& site, const std::string& fixture_name, const std::string& rel) {
  const fs::path to = fs::path(site) / rel;
  fs::create_directories(to.parent_path());
  fs::copy_file(fs::path(fixture_dir) / fixture_name, to, fs::copy_options::overwrite_existing);
}

const nlohmann::json* package_row(const nlohmann::json& doc, const std::string& name) {
  for (const auto& p : doc.at("packages"))
    if (p.at("name") == name) return &p;
  return nullptr;
}

// Acceptance: nvcc fixtures arranged as installed packages with dist-info RECORDs:
// bitsandbytes-style alternatives for three CUDA releases, a relocatable PTX-only
// library, a trap-stub kernel, a library needing a missing libcudart.so.12, a
// cubin package that compiles at run time, and a directory package with nothing
// that runs. Expected verdicts follow from the -gencode options (fixtures.hpp).
TEST(NvccScan, PythonEnvironmentOfPackages) {
  require_fixtures();
  testing::temp_dir env;
  const std::string site = env / "site-packages";
  fs::create_directories(site + "/torch");
  std::ofstream(site + "/torch/version.py") << "__version__ = '2.15.0'\ncuda = '13.0'\n";
  put(site, "libsm120.so", "torch/lib/libtorch_cuda.so");
  write_dist(site, "torch", "2.15.0", {"torch/version.py", "torch/lib/libtorch_cuda.so"});
  put(site, "libsm120a.so", "bitsandbytes/libbitsandbytes_cuda118.so");   // failing on sm_121
  put(site, "libspeed_sm80.so", "bitsandbytes/libbitsandbytes_cuda126.so");  // fallback (PTX compute_80)
  put(site, "libsm120.so", "bitsandbytes/libbitsandbytes_cuda130.so");    // native
  write_dist(site, "bitsandbytes", "0.50.0",
             {"bitsandbytes/libbitsandbytes_cuda118.so", "bitsandbytes/libbitsandbytes_cuda126.so",
              "bitsandbytes/libbitsandbytes_cuda130.so"});
  put(site, "librdc_ptx90.so", "rdcpkg/librdc_ptx90.so");
  write_dist(site, "rdcpkg", "1.0", {"rdcpkg/librdc_ptx90.so"});
  put(site, "libtrap120.so", "sm120only/libtrap120.so");
  write_dist(site, "sm120only", "0.1", {"sm120only/libtrap120.so"});
  {  // A real nvcc fatbin (sm_120f) in a library that needs libcudart.so.12.
    std::ifstream in(fixture_dir + "/all_sm120f.fatbin", std::ios::binary);
    const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    blob::bytes fatbin(raw.size());
    std::memcpy(fatbin.data(), raw.data(), raw.size());
    const auto lib = blob::host_needing(fatbin, {"libcudart.so.12"});
    fs::create_directories(site + "/sgl_kernel");
    std::ofstream out(site + "/sgl_kernel/common_ops.so", std::ios::binary);
    out.write(reinterpret_cast<const char*>(lib.data()), static_cast<std::streamsize>(lib.size()));
  }
  write_dist(site, "sgl-kernel", "0.3.9", {"sgl_kernel/common_ops.so"});
  put(site, "sm100a_sm90a.fatbin", "flashinfer_cubin/cubins/fmha.fatbin");
  write_dist(site, "flashinfer-cubin", "0.5.0", {"flashinfer_cubin/cubins/fmha.fatbin"},
             "Requires-Dist: flashinfer-python==0.5.0\n");
  put(site, "libsm120a.so", "oldext/liboldext.so");  // no dist-info: a directory package
  const std::string py = env / "python";
  std::ofstream(py) << "#!/bin/sh\necho '" << site << "'\n";
  ::chmod(py.c_str(), 0755);

  int rc = -1;
  auto doc = scan_json({"--target", "sm_121", "--python=" + py}, rc);
  EXPECT_EQ(testing::schema_errors(doc, schema_path), "");
  EXPECT_EQ(rc, 1) << "oldext has nothing that runs on sm_121";
  std::map<std::string, std::string> verdict, how;
  for (const auto& p : doc.at("packages")) {
    verdict[p.at("name")] = p.at("verdict");
    how[p.at("name")] = p.at("how");
  }
  EXPECT_EQ(verdict, (std::map<std::string, std::string>{{"bitsandbytes", "native"},
                                                         {"flashinfer-cubin", "compiles-at-run-time"},
                                                         {"oldext", "failing"},
                                                         {"rdcpkg", "fallback"},
                                                         {"sgl-kernel", "native"},
                                                         {"sm120only", "native"},
                                                         {"torch", "native"}}))
      << doc.at("packages").dump(1);
  EXPECT_EQ(how["rdcpkg"], "jit-link");
  EXPECT_EQ(how["bitsandbytes"], "native-sass");
  EXPECT_EQ(doc.at("packages")[0].at("name"), "oldext");
  EXPECT_NE(package_row(doc, "rdcpkg")->at("reason").get<std::string>().find("JIT linking"), std::string::npos);
  EXPECT_NE(package_row(doc, "sm120only")->at("reason").get<std::string>().find("trap-only-kernels (1 file)"),
            std::string::npos)
      << package_row(doc, "sm120only")->at("reason");
  const auto sgl = package_row(doc, "sgl-kernel")->at("reason").get<std::string>();
  // Missing unless this machine's loader cache has a CUDA 12 runtime (then the loader finds it).
  const bool cache_has_cudart12 =
      run_process({"sh", "-c", "ldconfig -p 2>/dev/null | grep -q 'libcudart.so.12 '"}).exit_code == 0;
  if (cache_has_cudart12)
    EXPECT_EQ(sgl.find("missing-cuda-library"), std::string::npos) << sgl;
  else
    EXPECT_NE(sgl.find("missing-cuda-library (1 file)"), std::string::npos) << sgl;
  const auto& alt = package_row(doc, "bitsandbytes")->at("alternatives");
  EXPECT_TRUE(alt.at("selected").get<std::string>().ends_with("_cuda130.so"));
  // torch for CUDA 12.6: the PTX-only variant is loaded -> fallback; the package passes.
  std::ofstream(site + "/torch/version.py") << "__version__ = '2.15.0'\ncuda = '12.6'\n";
  fs::remove_all(site + "/oldext");
  doc = scan_json({"--target", "sm_121", "--python=" + py}, rc);
  EXPECT_EQ(rc, 0) << doc.at("packages").dump(1);
  EXPECT_EQ(package_row(doc, "bitsandbytes")->at("verdict"), "fallback");
  EXPECT_EQ(package_row(doc, "bitsandbytes")->at("how"), "ptx-jit");
  // torch for CUDA 11.8: the sm_120a-only variant is loaded -> failing -> exit 1.
  std::ofstream(site + "/torch/version.py") << "__version__ = '2.15.0'\ncuda = '11.8'\n";
  doc = scan_json({"--target", "sm_121", "--python=" + py}, rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(package_row(doc, "bitsandbytes")->at("verdict"), "failing");
}

}  // namespace
}  // namespace sm121probe::testing::nvcc
