// The package view of `scan --python` (issue 12): files grouped by installed
// distribution (dist-info RECORD, else directory), one row per package leading
// every format, CUDA-version alternatives, run-time compilation read from
// METADATA, distributions that share files, and the exit code of an environment.
#include "binscan/builder.hpp"
#include "sm121probe/binscan/python_dist.hpp"
#include "support/process.hpp"
#include "support/schema.hpp"
#include "support/xmllint.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

namespace sm121probe {
namespace {

namespace b = testing::blob;
namespace fs = std::filesystem;
using testing::run_tool;
using testing::temp_dir;

const std::string schema_path = std::string(SM121PROBE_SOURCE_DIR) + "/docs/scan.schema.json";

void write_bytes(const std::string& path, const b::bytes& data) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(f.good()) << path;
}

void write_text(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

/// A site-packages directory under construction, with a fake interpreter naming it.
struct env_builder {
  temp_dir dir;
  std::string site = dir / "site-packages";
  std::string python = dir / "fakepython";

  env_builder() {
    fs::create_directories(site);
    std::ofstream f(python);
    f << "#!/bin/sh\necho '" << site << "'\n";
    f.close();
    ::chmod(python.c_str(), 0755);
  }
  /// A distribution: METADATA (name, version, extra header lines) and a RECORD listing `files`.
  void dist(const std::string& name, const std::string& version, const std::vector<std::string>& files,
            const std::string& extra_metadata = "", long mtime = 0) const {
    std::string dirname = name;
    for (char& c : dirname)
      if (c == '-') c = '_';
    const std::string info = site + "/" + dirname + "-" + version + ".dist-info";
    write_text(info + "/METADATA",
               "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n" + extra_metadata + "\nbody\n");
    std::string record;
    for (const auto& f : files) record += f + ",sha256=AAAA,123\n";
    record += dirname + "-" + version + ".dist-info/RECORD,,\n";
    write_text(info + "/RECORD", record);
    if (mtime != 0) {
      const timespec times[2] = {{mtime, 0}, {mtime, 0}};
      ::utimensat(AT_FDCWD, (info + "/RECORD").c_str(), times, 0);
    }
  }
  void file(const std::string& rel, const b::bytes& data) const { write_bytes(site + "/" + rel, data); }
};

b::bytes lib_sass(int sm) { return b::host_with_fatbin(b::make_container({b::sass(sm)})); }
b::bytes lib_ptx(int sm) { return b::host_with_fatbin(b::make_container({b::ptx(sm, 9, 0)})); }

nlohmann::json scan_json(const std::vector<std::string>& extra, int& rc) {
  std::vector<std::string> args{"scan", "--no-trap-check", "--format", "json", "--target", "sm_121"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto r = run_tool(args);
  rc = r.exit_code;
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what() << "\n" << r.out << r.err;
    return {};
  }
}

const nlohmann::json* package(const nlohmann::json& doc, const std::string& name) {
  for (const auto& p : doc.at("packages"))
    if (p.at("name") == name) return &p;
  return nullptr;
}

/// The environment of issue 12 in miniature (synthetic binaries; tests/binscan/nvcc has the nvcc-built one).
void build_env(const env_builder& e) {
  e.file("torch/__init__.py", b::text(""));
  write_text(e.site + "/torch/version.py", "__version__ = '2.9.0'\ncuda: Optional[str] = '13.0'\n");
  e.file("torch/lib/libtorch_cuda.so", lib_sass(120));
  e.file("torch/lib/libc10.so", b::make_elf({}));
  e.dist("torch", "2.9.0", {"torch/__init__.py", "torch/version.py", "torch/lib/libtorch_cuda.so", "torch/lib/libc10.so"},
         "Requires-Dist: triton==3.5.0\nRequires-Dist: nvidia-cuda-nvrtc-cu13==13.0.48");
  // bitsandbytes: one library per CUDA release, only the one for torch's CUDA is loaded.
  e.file("bitsandbytes/libbitsandbytes_cuda118.so", lib_sass(90));
  e.file("bitsandbytes/libbitsandbytes_cuda124.so", lib_ptx(90));
  e.file("bitsandbytes/libbitsandbytes_cuda130.so", lib_sass(120));
  e.dist("bitsandbytes", "0.50.0",
         {"bitsandbytes/libbitsandbytes_cuda118.so", "bitsandbytes/libbitsandbytes_cuda124.so",
          "bitsandbytes/libbitsandbytes_cuda130.so"});
  // flashinfer-cubin: cubins for sm_100a only; its METADATA requires the JIT half.
  e.file("flashinfer_cubin/cubins/gemm_sm100a.cubin", b::make_cubin(100, true, true));
  e.dist("flashinfer-cubin", "0.5.0", {"flashinfer_cubin/cubins/gemm_sm100a.cubin"},
         "Requires-Dist: flashinfer-python==0.5.0\nRequires-Dist: pytest; extra == \"test\"");
  // cupy-cuda12x installed over cupy-cuda13x: both RECORDs list the same files.
  e.file("cupy/_core/core.so", lib_sass(121));
  e.dist("cupy-cuda13x", "13.6.0", {"cupy/_core/core.so"}, "", 1000000000);
  e.dist("cupy-cuda12x", "13.6.0", {"cupy/_core/core.so"}, "", 1100000000);
  // No dist-info: grouped by its directory.
  e.file("mystery/libold.so", lib_sass(80));
}

TEST(ScanPackages, OneRowPerDistributionLeadsAndDecidesTheExitCode) {
  env_builder e;
  build_env(e);
  int rc = -1;
  auto doc = scan_json({"--driver-cuda", "13.0", "--python=" + e.python}, rc);
  EXPECT_EQ(testing::schema_errors(doc, schema_path), "");
  EXPECT_EQ(rc, 1) << "mystery has nothing that runs";
  EXPECT_EQ(doc.at("exit_code"), 1);
  const auto& pkgs = doc.at("packages");
  ASSERT_EQ(pkgs.size(), 5u) << pkgs.dump(1);  // mystery, flashinfer-cubin, bitsandbytes, cupy-cuda12x, torch
  EXPECT_EQ(pkgs[0].at("name"), "mystery") << "failing first";
  EXPECT_EQ(pkgs[0].at("source"), "directory");
  EXPECT_TRUE(pkgs[0].at("version").is_null());
  EXPECT_EQ(pkgs[0].at("verdict"), "failing");
  EXPECT_EQ(pkgs[0].at("how"), "nothing");

  const auto* torch = package(doc, "torch");
  ASSERT_NE(torch, nullptr);
  EXPECT_EQ(torch->at("version"), "2.9.0");
  EXPECT_EQ(torch->at("source"), "dist-info");
  EXPECT_EQ(torch->at("verdict"), "native");
  EXPECT_EQ(torch->at("how"), "native-sass");
  EXPECT_EQ(torch->at("files"), 2) << "libc10.so is torch's too (no GPU code)";
  EXPECT_FALSE(torch->contains("runtime_compile")) << "triton and NVRTC do not make torch a run-time compiler";
  EXPECT_TRUE(torch->at("reason").get<std::string>().starts_with("torch/lib/libtorch_cuda.so: sm_120 SASS loads"))
      << torch->at("reason");

  const auto* bnb = package(doc, "bitsandbytes");
  ASSERT_NE(bnb, nullptr);
  EXPECT_EQ(bnb->at("verdict"), "native");
  EXPECT_EQ(bnb->at("failing"), 0) << "the sm_90-only cuda118 variant is not loaded";
  ASSERT_TRUE(bnb->contains("alternatives"));
  EXPECT_EQ(bnb->at("alternatives").at("cuda"), "13.0");
  EXPECT_TRUE(bnb->at("alternatives").at("cuda_source").get<std::string>().starts_with("torch 2.9.0 ("));
  EXPECT_TRUE(bnb->at("alternatives").at("selected").get<std::string>().ends_with("libbitsandbytes_cuda130.so"));
  EXPECT_EQ(bnb->at("alternatives").at("others").size(), 2u);

  const auto* fi = package(doc, "flashinfer-cubin");
  ASSERT_NE(fi, nullptr);
  EXPECT_EQ(fi->at("verdict"), "compiles-at-run-time");
  EXPECT_EQ(fi->at("how"), "run-time-compile");
  EXPECT_EQ(fi->at("runtime_compile"), "METADATA Requires-Dist: flashinfer-python");
  EXPECT_NE(fi->at("reason").get<std::string>().find("SASS for sm_100a only"), std::string::npos) << fi->at("reason");

  // Two distributions list the same file: warned, counted for the one installed last.
  EXPECT_EQ(package(doc, "cupy-cuda13x"), nullptr);
  ASSERT_NE(package(doc, "cupy-cuda12x"), nullptr);
  ASSERT_EQ(doc.at("findings").size(), 1u);
  EXPECT_EQ(doc.at("findings")[0].at("kind"), "shared-files");
  EXPECT_EQ(doc.at("findings")[0].at("packages"), nlohmann::json::array({"cupy-cuda12x", "cupy-cuda13x"}));
  EXPECT_NE(doc.at("findings")[0].at("message").get<std::string>().find("e.g. cupy/_core/core.so"), std::string::npos);

  // Files carry their package; not-loaded alternatives are marked.
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& f : doc.at("files")) by_name[fs::path(f.at("path").get<std::string>()).filename()] = f;
  EXPECT_EQ(by_name["libtorch_cuda.so"].at("group"), "torch");
  EXPECT_EQ(by_name["libbitsandbytes_cuda118.so"].at("alternative"), "not-loaded");
  EXPECT_EQ(by_name["libbitsandbytes_cuda118.so"].at("verdict"), "failing") << "the file's own verdict is kept";
  EXPECT_EQ(by_name["libbitsandbytes_cuda130.so"].at("alternative"), "loaded");

  // Without the package that has nothing that runs, the environment passes although files fail.
  fs::remove_all(e.site + "/mystery");
  doc = scan_json({"--driver-cuda", "13.0", "--python=" + e.python}, rc);
  EXPECT_EQ(rc, 0) << doc.at("packages").dump(1);
  EXPECT_GE(doc.at("summary").at("failing").get<int>(), 2) << "cuda118 and the sm_100a cubin still fail as files";

  // torch built for CUDA 11.8: bitsandbytes loads its sm_90-only variant -> failing -> exit 1.
  write_text(e.site + "/torch/version.py", "__version__ = '2.9.0'\ncuda = '11.8'\n");
  doc = scan_json({"--driver-cuda", "13.0", "--python=" + e.python}, rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(package(doc, "bitsandbytes")->at("verdict"), "failing");
  // A CUDA release without a variant: none would be loaded.
  write_text(e.site + "/torch/version.py", "__version__ = '2.9.0'\ncuda = '12.8'\n");
  doc = scan_json({"--driver-cuda", "13.0", "--python=" + e.python}, rc);
  EXPECT_EQ(rc, 1);
  EXPECT_EQ(package(doc, "bitsandbytes")->at("verdict"), "failing");
  EXPECT_NE(package(doc, "bitsandbytes")->at("reason").get<std::string>().find("none of its 3 variants"),
            std::string::npos)
      << package(doc, "bitsandbytes")->at("reason");
  // No torch: the driver's CUDA release chooses (12.4: the PTX-only variant).
  fs::remove_all(e.site + "/torch");
  doc = scan_json({"--driver-cuda", "12.4", "--python=" + e.python}, rc);
  const auto* b124 = package(doc, "bitsandbytes");
  ASSERT_NE(b124, nullptr);
  EXPECT_TRUE(b124->at("alternatives").at("selected").get<std::string>().ends_with("_cuda124.so"));
  EXPECT_TRUE(b124->at("alternatives").at("cuda_source").get<std::string>().starts_with("the driver"));
  EXPECT_EQ(b124->at("verdict"), "failing") << "its PTX ISA 9.0 is too new for a CUDA 12.4 driver";
  EXPECT_NE(b124->at("reason").get<std::string>().find("needs PTX ISA 9.0"), std::string::npos) << b124->at("reason");
}

TEST(ScanPackages, EveryFormatLeadsWithThePackageTable) {
  env_builder e;
  build_env(e);
  const std::vector<std::string> base{"scan", "--no-trap-check", "--target", "sm_121", "--driver-cuda", "13.0",
                                      "--python=" + e.python};
  auto args = base;
  const auto text = run_tool(args);
  EXPECT_EQ(text.exit_code, 1);
  const auto pk = text.out.find("Packages with GPU code (5), by installed distribution, for sm_121:");
  ASSERT_NE(pk, std::string::npos) << text.out;
  EXPECT_LT(pk, text.out.find("Files (failing first):"));
  EXPECT_NE(text.out.find("compiles-at-run-time"), std::string::npos);
  EXPECT_NE(text.out.find("warning [shared-files]: cupy-cuda12x 13.6.0 and cupy-cuda13x 13.6.0"), std::string::npos);
  EXPECT_NE(text.out.find("not loaded: " + e.site + "/bitsandbytes/libbitsandbytes_cuda118.so"), std::string::npos);

  args = base;
  args.insert(args.end(), {"--format", "markdown"});
  const auto md = run_tool(args);
  const auto table = md.out.find("| Package | Version | Verdict | How | Reason |");
  ASSERT_NE(table, std::string::npos) << md.out;
  EXPECT_LT(table, md.out.find("| Verdict | File | Images | Reason |"));
  EXPECT_NE(md.out.find("| `torch` | 2.9.0 | native | native-sass |"), std::string::npos) << "working packages too";
  EXPECT_NE(md.out.find("| `mystery` | - | **failing** | nothing |"), std::string::npos) << md.out;

  args = base;
  args.insert(args.end(), {"--format", "junit"});
  const auto junit = run_tool(args);
  const auto suite = junit.out.find("<testsuite name=\"sm121-probe scan packages sm_121");
  ASSERT_NE(suite, std::string::npos) << junit.out;
  EXPECT_NE(junit.out.find("<testcase name=\"mystery\" classname=\"package\""), std::string::npos);
  EXPECT_NE(junit.out.find("<testcase name=\"torch 2.9.0\" classname=\"package\""), std::string::npos);
  // One failure: the package; the not-loaded bitsandbytes variant and the cubin are told, not failed.
  EXPECT_EQ(testing::xml_wellformed_errors(junit.out), "");
  EXPECT_EQ(testing::xml_count(junit.out, "count(//testsuite)"), 2);
  EXPECT_EQ(testing::xml_count(junit.out, "count(//testcase[@classname='package'])"), 5);
  EXPECT_EQ(testing::xml_count(junit.out, "count(//testcase[failure])"), 1) << junit.out;
  EXPECT_EQ(testing::xml_count(junit.out, "count(//testcase[@classname='package'][failure])"), 1);
}

TEST(ScanPackages, BigEnvironmentStaysShortByDefault) {
  env_builder e;
  build_env(e);
  // 3,000 cubins for other GPUs in one package (flashinfer-cubin's 31,940 in miniature), long names.
  std::vector<std::string> record;
  const auto cubin = b::make_cubin(100, true, true);
  for (int i = 0; i < 3000; ++i) {
    const std::string rel = "bigcubins/kernels/fmha_fwd_bf16_headdim128_causal_variant_" + std::to_string(i) +
                            "_sm100a.cubin";
    e.file(rel, cubin);
    record.push_back(rel);
  }
  e.dist("bigcubins", "1.0", record);
  const std::vector<std::string> base{"scan", "--no-trap-check", "--target", "sm_121", "--driver-cuda", "13.0",
                                      "--python=" + e.python};
  auto args = base;
  args.insert(args.end(), {"--format", "markdown"});
  const auto md = run_tool(args);
  EXPECT_EQ(md.exit_code, 1);
  EXPECT_LT(md.out.size(), 32u * 1024) << "under a forum post limit";
  for (const char* name : {"`torch`", "`bitsandbytes`", "`cupy-cuda12x`", "`bigcubins`", "`flashinfer-cubin`"})
    EXPECT_NE(md.out.find(std::string("| ") + name + " |"), std::string::npos) << name;
  EXPECT_NE(md.out.find("`--all` lists every file"), std::string::npos);

  const auto text = run_tool(base);
  std::size_t rows = 0;
  for (auto p = text.out.find("\nfailing "); p != std::string::npos; p = text.out.find("\nfailing ", p + 1)) ++rows;
  EXPECT_LE(rows, 40u + 2u) << "files capped (the package rows count too)";
  EXPECT_NE(text.out.find("more files with GPU code not listed; --all lists every file"), std::string::npos);
  args = base;
  args.push_back("--all");
  const auto all = run_tool(args);
  std::size_t all_rows = 0;  // file rows print the full path, the package row the path inside the site
  const std::string row_path = e.site + "/bigcubins/kernels/";
  for (auto p = all.out.find(row_path); p != std::string::npos; p = all.out.find(row_path, p + 1)) ++all_rows;
  EXPECT_EQ(all_rows, 3000u);
  // JSON always has everything.
  int rc = -1;
  const auto doc = scan_json({"--driver-cuda", "13.0", "--python=" + e.python}, rc);
  EXPECT_GE(doc.at("files").size(), 3000u);
}

TEST(PythonDist, RecordAndRequirementsAreReadAsWritten) {
  temp_dir dir;
  const std::string info = dir / "pkg-1.0.dist-info";
  write_text(info + "/METADATA",
             "Name: Pkg_Name\nVersion: 1.0\nRequires-Dist: nvidia-cuda-nvcc-cu12 (>=12.8)\nRequires-Dist: "
             "pytest ; extra == 'test'\n\nRequires-Dist: not-a-header\n");
  write_text(info + "/RECORD", "pkg/a.so,sha256=x,1\n\"pkg/b,c.so\",sha256=y,2\r\npkg/d.cubin,,\n");
  const auto dists = binscan::read_distributions({dir.path});
  ASSERT_EQ(dists.size(), 1u);
  EXPECT_EQ(dists[0].name, "Pkg_Name");
  EXPECT_EQ(binscan::normalize_name(dists[0].name), "pkg-name");
  ASSERT_EQ(dists[0].requires_dist.size(), 2u) << "only the header block";
  const auto r0 = binscan::parse_requirement(dists[0].requires_dist[0]);
  EXPECT_EQ(r0.name, "nvidia-cuda-nvcc-cu12");
  EXPECT_FALSE(r0.only_with_extra);
  EXPECT_TRUE(binscan::parse_requirement(dists[0].requires_dist[1]).only_with_extra);
  std::vector<std::string> paths;
  binscan::for_each_record_path(dists[0], [&](std::string_view p) { paths.emplace_back(p); });
  EXPECT_EQ(paths, (std::vector<std::string>{"pkg/a.so", "pkg/b,c.so", "pkg/d.cubin"}));
}

}  // namespace
}  // namespace sm121probe
