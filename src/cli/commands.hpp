#pragma once
// Private to src/cli: each subcommand lives in its own cmd_<name>.cpp and is
// added to the root app by app.cpp through one of these functions.

#include "sm121probe/cli/app.hpp"

#include <CLI/CLI.hpp>

#include <functional>

namespace sm121probe::cli {

/// A subcommand: the CLI11 node it registered and what to do when it was chosen.
struct command {
  CLI::App* app = nullptr;
  std::function<int()> action;
};

command add_run_command(CLI::App& root, context& ctx);
command add_list_command(CLI::App& root, context& ctx);
command add_scan_command(CLI::App& root, context& ctx);
command add_compare_command(CLI::App& root, context& ctx);
command add_merge_command(CLI::App& root, context& ctx);
command add_worker_command(CLI::App& root, context& ctx);
command add_doctor_command(CLI::App& root, context& ctx);
command add_doctor_worker_command(CLI::App& root, context& ctx);
command add_bench_command(CLI::App& root, context& ctx);

/// Default name of the run report.
inline constexpr const char* default_report_path = "sm121-probe-report.json";

/// Prefix of every diagnostic line.
inline constexpr const char* diag_prefix = "sm121-probe: ";

}  // namespace sm121probe::cli
