// The `scan` subcommand end to end: the built tool on generated files, the real
// CUDA libraries, flags, exit codes, output files and Python environments.
#include "binscan/builder.hpp"
#include "sm121probe/binscan/needed.hpp"
#include "support/process.hpp"
#include "support/schema.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <chrono>

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

// Issue 12: for a driver newer than the table of releases, the header and the
// verdicts use one limit (the newest known ISA, assumed), and say so.
TEST(ScanCli, DriverNewerThanTheTableUsesOneAssumedIsaLimit) {
  temp_dir dir;
  write(dir / "known.fatbin", b::make_container({b::ptx(90, 9, 1)}));
  write(dir / "newer.fatbin", b::make_container({b::ptx(90, 9, 2)}));
  const auto r = run_tool({"scan", "--target", "sm_121", "--driver-cuda", "13.2", dir.path});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("accepts PTX ISA ≤ 9.1 (assumed: CUDA 13.2 is newer than 13.1"), std::string::npos) << r.out;
  const auto doc = parse_json(run_tool({"scan", "--format", "json", "--target", "sm_121", "--driver-cuda", "13.2",
                                        dir.path}));
  EXPECT_EQ(testing::schema_errors(doc, schema_path), "");
  EXPECT_EQ(doc.at("max_ptx_isa"), "9.1");
  EXPECT_EQ(doc.at("max_ptx_isa_assumed"), true);
  EXPECT_EQ(file_entry(doc, "/known.fatbin")->at("verdict"), "fallback");
  const auto* newer = file_entry(doc, "/newer.fatbin");
  EXPECT_EQ(newer->at("verdict"), "failing");
  EXPECT_NE(newer->at("reason").get<std::string>().find("needs PTX ISA 9.2 but the driver (CUDA 13.2) accepts ≤ 9.1 "
                                                        "(assumed"),
            std::string::npos)
      << newer->dump();
  const auto known = parse_json(run_tool({"scan", "--format", "json", "--driver-cuda", "13.0", dir.path}));
  EXPECT_EQ(known.at("max_ptx_isa_assumed"), false);
}

// Issue 12: sm_101 (CUDA 12.9's name for Thor) is printed as the binary says,
// with the rename mentioned, and --target sm_101 is not silently sm_110.
TEST(ScanCli, RenamedThorArchitectureKeepsItsName) {
  temp_dir dir;
  write(dir / "thor.fatbin", b::make_container({b::sass(101)}));
  for (const std::string t : {"sm_101", "10.1", "101"}) {
    const auto r = run_tool({"scan", "--target", t, "--driver-cuda", "13.0", dir / "thor.fatbin"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("Target sm_110 (given with --target " + t +
                         ": the name CUDA 12.x used for sm_110 (Thor), judged as sm_110)"),
              std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find("sm_101 (CUDA 13 name: sm_110) SASS loads on 11.0"), std::string::npos) << r.out;
  }
  const auto plain = run_tool({"scan", "--target", "sm_110", "--driver-cuda", "13.0", dir / "thor.fatbin"});
  EXPECT_NE(plain.out.find("Target sm_110 (given with --target);"), std::string::npos) << plain.out;
  const auto doc = parse_json(run_tool({"scan", "--format", "json", "--target", "sm_121", dir / "thor.fatbin"}));
  EXPECT_EQ(testing::schema_errors(doc, schema_path), "");
  const auto* f = file_entry(doc, "/thor.fatbin");
  EXPECT_EQ(f->at("verdict"), "failing");
  EXPECT_EQ(f->at("sass"), nlohmann::json::array({"sm_101"}));
  EXPECT_NE(f->at("reason").get<std::string>().find("SASS for sm_101 (CUDA 13 name: sm_110) only"), std::string::npos)
      << f->dump();
  // A PTX file written by CUDA 12.9 for Thor keeps its name too (it was printed as compute_110a).
  std::ofstream(dir / "thor.ptx") << ".version 8.8\n.target sm_101a\n.address_size 64\n.visible .entry k() { ret; }\n";
  const auto p = parse_json(run_tool({"scan", "--format", "json", "--target", "sm_101", "--driver-cuda", "12.9",
                                      "--no-trap-check", dir / "thor.ptx"}));
  EXPECT_EQ(testing::schema_errors(p, schema_path), "");
  const auto* ptx = file_entry(p, "/thor.ptx");
  ASSERT_NE(ptx, nullptr);
  EXPECT_EQ(ptx->at("verdict"), "fallback");
  EXPECT_EQ(ptx->at("ptx")[0].at("arch"), "compute_101a") << ptx->dump();
  EXPECT_NE(ptx->at("reason").get<std::string>().find("compute_101a (CUDA 13 name: compute_110a)"), std::string::npos)
      << ptx->dump();
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

// ---- Hostile inputs (issue 11, items 4, 5, 9, 10) -----------------------------------
// Each case runs under `timeout` so that the old behaviour (a hang) fails the
// test instead of hanging it.

testing::process_result run_tool_bounded(const std::vector<std::string>& args, int seconds = 60) {
  std::vector<std::string> argv{"timeout", "-s", "KILL", std::to_string(seconds), SM121PROBE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_process(argv);
}

/// Runs the tool with stdout/stderr into files of `dir`; returns its exit code and its peak RSS in KiB.
std::pair<int, long> run_tool_measured(const temp_dir& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{SM121PROBE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, (dir / "measured.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, (dir / "measured.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  const int rc = ::posix_spawn(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return {-1, 0};
  int status = 0;
  rusage ru {};
  ::wait4(pid, &status, 0, &ru);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), ru.ru_maxrss};
}

TEST(ScanHostile, FifoNamedOnTheCommandLineIsAnErrorNotAHang) {
  temp_dir dir;
  ASSERT_EQ(::mkfifo((dir / "pipe.fatbin").c_str(), 0600), 0);
  write(dir / "good.fatbin", b::make_container({b::sass(121)}));
  const auto r = run_tool_bounded({"scan", "--format", "json", dir / "pipe.fatbin", dir / "good.fatbin"});
  ASSERT_EQ(r.exit_code, 1) << "137 = killed by the timeout (blocked in open)\n" << r.err;
  const auto doc = parse_json(r);
  const auto* pipe = file_entry(doc, "/pipe.fatbin");
  ASSERT_NE(pipe, nullptr);
  EXPECT_EQ(pipe->at("verdict"), "error");
  EXPECT_EQ(pipe->at("reason"), "not a regular file");
  EXPECT_EQ(file_entry(doc, "/good.fatbin")->at("verdict"), "native") << "the scan goes on";
  // Inside a walked directory it is skipped like other special files.
  const auto walked = parse_json(run_tool_bounded({"scan", "--format", "json", dir.path}));
  EXPECT_EQ(file_entry(walked, "/pipe.fatbin"), nullptr);
}

/// A zstd stream of `n` zero bytes, padded with a skippable frame to `padded_to`
/// bytes (so the claimed ratio passes the plausibility check); built in 1 MiB steps.
b::bytes zstd_zero_bomb(std::uint64_t n, std::size_t padded_to) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setPledgedSrcSize(cctx, n);
  const b::bytes zeros(1u << 20, std::byte{0});
  b::bytes out(ZSTD_CStreamOutSize());
  b::bytes stream;
  for (std::uint64_t done = 0; done < n;) {
    const std::size_t step = static_cast<std::size_t>(std::min<std::uint64_t>(zeros.size(), n - done));
    done += step;
    ZSTD_inBuffer in{zeros.data(), step, 0};
    const auto mode = done == n ? ZSTD_e_end : ZSTD_e_continue;
    for (bool finished = false; !finished;) {
      ZSTD_outBuffer o{out.data(), out.size(), 0};
      const std::size_t left = ZSTD_compressStream2(cctx, &o, &in, mode);
      stream.insert(stream.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(o.pos));
      finished = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
    }
  }
  ZSTD_freeCCtx(cctx);
  if (stream.size() + 8 < padded_to) {
    b::append<std::uint32_t>(stream, 0x184D2A50);  // skippable frame
    const auto body = static_cast<std::uint32_t>(padded_to - stream.size() - 4);
    b::append<std::uint32_t>(stream, body);
    stream.resize(padded_to, std::byte{0});
  }
  return stream;
}

TEST(ScanHostile, DecompressionBombsDoNotAllocateWhatTheyClaim) {
  temp_dir dir;
  // 256 KiB that claim 1 GiB (zstd, ratio 4096): the old scan allocated and
  // filled 1 GiB per file to look for kernels.
  constexpr std::uint64_t claimed = std::uint64_t{1} << 30;
  const auto stream = zstd_zero_bomb(claimed, 256u << 10);
  b::entry_spec e = b::sass(80);
  e.payload = stream;
  e.flags |= b::flag::zstd;
  e.compressed_size_override = static_cast<std::uint32_t>(stream.size());
  e.uncompressed_size_override = claimed;
  for (const char* name : {"bomb1.fatbin", "bomb2.fatbin"}) write(dir / name, b::make_container({e}));
  // --no-trap-check: NVRTC's mappings (about 140 MB) would blur what decompression costs.
  const auto [code, rss_kib] =
      run_tool_measured(dir, {"scan", "--no-trap-check", "--format", "json", "-o", dir / "r.json", dir.path});
  EXPECT_EQ(code, 1);  // sm_80 SASS only: failing
  // Each file claims 1 GiB: the old scan peaked above 2 GiB. 512 MiB leaves room for ASan's own overhead
  // (about 260 MiB in the sanitizer build, 20 MiB otherwise).
  EXPECT_LT(rss_kib, 512 * 1024) << "peak RSS " << rss_kib << " KiB";
  std::ifstream in(dir / "r.json");
  const auto doc = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(doc.is_discarded());
  const auto* f = file_entry(doc, "/bomb1.fatbin");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->at("verdict"), "failing");
  ASSERT_EQ(f->at("warnings").size(), 1u) << f->dump();
  EXPECT_NE(f->at("warnings")[0].get<std::string>().find("not decompressed"), std::string::npos);
}

/// Writes `len` bytes of `data` at `offset` of a new sparse file.
void write_sparse(const std::string& path, std::uint64_t size, const std::vector<std::pair<std::uint64_t, b::bytes>>& parts) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0) << path;
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(size)), 0);
  for (const auto& [off, data] : parts)
    ASSERT_EQ(::pwrite(fd, data.data(), data.size(), static_cast<off_t>(off)), static_cast<ssize_t>(data.size()));
  ::close(fd);
}

TEST(ScanHostile, NonElfFilesAreNotSearchedInFull) {
  temp_dir dir;
  constexpr std::uint64_t far = std::uint64_t{200} << 20;  // beyond the 64 MiB search window
  const auto native = b::make_container({b::sass(121)});
  const auto other = b::make_container({b::sass(80)});
  // A fatbin with a long tail: only the chain at its start counts.
  write_sparse(dir / "tail.fatbin", far + other.size(), {{0, native}, {far, other}});
  // A file of unknown format: a container far inside is not looked for.
  write_sparse(dir / "blob.bin", far + native.size(), {{0, b::text("JUNK")}, {far, native}});
  // Within the window both are still found.
  write_sparse(dir / "near.bin", (1u << 20) + native.size(), {{0, b::text("JUNK")}, {1u << 20, native}});
  const auto r = run_tool_bounded({"scan", "--format", "json", dir / "tail.fatbin", dir / "blob.bin", dir / "near.bin"});
  const auto doc = parse_json(r);
  const auto* tail = file_entry(doc, "/tail.fatbin");
  ASSERT_NE(tail, nullptr) << r.err;
  EXPECT_EQ(tail->at("verdict"), "native");
  EXPECT_EQ(tail->at("modules").at("total"), 1);
  ASSERT_EQ(tail->at("warnings").size(), 1u) << tail->dump();
  EXPECT_NE(tail->at("warnings")[0].get<std::string>().find("not searched"), std::string::npos);
  const auto* blob = file_entry(doc, "/blob.bin");
  EXPECT_EQ(blob->at("verdict"), "error");
  EXPECT_NE(blob->at("reason").get<std::string>().find("first 64 MiB"), std::string::npos) << blob->dump();
  EXPECT_EQ(file_entry(doc, "/near.bin")->at("verdict"), "native");
}

/// A fake interpreter running this shell body.
std::string fake_python(const temp_dir& dir, const std::string& name, const std::string& body) {
  const std::string py = dir / name;
  {
    std::ofstream f(py);
    f << "#!/bin/sh\n" << body << "\n";
  }
  ::chmod(py.c_str(), 0755);
  return py;
}

TEST(ScanHostile, PythonInterpreterThatFloodsStdoutIsStopped) {
  temp_dir dir;
  // 4 MiB of one line (finite, so that the old behaviour ends too: it accepted it).
  const auto py = fake_python(dir, "floodpython", "head -c 4194304 /dev/zero | tr '\\0' a");
  const auto r = run_tool_bounded({"scan", "--python=" + py});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("printed more than 1024 KiB"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST(ScanHostile, PythonInterpreterThatHangsIsTimedOutWithItsChildren) {
  temp_dir dir;
  // Its stderr is closed so that only the tool holds its pipes; it leaves a child behind.
  const auto py = fake_python(dir, "hangpython", "exec 2>&-\nsleep 300 &\necho $! > '" + (dir / "child.pid") +
                                                     "'\nwait");
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_tool_bounded({"scan", "--python=" + py}, 40);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 2) << "137 = killed by the test's timeout\n" << r.err;
  EXPECT_NE(r.err.find("did not list its site-packages within 10 s"), std::string::npos) << r.err;
  EXPECT_LT(took, std::chrono::seconds(30));
  std::ifstream pid_file(dir / "child.pid");
  pid_t child = 0;
  ASSERT_TRUE(pid_file >> child);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    // Killed: gone, or a zombie until init reaps it.
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string line;
    gone = !std::getline(stat, line) || line.find(") Z ") != std::string::npos;
    if (!gone) ::usleep(20000);
  }
  EXPECT_TRUE(gone) << "the interpreter's child " << child << " is still running";
  if (!gone) ::kill(child, SIGKILL);
}

// ---- Missing CUDA runtimes (issue 12) ------------------------------------------------

bool system_has(const std::string& soname) {
  return testing::run_process({"sh", "-c", "ldconfig -p 2>/dev/null | grep -q '" + soname + " '"}).exit_code == 0;
}

TEST(ScanLibraries, MissingCudaRuntimeIsReportedWithTheVersionsThatExist) {
  if (system_has("libcudart.so.12")) GTEST_SKIP() << "this machine's loader cache has libcudart.so.12";
  temp_dir dir;
  ASSERT_EQ(::mkdir((dir / "lib").c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((dir / "bin").c_str(), 0755), 0);
  write(dir / "lib/libcudart.so.13", b::text("stand-in"));
  const auto fatbin = b::make_container({b::sass(121)});
  write(dir / "bin/libkernels.so", b::host_needing(fatbin, {"libcudart.so.12", "libc.so.6", "libcuda.so.1"},
                                                   "$ORIGIN/../lib"));
  write(dir / "bin/libhost.so", b::host_needing({}, {"libcudart.so.12"}, "$ORIGIN/../lib"));
  auto doc = parse_json(run_tool({"scan", "--no-trap-check", "--format", "json", dir.path}));
  EXPECT_EQ(testing::schema_errors(doc, schema_path), "");
  const auto* f = file_entry(doc, "/libkernels.so");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->at("verdict"), "native");
  ASSERT_TRUE(f->contains("findings")) << f->dump();
  ASSERT_EQ(f->at("findings").size(), 1u) << "libc and the driver's libcuda are not CUDA runtimes";
  EXPECT_EQ(f->at("findings")[0].at("kind"), "missing-cuda-library");
  EXPECT_EQ(f->at("findings")[0].at("message"),
            "needs libcudart.so.12, which the dynamic loader does not find; only libcudart.so.13 is installed");
  ASSERT_NE(file_entry(doc, "/libhost.so"), nullptr);
  EXPECT_FALSE(file_entry(doc, "/libhost.so")->contains("findings")) << "files without GPU code are not checked";
  // Found through RUNPATH with $ORIGIN: nothing to say.
  write(dir / "lib/libcudart.so.12", b::text("stand-in"));
  doc = parse_json(run_tool({"scan", "--no-trap-check", "--format", "json", dir / "bin/libkernels.so"}));
  EXPECT_FALSE(file_entry(doc, "/libkernels.so")->contains("findings"));
  // Found through LD_LIBRARY_PATH.
  ASSERT_EQ(::rename((dir / "lib/libcudart.so.12").c_str(), (dir / "libcudart.so.12").c_str()), 0);
  doc = parse_json(run_tool({"scan", "--no-trap-check", "--format", "json", dir / "bin/libkernels.so"},
                            {"LD_LIBRARY_PATH=" + dir.path}));
  EXPECT_FALSE(file_entry(doc, "/libkernels.so")->contains("findings"));
}

TEST(ScanLibraries, NvidiaWheelsOfThePythonEnvironmentCount) {
  if (system_has("libcudart.so.12")) GTEST_SKIP() << "this machine's loader cache has libcudart.so.12";
  temp_dir env;
  const std::string site = env / "site-packages";
  for (const char* d : {"", "/sgl_kernel", "/nvidia", "/nvidia/cuda_runtime", "/nvidia/cuda_runtime/lib"})
    ASSERT_EQ(::mkdir((site + d).c_str(), 0755), 0) << d;
  write(site + "/sgl_kernel/common_ops.so", b::host_needing(b::make_container({b::sass(121)}), {"libcudart.so.12"}));
  const std::string py = env / "fakepython";
  {
    std::ofstream f(py);
    f << "#!/bin/sh\necho '" << site << "'\n";
  }
  ASSERT_EQ(::chmod(py.c_str(), 0755), 0);
  auto doc = parse_json(run_tool({"scan", "--no-trap-check", "--format", "json", "--python=" + py}));
  const auto* f = file_entry(doc, "/common_ops.so");
  ASSERT_NE(f, nullptr);
  ASSERT_TRUE(f->contains("findings"));
  EXPECT_TRUE(f->at("findings")[0].at("message").get<std::string>().starts_with(
      "needs libcudart.so.12, which the dynamic loader does not find;"))
      << f->dump();
  write(site + "/nvidia/cuda_runtime/lib/libcudart.so.12", b::text("stand-in"));
  doc = parse_json(run_tool({"scan", "--no-trap-check", "--format", "json", "--python=" + py}));
  EXPECT_FALSE(file_entry(doc, "/common_ops.so")->contains("findings")) << "found in the nvidia wheel";
}

TEST(ScanLibraries, LoaderCacheIsRead) {
  const auto cache = binscan::read_ld_cache("/etc/ld.so.cache");
  if (cache.empty()) GTEST_SKIP() << "no glibc loader cache here";
  const auto libc = cache.find("libc.so.6");
  ASSERT_NE(libc, cache.end());
  EXPECT_TRUE(libc->second.ends_with("/libc.so.6")) << libc->second;
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
