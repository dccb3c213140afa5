// `sm121-probe run` (the default command): the probe battery.
#include "commands.hpp"
#include "sm121probe/nvrtc/toolchain.hpp"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/probe/runner.hpp"
#include "sm121probe/report/json.hpp"
#include "sm121probe/report/render.hpp"
#include "sm121probe/util/io.hpp"

#include <fmt/format.h>

#include <memory>
#include <ostream>

namespace sm121probe::cli {

namespace {

struct run_flags {
  std::string target;
  std::string output = default_report_path;
  std::vector<std::string> only;
  std::vector<std::string> skip;
  int device = 0;
  double timeout_s = 20.0;
  bool no_isolate = false;
  bool no_color = false;
  unsigned jobs = 0;
  bool quiet = false;
  int verbose = 0;
};

// One-line notices and TTY progress on stderr.
class stderr_observer final : public probe::run_observer {
 public:
  stderr_observer(std::ostream& err, bool tty, bool quiet, bool verbose)
      : os(err), is_tty(tty), silent(quiet), chatty(verbose) {}
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

 private:
  void clear() {
    if (dirty) os << "\r\x1b[2K" << std::flush;
    dirty = false;
  }
  std::ostream& os;
  bool is_tty, silent, chatty;
  bool dirty = false;
};

int run_command(const run_flags& f, context& ctx) {
  probe::run_options opts;
  if (!f.target.empty()) {
    opts.target = parse_arch_name(f.target);
    if (!opts.target) throw usage_error(fmt::format("--target '{}' is not an architecture name (e.g. sm_121)", f.target));
  }
  if (f.timeout_s <= 0) throw usage_error("--timeout must be positive");
  opts.device = f.device;
  opts.only = f.only;
  opts.skip = f.skip;
  opts.jobs = f.jobs;
  opts.command_line = {"sm121-probe"};

  const bool to_stdout = f.output == "-";
  util::check_writable(f.output);  // fail before a long run, not after

  auto tools = nvrtc::load_toolchain();
  if (!tools.tools) throw environment_error(tools.error);

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
  stderr_observer observer(ctx.err, ctx.err_is_tty, f.quiet, f.verbose > 0);
  report::run_report rep;
  try {
    rep = probe::run_battery(opts, *tools.tools, executor.get(), &observer);
  } catch (const probe::selection_error& e) {
    throw usage_error(e.what());
  }
  const std::string json_text = report::dump(report::to_json(rep));
  if (to_stdout) {
    ctx.out << json_text << std::flush;
  } else {
    util::write_file_atomically(f.output, json_text);
    report::render_text(rep, ctx.out, {ctx.out_is_tty && !f.no_color});
    if (!f.quiet) ctx.err << diag_prefix << "report written to " << f.output << '\n';
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
                  "default without a GPU: sm_121");
  sub->add_option("-o,--output", flags->output, "JSON report path ('-' = stdout)")->capture_default_str();
  sub->add_option("--only", flags->only, "Only probes whose id matches this glob (repeatable, e.g. 'mma.*')")
      ->delimiter(',');
  sub->add_option("--skip", flags->skip, "Skip probes whose id matches this glob (repeatable)")->delimiter(',');
  sub->add_option("--device", flags->device, "CUDA device ordinal")->capture_default_str()->check(CLI::NonNegativeNumber);
  sub->add_option("--timeout", flags->timeout_s, "Seconds one GPU attempt may take before its worker is killed")
      ->capture_default_str();
  sub->add_flag("--no-isolate", flags->no_isolate,
                "Run GPU attempts in this process (debugging; a kernel fault then ends GPU work for the run)");
  sub->add_option("-j,--jobs", flags->jobs, "Parallel compile jobs (default: all cores)");
  sub->add_flag("--no-color", flags->no_color, "No ANSI colours (they are used only on a terminal anyway)");
  sub->add_flag("-q,--quiet", flags->quiet, "No notices or progress on stderr");
  sub->add_flag("-v,--verbose", flags->verbose, "Progress lines on stderr even when it is not a terminal");
  return {sub, [flags, &ctx] { return run_command(*flags, ctx); }};
}

}  // namespace sm121probe::cli
