#include "commands.hpp"

namespace sm121probe::cli {

command add_scan_command(CLI::App& root, context& ctx) {
  auto* sub = root.add_subcommand("scan", "(scaffolding: not implemented yet)");
  return {sub, [&ctx] { ctx.err << diag_prefix << "error: 'scan' is not implemented yet\n"; return 3; }};
}

}  // namespace sm121probe::cli
