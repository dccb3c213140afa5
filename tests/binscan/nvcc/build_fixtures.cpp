// Builds the nvcc fixtures of fixtures.hpp into a directory, two nvcc runs at a
// time. Run by ctest (test "binscan.nvcc_fixtures", FIXTURES_SETUP) so every
// test run compiles them afresh.
//   build_fixtures OUT_DIR NVCC
// Exit codes: 0 built, 1 an nvcc run failed, 77 nvcc is not available (skip).
#include "binscan/nvcc/fixtures.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using sm121probe::testing::nvcc::fixture;

pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<std::string> store = argv;
  std::vector<char*> cargv;
  for (auto& a : store) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  pid_t pid = -1;
  if (::posix_spawnp(&pid, cargv[0], &fa, nullptr, cargv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: build_fixtures OUT_DIR NVCC\n";
    return 2;
  }
  const fs::path out = argv[1];
  const std::string nvcc = argv[2];
  if (::access(nvcc.c_str(), X_OK) != 0) {
    std::cout << "nvcc not found at " << nvcc << ": skipping the nvcc fixtures\n";
    return 77;
  }
  std::error_code ec;
  fs::remove_all(out, ec);
  fs::create_directories(out / "src");
  fs::create_directories(out / "logs");
  const std::map<std::string, const char*> sources = {{"k.cu", sm121probe::testing::nvcc::kernel_source},
                                                      {"k2.cu", sm121probe::testing::nvcc::kernel2_source},
                                                      {"h.cu", sm121probe::testing::nvcc::host_only_source},
                                                      {"trap.cu", sm121probe::testing::nvcc::trap_source},
                                                      {"main.cu", sm121probe::testing::nvcc::main_source}};
  for (const auto& [name, text] : sources) std::ofstream(out / "src" / name) << text;

  const auto start = std::chrono::steady_clock::now();
  const auto& all = sm121probe::testing::nvcc::fixtures();
  std::map<pid_t, const fixture*> running;
  std::size_t next = 0;
  int failures = 0;
  const auto launch = [&](const fixture& f) {
    std::vector<std::string> cmd{nvcc};
    cmd.insert(cmd.end(), f.args.begin(), f.args.end());
    cmd.push_back("-o");
    cmd.push_back((out / f.name).string());
    for (const auto& s : f.sources) cmd.push_back((out / "src" / s).string());
    const pid_t pid = spawn(cmd, (out / "logs" / (f.name + ".log")).string());
    if (pid < 0) {
      std::cerr << "cannot start " << nvcc << "\n";
      ++failures;
      return;
    }
    running[pid] = &f;
  };
  // Two nvcc runs at a time: nvcc itself is mostly single-threaded.
  while (next < all.size() || !running.empty()) {
    while (next < all.size() && running.size() < 2) launch(all[next++]);
    if (running.empty()) break;
    int status = 0;
    const pid_t pid = ::wait(&status);
    if (pid < 0) break;
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const fixture& f = *it->second;
    running.erase(it);
    const int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::cout << (rc == 0 ? "built  " : "FAILED ") << f.name << "\n";
    if (rc != 0) {
      ++failures;
      std::ifstream log(out / "logs" / (f.name + ".log"));
      std::cout << log.rdbuf() << "\n";
    }
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << all.size() << " fixtures, " << failures << " failed, " << secs << " s\n";
  if (failures == 0) std::ofstream(out / "complete") << "ok\n";
  return failures == 0 ? 0 : 1;
}
