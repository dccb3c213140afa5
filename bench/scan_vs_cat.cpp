// How long `sm121-probe scan` takes on a directory of real libraries compared
// with `cat` reading the same files, both with a warm page cache.
//
//   sm121probe_bench_scan_vs_cat [DIR] [--repeat N]
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

}  // namespace

int main(int argc, char** argv) {
  std::string dir = SM121PROBE_CUDA_LIB_DIR;
  int repeat = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--repeat" && i + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++i]));
    } else if (a == "-h" || a == "--help") {
      std::puts("usage: sm121probe_bench_scan_vs_cat [DIR] [--repeat N]");
      return 0;
    } else {
      dir = a;
    }
  }
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    fmt::print(stderr, "not a directory: {}\n", dir);
    return 2;
  }
  std::uint64_t bytes = 0;
  const auto files = regular_files(dir, bytes);
  fmt::print("directory   {} ({} regular files, {:.2f} GB)\n", dir, files.size(), static_cast<double>(bytes) / 1e9);
  fmt::print("cpus        {}\n", std::thread::hardware_concurrency());

  std::vector<std::string> cat_cmd{"cat"};
  cat_cmd.insert(cat_cmd.end(), files.begin(), files.end());
  const std::vector<std::string> scan_cmd{SM121PROBE_BINARY, "scan", "--format", "json", dir};

  // Warm the page cache (and check that both commands run).
  if (run_quiet(cat_cmd) != 0) {
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
    cat_s.push_back(seconds_of([&] { run_quiet(cat_cmd); }));
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
