// `sm121-probe __worker query|attempt`: hidden; the tool re-executes itself
// with this to run one GPU attempt in a fresh process (see probe/executor.hpp).
#include "commands.hpp"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/executor.hpp"

#include <iostream>
#include <memory>

namespace sm121probe::cli {

command add_worker_command(CLI::App& root, context& ctx) {
  auto mode = std::make_shared<std::string>();
  CLI::App* sub = root.add_subcommand("__worker", "");
  sub->group("");  // hidden from --help
  sub->add_option("mode", *mode, "query | attempt | bench")
      ->required()
      ->check(CLI::IsMember({"query", "attempt", "bench"}));
  return {sub, [mode, &ctx] {
            if (*mode == "bench") return probe::bench_worker_main(builtin_bench_catalogue(), std::cin, ctx.out);
            return probe::worker_main(builtin_catalogue(), *mode, std::cin, ctx.out);
          }};
}

}  // namespace sm121probe::cli
