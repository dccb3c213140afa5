// `sm121-probe bench`: what each path costs (docs/bench.md). Offline (no GPU,
// or --target) it compiles every benchmark kernel and reports the SASS
// evidence and operation counts, and says that nothing was timed; with a GPU
// each measurement runs in a worker process.
#include "commands.hpp"
#include "output.hpp"
#include "toolkit_flags.hpp"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/bench.hpp"
#include "sm121probe/probe/runner.hpp"
#include "sm121probe/report/bench_json.hpp"
#include "sm121probe/report/bench_render.hpp"
#include "sm121probe/report/json.hpp"
#include "sm121probe/util/io.hpp"

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <optional>
#include <sstream>

namespace sm121probe::cli {

namespace {

constexpr double max_seconds = 3600.0;
constexpr double max_timeout_s = 86400.0;

struct bench_flags {
  std::string target;
  std::vector<std::string> only;
  output_flags out;
  double seconds = 2.0;
  double timeout_s = 300.0;
  int device = 0;
  bool quiet = false;
  nvrtc::toolchain_options toolkit;
};

// A number of seconds: finite, above 0, at most `max`.
CLI::Validator seconds_in(double max) {
  return CLI::Validator(
      [max](std::string& text) {
        double v = 0;
        std::size_t used = 0;
        try {
          v = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != text.size() || !std::isfinite(v) || v <= 0 || v > max)
          return fmt::format("'{}' is not a number of seconds above 0 and at most {}", text, max);
        return std::string();
      },
      "", "SECONDS");
}

std::string render(const report::bench_report& r, output_format f) {
  switch (f) {
    case output_format::json: return report::dump(report::to_json(r));
    case output_format::markdown: return report::render_bench_markdown(r);
    default: break;
  }
  std::ostringstream s;
  report::render_bench_text(r, s);
  return s.str();
}

int bench_command(const bench_flags& f, context& ctx) {
  probe::bench_options o;
  if (!f.target.empty()) {
    o.target = parse_arch_name(f.target);
    if (!o.target || o.target->kind != code_kind::sass)
      throw usage_error(fmt::format("--target '{}' is not an architecture name (e.g. sm_121)", f.target));
  }
  o.device = f.device;
  o.only = f.only;
  o.budget.seconds = f.seconds;
  o.timeout = std::chrono::milliseconds(static_cast<long long>(f.timeout_s * 1000));
  o.worker_argv = {ctx.self_exe, "__worker"};
  o.command_line = {"sm121-probe"};
  o.command_line.insert(o.command_line.end(), ctx.args.begin(), ctx.args.end());

  const output_format format =
      f.out.format.empty()
          ? (f.out.output.empty() || f.out.output == "-" ? output_format::text : format_from_extension(f.out.output))
          : parse_format(f.out.format, {output_format::text, output_format::json, output_format::markdown});
  if (format == output_format::junit) throw usage_error("bench has no junit output (text, json or markdown)");
  const std::string path = f.out.output.empty() ? "-" : f.out.output;
  if (util::is_stdout(path) && util::is_stdout(f.out.json_path))
    throw usage_error("--json - and the output both on stdout: give one of them a file");
  check_outputs({{"the output (-o)", path}, {"--json", f.out.json_path}});
  check_toolkit_flags(f.toolkit);

  auto tools = nvrtc::load_toolchain(f.toolkit);
  if (!tools.tools) throw environment_error(tools.error);
  if (tools.tools->nvjitlink_version().empty())
    throw environment_error("bench needs nvJitLink to build the SASS of the compute_80 fallback paths: " +
                            tools.tools->nvjitlink_error());
  report::bench_report rep;
  try {
    rep = probe::run_bench(o, builtin_bench_catalogue(), *tools.tools, f.quiet ? nullptr : &ctx.err);
  } catch (const probe::selection_error& e) {
    throw usage_error(e.what());
  }
  ctx.work_done = true;

  report::redactor rd;
  std::optional<report::bench_report> red;
  const auto view = [&](bool redact) -> const report::bench_report& {
    if (!redact) return rep;
    if (!red) {
      rd.learn(report::current_identity());
      red = report::redacted(rep, rd);
    }
    return *red;
  };
  emit(ctx, path, render(view(redacts(format, f.out)), format));
  if (!f.out.json_path.empty())
    emit(ctx, f.out.json_path, render(view(redacts(output_format::json, f.out)), output_format::json));
  return report::bench_failed(rep) ? static_cast<int>(exit_status::failing) : static_cast<int>(exit_status::ok);
}

}  // namespace

command add_bench_command(CLI::App& root, context& ctx) {
  auto flags = std::make_shared<bench_flags>();
  CLI::App* sub = root.add_subcommand(
      "bench", "What each path costs: tensor throughput per format (native vs fallback), memory bandwidth, launch "
               "and JIT; offline (--target or no GPU): SASS evidence only, nothing timed");
  sub->add_option("--target", flags->target,
                  "Offline for this architecture (e.g. sm_121, sm_120, sm_90a, sm_80): compile and inspect every "
                  "benchmark kernel, time nothing; default without a GPU: sm_121")
      ->check(non_empty());
  sub->add_option("--only", flags->only,
                  "Only benchmarks whose id matches this glob (repeatable, e.g. 'tensor.*', 'memory.device.*')")
      ->delimiter(',');
  sub->add_option("--seconds", flags->seconds,
                  "Target time of each measurement, all repetitions together (above 0, at most 3600)")
      ->capture_default_str()
      ->check(seconds_in(max_seconds));
  sub->add_option("--device", flags->device, "CUDA device ordinal (0 to 1023)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1023));
  sub->add_option("--timeout", flags->timeout_s,
                  "Seconds one measurement's worker process may take before it is killed (above 0, at most 86400)")
      ->capture_default_str()
      ->check(seconds_in(max_timeout_s));
  add_output_flags(*sub, flags->out, {output_format::text, output_format::json, output_format::markdown},
                   "Write the report (in --format) to this path, atomically; '-' = stdout (default). Without "
                   "--format the format follows the extension: .md markdown, .txt text, else json; on stdout, text");
  add_toolkit_flags(*sub, flags->toolkit);
  sub->add_flag("-q,--quiet", flags->quiet, "No progress on stderr (errors still go there)");
  return {sub, [flags, &ctx] { return bench_command(*flags, ctx); }};
}

}  // namespace sm121probe::cli
