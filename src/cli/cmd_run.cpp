#include "commands.hpp"

namespace sm121probe::cli {

command add_run_command(CLI::App& root, context& ctx) {
  auto* sub = root.add_subcommand("run", "(scaffolding: not implemented yet)");
  return {sub, [&ctx] { ctx.err << diag_prefix << "error: 'run' is not implemented yet\n"; return 3; }};
}

}  // namespace sm121probe::cli
