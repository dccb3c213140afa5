// `sm121-probe run` (the default command): the probe battery.
#include "commands.hpp"
#include "doctor_section.hpp"
#include "keep_images.hpp"
#include "output.hpp"
#include "toolkit_flags.hpp"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/nvrtc/toolchain.hpp"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/probe/runner.hpp"
#include "sm121probe/report/baseline.hpp"
#include "sm121probe/report/json.hpp"
#include "sm121probe/report/redact.hpp"
#include "sm121probe/report/render.hpp"
#include "sm121probe/util/driver_guard.hpp"
#include "sm121probe/util/io.hpp"

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>

namespace sm121probe::cli {

namespace {

constexpr int max_device_ordinal = 1023;
constexpr double max_timeout_s = 86400.0;  // a day; longer is a mistake, and the milliseconds must fit
constexpr unsigned max_jobs = 1024;

// A number of seconds: finite, above 0, at most `max` (CLI::Range lets nan through).
CLI::Validator finite_seconds(double max) {
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

// An --expect pattern for a notice on stderr: no control characters.
std::string markup_safe(const std::string& s) {
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) out += fmt::format("\\x{:02x}", u);
    else out += c;
  }
  return out;
}

struct run_flags {
  std::string target;
  std::string driver_cuda;
  output_flags out;
  std::string expect;
  std::string write_expect;
  std::vector<std::string> only;
  std::vector<std::string> skip;
  int device = 0;
  double timeout_s = 20.0;
  bool no_isolate = false;
  bool no_color = false;
  unsigned jobs = 0;
  bool quiet = false;
  int verbose = 0;
  bool doctor = false;  ///< --doctor: the doctor's findings after the markdown report
  nvrtc::toolchain_options toolkit;  ///< --cuda-home, --nvrtc, --nvjitlink
  std::string keep_images;           ///< --keep-images DIR
};

// One-line notices and TTY progress on stderr.
class stderr_observer final : public probe::run_observer {
 public:
  stderr_observer(std::ostream& err, bool tty, bool quiet, bool verbose, image_keeper* keep)
      : os(err), is_tty(tty), silent(quiet), chatty(verbose), keeper(keep) {}
  ~stderr_observer() override { clear(); }
  stderr_observer(const stderr_observer&) = delete;
  stderr_observer& operator=(const stderr_observer&) = delete;

  void notice(const std::string& line) override {
    if (silent) return;
    clear();
    os << diag_prefix << line << '\n' << std::flush;
  }
  void progress(std::size_t index, std::size_t total, const std::string& id) override {
    if (silent) return;
    if (chatty && !is_tty) {
      os << fmt::format("{}[{}/{}] {}\n", diag_prefix, index + 1, total, id) << std::flush;
      return;
    }
    if (!is_tty) return;
    os << fmt::format("\r\x1b[2K[{}/{}] {}", index + 1, total, id) << std::flush;
    dirty = true;
  }
  void compiled(const probe::probe& p, const std::vector<probe::compiled_variant>& variants) override {
    if (keeper) keeper->add(p, variants);
  }

 private:
  void clear() {
    if (dirty) os << "\r\x1b[2K" << std::flush;
    dirty = false;
  }
  std::ostream& os;
  bool is_tty, silent, chatty;
  image_keeper* keeper;
  bool dirty = false;
};

// Where each output goes, decided (and checked) before the run.
struct output_plan {
  output_format format = output_format::json;
  std::string path;       ///< main output; "-" = stdout
  bool table = true;      ///< the human table on stdout as well
};

output_plan plan_outputs(const output_flags& o, const std::string& write_expect) {
  output_plan plan;
  if (!o.format.empty()) {
    plan.format = parse_format(o.format, {output_format::text, output_format::json, output_format::markdown,
                                          output_format::junit});
    plan.path = o.output.empty() ? "-" : o.output;
  } else if (!o.output.empty()) {
    plan.path = o.output;
    plan.format = plan.path == "-" ? output_format::json : format_from_extension(plan.path);
  } else {
    plan.path = default_report_path;
    plan.format = output_format::json;
  }
  if (util::is_stdout(plan.path) && util::is_stdout(o.json_path))
    throw usage_error("--json - and the report both on stdout: give one of them a file (-o FILE or --json FILE)");
  plan.table = !util::is_stdout(plan.path) && !util::is_stdout(o.json_path) && !util::is_stdout(write_expect);
  return plan;
}

std::string render(const report::run_report& r, output_format f) {
  switch (f) {
    case output_format::json: return report::dump(report::to_json(r));
    case output_format::markdown: return report::render_markdown(r);
    case output_format::junit: return report::render_junit(r);
    case output_format::text: break;
  }
  std::ostringstream s;
  report::render_text(r, s);
  return s.str();
}

std::optional<report::expect_file> load_expectations(const std::string& path) {
  if (path.empty()) return std::nullopt;
  const std::string text = util::read_file(path, util::max_report_bytes);
  try {
    return report::parse_expect_file(text);
  } catch (const report::expect_error& e) {
    throw usage_error(fmt::format("--expect '{}': {}", path, e.what()));
  }
}

int run_command(const run_flags& f, context& ctx) {
  probe::run_options opts;
  if (!f.target.empty()) {
    opts.target = parse_arch_name(f.target);
    if (!opts.target) throw usage_error(fmt::format("--target '{}' is not an architecture name (e.g. sm_121)", f.target));
  }
  if (!f.driver_cuda.empty()) {
    opts.driver_cuda = parse_cuda_version(f.driver_cuda);
    if (!opts.driver_cuda || !max_ptx_isa_for(*opts.driver_cuda))
      throw usage_error(fmt::format("--driver-cuda '{}' is not a CUDA release of 10.0 or later (e.g. 12.8)",
                                    f.driver_cuda));
  }
  opts.device = f.device;
  opts.only = f.only;
  opts.skip = f.skip;
  opts.jobs = f.jobs;
  opts.command_line = {"sm121-probe"};
  opts.command_line.insert(opts.command_line.end(), ctx.args.begin(), ctx.args.end());

  // Everything the user got wrong fails here, before a long run.
  const output_plan plan = plan_outputs(f.out, f.write_expect);
  check_outputs({{"the report (-o)", plan.path}, {"--json", f.out.json_path}, {"--write-expect", f.write_expect}});
  if (f.doctor && plan.format != output_format::markdown)
    throw usage_error("--doctor adds the doctor's findings to markdown output: use it with --format markdown");
  const auto expectations = load_expectations(f.expect);
  check_toolkit_flags(f.toolkit);

  // --no-isolate asks for the driver in this process; otherwise it is only ever
  // loaded by worker processes (util/driver_guard.hpp).
  if (f.no_isolate) util::allow_driver_in_this_process();
  auto tools = nvrtc::load_toolchain(f.toolkit);
  if (!tools.tools) throw environment_error(tools.error);
  std::optional<image_keeper> keeper;
  if (!f.keep_images.empty()) keeper.emplace(f.keep_images, *tools.tools);

  std::unique_ptr<probe::device_executor> executor;
  cuda::driver_load_result driver;
  if (f.no_isolate) {
    driver = cuda::load_driver();
    executor = std::make_unique<probe::in_process_executor>(driver.api.get(), driver.error);
  } else {
    executor = std::make_unique<probe::isolated_executor>(
        std::vector<std::string>{ctx.self_exe, "__worker"},
        std::chrono::milliseconds(static_cast<long long>(f.timeout_s * 1000)));
  }
  report::run_report rep;
  {
    stderr_observer observer(ctx.err, ctx.err_is_tty, f.quiet, f.verbose > 0, keeper ? &*keeper : nullptr);
    try {
      rep = probe::run_battery(opts, builtin_catalogue(), *tools.tools, executor.get(), &observer);
    } catch (const probe::selection_error& e) {
      throw usage_error(e.what());
    } catch (const probe::toolchain_error& e) {
      throw environment_error(e.what());
    }
  }
  if (keeper) keeper->finish(rep);
  if (expectations) {
    const auto unused = report::apply_baseline(rep, *expectations);
    constexpr std::size_t max_listed = 20;
    if (!f.quiet) {
      for (std::size_t i = 0; i < unused.size() && i < max_listed; ++i)
        ctx.err << diag_prefix << "--expect rule '" << markup_safe(unused[i]) << "' matched no probe in this run\n";
      if (unused.size() > max_listed)
        ctx.err << diag_prefix << "... and " << unused.size() - max_listed << " more --expect rules matched no probe\n";
    }
  }

  ctx.work_done = true;  // the battery ran: an I/O error from here on loses output (exit 5)

  // One redactor for every redacted output, so placeholders agree between them.
  report::redactor rd;
  std::optional<report::run_report> redacted_rep;
  const auto view = [&](bool redact) -> const report::run_report& {
    if (!redact) return rep;
    if (!redacted_rep) {
      rd.learn(rep);
      rd.learn(report::current_identity());
      redacted_rep = report::redacted(rep, rd);
    }
    return *redacted_rep;
  };

  std::string main_text = render(view(redacts(plan.format, f.out)), plan.format);
  if (f.doctor) {
    doctor_inputs din;
    if (const auto t = parse_arch_name(rep.target)) din.target = t->arch.base();
    din.driver = opts.driver_cuda;
    (void)view(redacts(plan.format, f.out));  // the run's values get the first placeholders
    main_text += doctor_markdown_section(din, ctx, redacts(plan.format, f.out) ? &rd : nullptr);
  }
  emit(ctx, plan.path, main_text);
  if (!f.out.json_path.empty())
    emit(ctx, f.out.json_path, render(view(redacts(output_format::json, f.out)), output_format::json));
  if (!f.write_expect.empty()) {
    const std::string comment = fmt::format(
        "Written by sm121-probe {} from a {} run for {} at {}: each probe id (or glob) maps to the verdicts it may "
        "have; run with --expect FILE to hold later runs to it",
        rep.tool.version, report::to_string(rep.mode), rep.target, rep.created);
    util::write_output(f.write_expect, report::expect_file_text(report::baseline_from_report(rep), comment));
  }
  if (plan.table) {
    std::ostringstream table;
    report::render_text(view(f.out.redact), table, {ctx.out_is_tty && !f.no_color});
    write_checked(ctx.out, table.str(), "to standard output");
  }
  if (!f.quiet) {
    if (!util::is_stdout(plan.path)) ctx.err << diag_prefix << "report written to " << plan.path << '\n';
    if (!f.out.json_path.empty() && !util::is_stdout(f.out.json_path))
      ctx.err << diag_prefix << "JSON report written to " << f.out.json_path << '\n';
    if (!f.write_expect.empty()) ctx.err << diag_prefix << "expectations written to " << f.write_expect << '\n';
  }
  return report::run_failed(rep) ? static_cast<int>(exit_status::failing) : static_cast<int>(exit_status::ok);
}

}  // namespace

command add_run_command(CLI::App& root, context& ctx) {
  auto flags = std::make_shared<run_flags>();
  CLI::App* sub = root.add_subcommand(
      "run", "Probe the GPU (or, without one, a target offline) and write the report (default command)");
  sub->add_option("--target", flags->target,
                  "Offline report for this architecture (e.g. sm_121, sm_90a) instead of probing a GPU; "
                  "default without a GPU: sm_121")
      ->check(non_empty());
  sub->add_option("--driver-cuda", flags->driver_cuda,
                  "Offline: also predict whether a driver of this CUDA release (e.g. 12.8) accepts the PTX of "
                  "the PTX variants (NVRTC emits its own PTX ISA version)")
      ->check(non_empty());
  add_output_flags(*sub, flags->out,
                   {output_format::text, output_format::json, output_format::markdown, output_format::junit},
                   "Write the report (in --format) to this path, atomically; '-' = stdout. Default: with --format, "
                   "stdout; without, sm121-probe-report.json (JSON) and the table on stdout. Without --format the "
                   "format follows the extension: .md markdown, .xml junit, .txt text, else json");
  sub->add_option("--expect", flags->expect,
                  "Hold the run to this expectations baseline (JSON: probe id or glob -> allowed verdicts); a probe "
                  "outside its rule's verdicts fails the run (exit 1) and the report names the rule")
      ->check(non_empty());
  sub->add_option("--write-expect", flags->write_expect,
                  "Write an expectations baseline from this run (every probe id with the verdict it got)")
      ->check(non_empty());
  sub->add_option("--only", flags->only, "Only probes whose id matches this glob (repeatable, e.g. 'mma.*')")
      ->delimiter(',');
  sub->add_option("--skip", flags->skip, "Skip probes whose id matches this glob (repeatable)")->delimiter(',');
  sub->add_option("--device", flags->device, "CUDA device ordinal (0 to 1023)")
      ->capture_default_str()
      ->check(CLI::Range(0, max_device_ordinal));
  sub->add_option("--timeout", flags->timeout_s,
                  "Seconds one GPU attempt (and the driver query) may take before its worker is killed (a number "
                  "above 0, at most 86400)")
      ->capture_default_str()
      ->check(finite_seconds(max_timeout_s));
  sub->add_flag("--no-isolate", flags->no_isolate,
                "Run GPU attempts in this process (debugging; a kernel fault then ends GPU work for the run)");
  sub->add_option("-j,--jobs", flags->jobs, "Parallel compile jobs, 0 to 1024 (0 or not given: all cores)")
      ->check(CLI::Range(0u, max_jobs));
  sub->add_flag("--doctor", flags->doctor,
                "Markdown: append the findings of `sm121-probe doctor` (compilers, JITs, frameworks, environment) "
                "for the same target, so one paste holds everything");
  add_toolkit_flags(*sub, flags->toolkit);
  sub->add_option("--keep-images", flags->keep_images,
                  "Also write every compiled image (cubin, PTX, nvJitLink's cubin), the SASS reference programs of "
                  "the checked instructions and a manifest.json into this directory, to check the verdicts with "
                  "other tools (e.g. nvdisasm)")
      ->option_text("DIR")
      ->check(non_empty());
  sub->add_flag("--no-color", flags->no_color, "No ANSI colours (they are used only on a terminal anyway)");
  sub->add_flag("-q,--quiet", flags->quiet, "No notices or progress on stderr (errors still go there)");
  sub->add_flag("-v,--verbose", flags->verbose, "Progress lines on stderr even when it is not a terminal");
  return {sub, [flags, &ctx] { return run_command(*flags, ctx); }};
}

}  // namespace sm121probe::cli
