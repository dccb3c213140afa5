// Offline battery benchmark: the compile stage of the whole battery (parallel
// across cores, as `sm121-probe --target sm_121` runs it) against the sum of
// the same compilations done one at a time. Prints both and their ratio.
//
//   build/bench/battery_bench [--target sm_121] [--repeat 3] [--jobs N]
#include "sm121probe/nvrtc/toolchain.hpp"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
using sm121probe::gpu_arch;

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string target = "sm_121";
  int repeat = 3;
  unsigned jobs = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--target") target = argv[i + 1];
    else if (flag == "--repeat") repeat = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--jobs") jobs = static_cast<unsigned>(std::atoi(argv[i + 1]));
    else {
      fmt::print(stderr, "usage: battery_bench [--target sm_121] [--repeat 3] [--jobs N]\n");
      return 2;
    }
  }
  const auto name = sm121probe::parse_arch_name(target);
  if (!name) {
    fmt::print(stderr, "battery_bench: bad --target {}\n", target);
    return 2;
  }
  const auto loaded = sm121probe::nvrtc::load_toolchain();
  if (!loaded.tools) {
    fmt::print(stderr, "battery_bench: {}\n", loaded.error);
    return 3;
  }
  const auto& tools = *loaded.tools;

  std::size_t compiles = 0;
  for (const auto& p : sm121probe::cli::builtin_catalogue().probes) compiles += p.variants.size();

  // Warm-up: NVRTC loads its builtins on first use.
  {
    sm121probe::probe::run_options o;
    o.target = name;
    o.only = {"cuda.fma"};
    (void)sm121probe::probe::run_battery(o, sm121probe::cli::builtin_catalogue(), tools, nullptr, nullptr);
  }

  std::vector<double> battery, single_sum;
  for (int r = 0; r < repeat; ++r) {
    sm121probe::probe::run_options o;
    o.target = name;
    o.jobs = jobs;
    const auto t0 = clock_type::now();
    (void)sm121probe::probe::run_battery(o, sm121probe::cli::builtin_catalogue(), tools, nullptr, nullptr);
    battery.push_back(seconds_since(t0));

    double sum = 0.0;
    for (const auto& p : sm121probe::cli::builtin_catalogue().probes)
      for (const auto& v : p.variants) {
        const auto t1 = clock_type::now();
        (void)sm121probe::probe::compile_variant(tools, sm121probe::cli::builtin_catalogue(), p, v, name->arch, true);
        sum += seconds_since(t1);
      }
    single_sum.push_back(sum);
  }
  const double b = median(battery), s = median(single_sum);
  fmt::print("offline battery for {}: {} probes, {} variant compiles, {} hardware threads, NVRTC {}\n", target,
             sm121probe::cli::builtin_catalogue().probes.size(), compiles, std::thread::hardware_concurrency(),
             tools.nvrtc_version());
  fmt::print("  battery (parallel compile stage), median of {}: {:.3f} s\n", repeat, b);
  fmt::print("  sum of single compiles,           median of {}: {:.3f} s\n", repeat, s);
  fmt::print("  ratio sum/battery: {:.2f}x\n", s / b);
  return 0;
}
