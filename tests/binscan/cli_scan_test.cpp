// The `scan` subcommand end to end: the built tool on generated files, the real
// CUDA libraries, flags, exit codes, output files and Python environments.
#include "binscan/builder.hpp"
#include "support/process.hpp"
#include "support/schema.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <filesystem>
#include <fstream>

namespace sm121probe {
namespace {

namespace b = testing::blob;
using testing::run_tool;
using testing::temp_dir;

const std::string schema_path = std::string(SM121PROBE_SOURCE_DIR) + "/docs/scan.schema.json";

void write(const std::string& path, const b::bytes& data) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  ASSERT_TRUE(f.good()) << path;
}

nlohmann::json parse_json(const testing::process_result& r) {
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << e.what() << "\n" << r.out << r.err;
    return {};
  }
}

const nlohmann::json* file_entry(const nlohmann::json& doc, const std::string& suffix) {
  for (const auto& f : doc.at("files"))
    if (f.at("path").get<std::string>().ends_with(suffix)) return &f;
  return nullptr;
}

TEST(ScanCli, UsageErrorsExitTwoWithOneLine) {
  temp_dir dir;
  write(dir / "a.fatbin", b::make_container({b::sass(121)}));
  const std::vector<std::vector<std::string>> cases = {
      {"scan", "--target", "sm_12x", dir.path},      {"scan", "--target", "compute_90", dir.path},
      {"scan", "--target", "sm_121a", dir.path},     {"scan", "--driver-cuda", "13.x", dir.path},
      {"scan", "--driver-cuda", "9.2", dir.path},    {"scan", "--format", "yaml", dir.path},
      {"scan", dir / "does-not-exist"},              {"scan"},
      {"scan", "--no-such-flag", dir.path},          {"scan", "-o", dir / "missing-dir/out.json", dir.path},
      {"scan", "--python=/nonexistent/python-xyz"},   {"scan", "-o", dir / "sock", dir.path},
      {"scan", "-o", dir.path, dir.path},            {"scan", "-o", "", dir.path}};
  // A socket is neither a file to replace nor a stream to write: refused before the scan.
  const int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sock_path = dir / "sock";
  ASSERT_LT(sock_path.size(), sizeof addr.sun_path);
  std::copy(sock_path.begin(), sock_path.end(), addr.sun_path);
  ASSERT_EQ(::bind(sock, reinterpret_cast<const sockaddr*>(&addr), sizeof addr), 0);
  for (const auto& args : cases) {
    const auto r = run_tool(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << "\n" << r.out << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.err.starts_with("sm121-probe: ")) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  ::close(sock);
  struct stat st {};
  ASSERT_EQ(::lstat((dir / "sock").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode)) << "-o SOCKET must not replace the socket";
}

TEST(ScanCli, BadInputsGiveErrorRowsAndTheScanGoesOn) {
  temp_dir dir;
  const auto good = b::make_container({b::sass(120), b::ptx(120, 9, 0)});
  write(dir / "good.fatbin", good);
  write(dir / "empty.fatbin", {});
  write(dir / "truncated.fatbin", b::bytes(good.begin(), good.begin() + 100));
  auto corrupt = good;
  b::put<std::uint32_t>(corrupt, 16 + 4, 0);  // first entry's header size = 0
  write(dir / "corrupt.fatbin", corrupt);
  b::elf_spec s;
  s.with_load_segment = true;
  s.sections.push_back({".nv_fatbin", 1, 2, good, 8});
  auto lib = b::make_elf(s);
  lib.resize(lib.size() / 2);
  write(dir / "libcut.so", lib);
  write(dir / "notes.txt", b::text("not scanned"));
  const auto r = run_tool({"scan", "--format", "json", dir.path});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto doc = parse_json(r);
  EXPECT_EQ(testing::schema_errors(doc, schema_path), "");
  const auto expect_error = [&](const std::string& name, const std::string& part) {
    const auto* f = file_entry(doc, "/" + name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->at("verdict"), "error") << name;
    const auto reason = f->at("reason").get<std::string>();
    EXPECT_NE(reason.find(part), std::string::npos) << name << ": " << reason;
    EXPECT_EQ(reason.find('\n'), std::string::npos);
  };
  expect_error("empty.fatbin", "empty file");
  expect_error("truncated.fatbin", "truncated");
  expect_error("corrupt.fatbin", "invalid header size 0");
  expect_error("libcut.so", "truncated");
  const auto* ok = file_entry(doc, "/good.fatbin");
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(ok->at("verdict"), "native");
  EXPECT_EQ(file_entry(doc, "/notes.txt"), nullptr);
  EXPECT_EQ(doc.at("summary").at("error"), 4);
  EXPECT_EQ(doc.at("summary").at("skipped_files"), 1);
}

TEST(ScanCli, ExitCodeZeroWhenEverythingRuns) {
  temp_dir dir;
  write(dir / "native.fatbin", b::make_container({b::sass(121)}));
  write(dir / "jit.fatbin", b::make_container({b::ptx(90, 9, 0)}));
  write(dir / "plain.so", b::make_elf({}));
  auto r = run_tool({"scan", "--target", "sm_121", "--driver-cuda", "13.0", dir.path});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("Target sm_121 (given with --target); driver CUDA 13.0 (given with --driver-cuda)"),
            std::string::npos)
      << r.out;
  // Same files, older driver: the PTX is too new -> failing -> 1.
  r = run_tool({"scan", "--driver-cuda", "12.8", dir.path});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("needs PTX ISA 9.0 but the driver (CUDA 12.8) accepts ≤ 8.7"), std::string::npos) << r.out;
}

TEST(ScanCli, DefaultsSayWhatWasAssumed) {
  temp_dir dir;
  write(dir / "a.fatbin", b::make_container({b::sass(121)}));
  const auto r = run_tool({"scan", "--format", "json", dir.path});
  const auto doc = parse_json(r);
  const auto target_source = doc.at("target_source").get<std::string>();
  const auto driver_source = doc.at("driver_cuda_source").get<std::string>();
  // Without a GPU (this test machine) the target is the sm_121 default; with one it is the detected GPU.
  if (target_source.starts_with("assumed")) {
    EXPECT_EQ(doc.at("target"), "sm_121");
  } else {
    EXPECT_TRUE(target_source.starts_with("detected GPU")) << target_source;
  }
  EXPECT_TRUE(driver_source == "detected driver" || driver_source.starts_with("assumed: no driver found"))
      << driver_source;
}

TEST(ScanCli, OutputFileIsWrittenAtomicallyAndStdoutStaysEmpty) {
  temp_dir dir;
  write(dir / "a.fatbin", b::make_container({b::sass(121)}));
  const auto out = dir / "report.json";
  const auto r = run_tool({"scan", "--format", "json", "-o", out, dir / "a.fatbin"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.empty());
  std::ifstream f(out);
  const auto doc = nlohmann::json::parse(f);
  EXPECT_EQ(doc.at("files").size(), 1u);
  for (const auto& e : std::filesystem::directory_iterator(dir.path))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << "no temporary left behind";
}

TEST(ScanCli, InvalidUtf8FileNameInJson) {
  temp_dir dir;
  const std::string name = dir / "lib\xFFgpu.fatbin";
  write(name, b::make_container({b::sass(121)}));
  const auto r = run_tool({"scan", "--format", "json", dir.path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = parse_json(r);
  EXPECT_EQ(testing::schema_errors(doc, schema_path), "");
  ASSERT_EQ(doc.at("files").size(), 1u);
  const auto& f = doc.at("files")[0];
  EXPECT_TRUE(f.contains("path_bytes"));
  EXPECT_EQ(f.at("path").get<std::string>(), dir / "lib\xEF\xBF\xBDgpu.fatbin");
  // And the text table escapes it.
  const auto t = run_tool({"scan", dir.path});
  EXPECT_NE(t.out.find("lib\\xffgpu.fatbin"), std::string::npos) << t.out;
}

TEST(ScanCli, DirectoryWalkDoesNotFollowSymlinksOutOfTheTree) {
  temp_dir outside, tree;
  write(outside / "foreign.fatbin", b::make_container({b::sass(80)}));  // failing for sm_121 if it were scanned
  ASSERT_EQ(::mkdir((tree / "sub").c_str(), 0755), 0);
  write(tree / "sub/mine.fatbin", b::make_container({b::sass(121)}));
  std::filesystem::create_symlink(outside.path, tree / "link-to-outside");
  std::filesystem::create_symlink(outside / "foreign.fatbin", tree / "foreign-link.fatbin");
  std::filesystem::create_symlink(tree / "sub/mine.fatbin", tree / "alias.fatbin");
  const auto r = run_tool({"scan", "--format", "json", tree.path});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const auto doc = parse_json(r);
  ASSERT_EQ(doc.at("files").size(), 1u) << r.out;
  EXPECT_TRUE(doc.at("files")[0].at("path").get<std::string>().ends_with("sub/mine.fatbin"));
  EXPECT_EQ(doc.at("summary").at("skipped_symlinks"), 3);
  // A symlink named on the command line is followed (the user asked for it), and scanned once.
  const auto named = run_tool({"scan", "--format", "json", tree / "alias.fatbin", tree / "sub/mine.fatbin"});
  EXPECT_EQ(parse_json(named).at("files").size(), 1u);
}

TEST(ScanCli, SummaryPerDirectory) {
  temp_dir dir;
  ASSERT_EQ(::mkdir((dir / "a").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((dir / "b").c_str(), 0755), 0);
  write(dir / "a/x.fatbin", b::make_container({b::sass(121)}));
  write(dir / "a/y.fatbin", b::make_container({b::sass(90)}));
  write(dir / "b/z.fatbin", b::make_container({b::ptx(120, 9, 0)}));
  const auto doc = parse_json(run_tool({"scan", "--format", "json", dir.path}));
  const auto& groups = doc.at("summary").at("groups");
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].at("name"), dir / "a");
  EXPECT_EQ(groups[0].at("files"), 2);
  EXPECT_EQ(groups[0].at("native"), 1);
  EXPECT_EQ(groups[0].at("failing"), 1);
  EXPECT_EQ(groups[1].at("fallback"), 1);
  EXPECT_EQ(doc.at("files")[0].at("verdict"), "failing") << "failing files come first";
}

TEST(ScanCli, PythonEnvironmentGroupedByPackage) {
  temp_dir env;
  const std::string site = env / "site-packages";
  for (const char* d : {"", "/torch", "/torch/lib", "/nvidia", "/nvidia/cublas", "/nvidia/cublas/lib", "/numpy.libs"})
    ASSERT_EQ(::mkdir((site + d).c_str(), 0755), 0) << d;
  write(site + "/torch/__init__.py", b::text(""));
  write(site + "/torch/lib/libtorch_cuda.so", b::host_with_fatbin(b::make_container({b::sass(90)})));
  write(site + "/nvidia/cublas/lib/libcublas.so.13", b::host_with_fatbin(b::make_container({b::sass(120)})));
  write(site + "/numpy.libs/libopenblas.so", b::make_elf({}));
  write(site + "/_native.cpython-311-x86_64-linux-gnu.so", b::host_with_fatbin(b::make_container({b::ptx(90, 9, 0)})));
  // A fake interpreter: prints the site-packages directory whatever it is asked.
  const std::string py = env / "fakepython";
  {
    std::ofstream f(py);
    f << "#!/bin/sh\necho '" << site << "'\necho '/nonexistent/site-packages'\n";
  }
  ASSERT_EQ(::chmod(py.c_str(), 0755), 0);
  const auto r = run_tool({"scan", "--format", "json", "--python=" + py});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // torch has only sm_90
  const auto doc = parse_json(r);
  EXPECT_EQ(testing::schema_errors(doc, schema_path), "");
  EXPECT_EQ(doc.at("grouping"), "python_package");
  std::map<std::string, std::string> verdict_by_group;
  for (const auto& f : doc.at("files")) verdict_by_group[f.at("group")] = f.at("verdict");
  EXPECT_EQ(verdict_by_group["torch"], "failing");
  EXPECT_EQ(verdict_by_group["nvidia.cublas"], "native");
  EXPECT_EQ(verdict_by_group["numpy"], "no-gpu-code");
  EXPECT_EQ(verdict_by_group["_native"], "fallback");
  EXPECT_EQ(doc.at("summary").at("groups").size(), 4u);
  const auto text = run_tool({"scan", "--python=" + py});
  EXPECT_NE(text.out.find("Summary by Python package:"), std::string::npos) << text.out;
  // A broken interpreter is a usage error.
  const std::string broken = env / "brokenpython";
  {
    std::ofstream f(broken);
    f << "#!/bin/sh\nexit 3\n";
  }
  ASSERT_EQ(::chmod(broken.c_str(), 0755), 0);
  EXPECT_EQ(run_tool({"scan", "--python=" + broken}).exit_code, 2);
}

TEST(ScanCli, RealPythonInterpreterWorks) {
  if (testing::run_process({"sh", "-c", "command -v python3"}).exit_code != 0) GTEST_SKIP() << "no python3 here";
  const auto r = run_tool({"scan", "--format", "json", "--python"});
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
  const auto doc = parse_json(r);
  EXPECT_EQ(testing::schema_errors(doc, schema_path), "");
  EXPECT_FALSE(doc.at("roots").empty()) << "python3 reports at least one site-packages directory";
}

// Acceptance: the real CUDA libraries decode without a single error.
TEST(ScanRealLibraries, CudaLib64) {
  const std::string lib = SM121PROBE_CUDA_LIB_DIR;
  if (!std::filesystem::exists(lib + "/libcublasLt.so") && !std::filesystem::exists(lib + "/libcublasLt.so.13"))
    GTEST_SKIP() << "no libcublasLt in " << lib;
  const auto r = run_tool({"scan", "--format", "json", "--target", "sm_121", "--driver-cuda", "13.0", lib});
  const auto doc = parse_json(r);
  EXPECT_EQ(testing::schema_errors(doc, schema_path), "");
  EXPECT_EQ(doc.at("summary").at("error"), 0);
  for (const auto& f : doc.at("files")) EXPECT_NE(f.at("verdict"), "error") << f.at("path") << ": " << f.at("reason");
  bool saw_cublaslt = false;
  for (const auto& f : doc.at("files")) {
    const auto name = std::filesystem::path(f.at("path").get<std::string>()).filename().string();
    if (!name.starts_with("libcublasLt.so")) continue;
    saw_cublaslt = true;
    const auto sass = f.at("sass").get<std::vector<std::string>>();
    EXPECT_TRUE(std::any_of(sass.begin(), sass.end(), [](const std::string& s) { return s.starts_with("sm_12"); }))
        << f.at("sass");
    EXPECT_GT(f.at("modules").at("native").get<int>(), 0);
    EXPECT_GT(f.at("modules").at("other").get<int>(), 0) << "cuBLASLt also has modules for other GPUs only";
  }
  EXPECT_TRUE(saw_cublaslt);
  // The kernel-less stub of cuFFTW must not be called failing.
  for (const auto& f : doc.at("files")) {
    const auto name = std::filesystem::path(f.at("path").get<std::string>()).filename().string();
    if (name.starts_with("libcufftw.so")) {
      EXPECT_EQ(f.at("verdict"), "no-gpu-code") << f.at("reason");
    }
    if (name.starts_with("libcufft.so")) {
      // cuFFT is a partial port: some modules native, many only through PTX, some for other GPUs only.
      EXPECT_EQ(f.at("verdict"), "native");
      EXPECT_GT(f.at("modules").at("jit").get<int>(), 1000);
      EXPECT_GT(f.at("modules").at("lto_only").get<int>(), 1000);
    }
  }
}

}  // namespace
}  // namespace sm121probe
