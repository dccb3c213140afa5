// How long `sm121-probe scan` takes on a directory of real libraries compared
// with `cat` reading the same files, both with a warm page cache.
//
//   sm121probe_bench_scan_vs_cat [DIR] [--repeat N]
//   sm121probe_bench_scan_vs_cat --env FILES [--repeat N] [--nvcc PATH]
//
// DIR defaults to the CUDA toolkit's library directory (about 2.4 GB in CUDA
// 13.0). Every regular file under DIR is read once first (warming the cache);
// then, N times each (default 5), in alternation:
//   cat    `cat FILE...` of every regular file under DIR, stdout to /dev/null
//   scan   `sm121-probe scan --format json DIR`, stdout to /dev/null (the whole
//          tool: process start, walk, parse, classify, render)
// plus the scanner called in-process with 1 thread and with the default thread
// count. Prints medians and the ratio scan / cat; docs/performance.md records
// a measured figure.
//
// --env FILES measures a Python environment of many small files instead (issue
// 12: flashinfer-cubin alone ships 31,940 cubins): four cubins (sm_90, sm_100a,
// sm_120, sm_121 builds of one small kernel) are compiled once with nvcc and
// copied FILES times into a temporary site-packages of 16 distributions, each
// with a dist-info METADATA and RECORD, behind a fake interpreter; `scan
// --python=... --target sm_121 --driver-cuda 13.0 --format json` (with and
// without --no-trap-check) is timed against `cat` of the same files (in chunks
// of 2,000 arguments). The directory is removed afterwards.
#include "sm121probe/binscan/scan_report.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

/// Runs argv with stdout (and stderr) sent to /dev/null; returns the exit status.
int run_quiet(const std::vector<std::string>& argv) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> store = argv;
  std::vector<char*> cargv;
  for (auto& a : store) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double seconds_of(const std::function<void()>& f) {
  const auto t0 = clock_type::now();
  f();
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

/// Regular files under dir, not following symlinks inside it (as the scanner walks).
std::vector<std::string> regular_files(const std::string& dir, std::uint64_t& bytes) {
  std::vector<std::string> out;
  bytes = 0;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_symlink() || !it->is_regular_file()) continue;
    out.push_back(it->path().string());
    bytes += it->file_size();
  }
  std::sort(out.begin(), out.end());
  return out;
}

/// Runs `cat` over the files in chunks (one argv would exceed ARG_MAX for big environments).
int cat_all(const std::vector<std::string>& files) {
  constexpr std::size_t chunk = 2000;
  for (std::size_t i = 0; i < files.size(); i += chunk) {
    std::vector<std::string> cmd{"cat"};
    cmd.insert(cmd.end(), files.begin() + static_cast<std::ptrdiff_t>(i),
               files.begin() + static_cast<std::ptrdiff_t>(std::min(files.size(), i + chunk)));
    if (const int rc = run_quiet(cmd); rc != 0) return rc;
  }
  return 0;
}

/// The --env mode: a synthetic site-packages of `count` small nvcc cubins.
int bench_environment(std::size_t count, int repeat, const std::string& nvcc) {
  std::string tmpl = (fs::temp_directory_path() / "sm121probe-bench-env-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) {
    fmt::print(stderr, "cannot create a temporary directory\n");
    return 1;
  }
  const fs::path root = tmpl;
  struct cleanup {
    fs::path p;
    ~cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } remove_at_exit{root};
  {
    std::FILE* f = std::fopen((root / "k.cu").c_str(), "w");
    if (!f) return 1;
    std::fputs("__global__ void scale(float* p, float f) { p[threadIdx.x] *= f; }\n", f);
    std::fclose(f);
  }
  const std::vector<std::string> archs = {"sm_90", "sm_100a", "sm_120", "sm_121"};
  std::vector<fs::path> cubins;
  const auto t_nvcc = clock_type::now();
  for (const auto& a : archs) {
    const fs::path out = root / (a + ".cubin");
    const std::string virt = "compute_" + a.substr(3);
    if (run_quiet({nvcc, "-cubin", "-gencode", "arch=" + virt + ",code=" + a, "-o", out.string(),
                   (root / "k.cu").string()}) != 0) {
      fmt::print(stderr, "nvcc failed for {} ({})\n", a, nvcc);
      return 1;
    }
    cubins.push_back(out);
  }
  const double nvcc_s = std::chrono::duration<double>(clock_type::now() - t_nvcc).count();
  const fs::path site = root / "site-packages";
  constexpr std::size_t dists = 16;
  std::vector<std::string> files;
  std::uint64_t bytes = 0;
  std::vector<std::string> records(dists);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t d = i % dists;
    const std::string rel = fmt::format("pkg{:02}/kernels/d{:03}/kernel_{}_{}.cubin", d, (i / dists) / 500, i,
                                        archs[i % archs.size()]);
    const fs::path to = site / rel;
    fs::create_directories(to.parent_path());
    fs::copy_file(cubins[i % cubins.size()], to);
    records[d] += rel + ",sha256=x,1\n";
    files.push_back(to.string());
    bytes += fs::file_size(to);
  }
  for (std::size_t d = 0; d < dists; ++d) {
    const fs::path info = site / fmt::format("pkg{:02}-1.0.dist-info", d);
    fs::create_directories(info);
    std::FILE* m = std::fopen((info / "METADATA").c_str(), "w");
    std::FILE* r = std::fopen((info / "RECORD").c_str(), "w");
    if (!m || !r) return 1;
    std::fputs(fmt::format("Metadata-Version: 2.1\nName: pkg{:02}\nVersion: 1.0\n\n", d).c_str(), m);
    std::fputs(records[d].c_str(), r);
    std::fclose(m);
    std::fclose(r);
  }
  const fs::path py = root / "python";
  {
    std::FILE* f = std::fopen(py.c_str(), "w");
    if (!f) return 1;
    std::fputs(fmt::format("#!/bin/sh\necho '{}'\n", site.string()).c_str(), f);
    std::fclose(f);
    fs::permissions(py, fs::perms::owner_all);
  }
  fmt::print("environment {} cubins in 16 distributions, {:.1f} MB (built with nvcc in {:.1f} s, copied)\n",
             files.size(), static_cast<double>(bytes) / 1e6, nvcc_s);
  fmt::print("cpus        {}\n", std::thread::hardware_concurrency());
  const std::vector<std::string> scan_cmd{SM121PROBE_BINARY, "scan",         "--format", "json",
                                          "--target",        "sm_121",       "--driver-cuda", "13.0",
                                          "--python=" + py.string()};
  std::vector<std::string> fast_cmd = scan_cmd;
  fast_cmd.push_back("--no-trap-check");
  const std::vector<std::string>& scan_fast = fast_cmd;
  if (cat_all(files) != 0) return 1;  // warm the cache
  for (const auto* cmd : {&scan_cmd, &scan_fast}) {
    const int rc = run_quiet(*cmd);
    if (rc != 0 && rc != 1) {
      fmt::print(stderr, "sm121-probe scan failed with status {}\n", rc);
      return 1;
    }
  }
  std::vector<double> cat_s, scan_s, fast_s;
  for (int r = 0; r < repeat; ++r) {
    cat_s.push_back(seconds_of([&] { cat_all(files); }));
    scan_s.push_back(seconds_of([&] { run_quiet(scan_cmd); }));
    fast_s.push_back(seconds_of([&] { run_quiet(scan_fast); }));
  }
  const double cat_m = median(cat_s), scan_m = median(scan_s), fast_m = median(fast_s);
  fmt::print("repeats     {} (medians below)\n", repeat);
  fmt::print("cat                         {:8.3f} s\n", cat_m);
  fmt::print("scan --python (CLI)         {:8.3f} s\n", scan_m);
  fmt::print("scan --python --no-trap-check {:6.3f} s\n", fast_m);
  fmt::print("ratio scan/cat: {:.3f}; with --no-trap-check: {:.3f}\n", scan_m / cat_m, fast_m / cat_m);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = SM121PROBE_CUDA_LIB_DIR;
  std::string nvcc = std::string(SM121PROBE_CUDA_BIN_DIR) + "/nvcc";
  std::size_t env_files = 0;
  int repeat = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--env" && i + 1 < argc) {
      env_files = static_cast<std::size_t>(std::max(1, std::atoi(argv[++i])));
    } else if (a == "--nvcc" && i + 1 < argc) {
      nvcc = argv[++i];
    } else if (a == "-h" || a == "--help") {
      std::puts("usage: sm121probe_bench_scan_vs_cat [DIR] [--repeat N]\n"
                "       sm121probe_bench_scan_vs_cat --env FILES [--repeat N] [--nvcc PATH]");
      return 0;
    } else {
      dir = a;
    }
  }
  if (env_files > 0) return bench_environment(env_files, repeat, nvcc);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    fmt::print(stderr, "not a directory: {}\n", dir);
    return 2;
  }
  std::uint64_t bytes = 0;
  const auto files = regular_files(dir, bytes);
  fmt::print("directory   {} ({} regular files, {:.2f} GB)\n", dir, files.size(), static_cast<double>(bytes) / 1e9);
  fmt::print("cpus        {}\n", std::thread::hardware_concurrency());

  const std::vector<std::string> scan_cmd{SM121PROBE_BINARY, "scan", "--format", "json", dir};

  // Warm the page cache (and check that both commands run).
  if (cat_all(files) != 0) {
    fmt::print(stderr, "cat failed\n");
    return 1;
  }
  const int scan_rc = run_quiet(scan_cmd);
  if (scan_rc != 0 && scan_rc != 1) {
    fmt::print(stderr, "sm121-probe scan failed with status {}\n", scan_rc);
    return 1;
  }

  const auto in_process = [&](unsigned threads) {
    sm121probe::binscan::path_scanner scanner({{12, 1}, {13, 0}});
    scanner.set_max_threads(threads);
    scanner.add_path(dir);
    sm121probe::binscan::scan_report report;
    scanner.finish(report);
    if (report.files.empty()) std::abort();
  };
  std::vector<double> cat_s, scan_s, lib1_s, libn_s;
  for (int r = 0; r < repeat; ++r) {
    cat_s.push_back(seconds_of([&] { cat_all(files); }));
    scan_s.push_back(seconds_of([&] { run_quiet(scan_cmd); }));
    lib1_s.push_back(seconds_of([&] { in_process(1); }));
    libn_s.push_back(seconds_of([&] { in_process(8); }));
  }
  const double cat_m = median(cat_s), scan_m = median(scan_s);
  const auto rate = [&](double s) { return static_cast<double>(bytes) / s / 1e9; };
  fmt::print("repeats     {} (medians below)\n", repeat);
  fmt::print("cat         {:8.3f} s  {:6.1f} GB/s\n", cat_m, rate(cat_m));
  fmt::print("scan (CLI)  {:8.3f} s  {:6.1f} GB/s\n", scan_m, rate(scan_m));
  fmt::print("scan (lib, 1 thread)   {:8.3f} s\n", median(lib1_s));
  fmt::print("scan (lib, default)    {:8.3f} s\n", median(libn_s));
  fmt::print("ratio scan/cat: {:.3f} ({})\n", scan_m / cat_m,
             scan_m < cat_m ? "scan is faster than cat" : "scan is NOT faster than cat");
  return 0;
}
