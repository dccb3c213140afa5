// `sm121-probe doctor`: which compiler, JIT and runtime in this environment will
// fail on the target, and the one-line fix (docs/doctor.md). Also the hidden
// `__doctor` worker that judges one NVRTC / nvJitLink library or measures the
// device in a process of its own.
#include "commands.hpp"
#include "doctor_section.hpp"
#include "output.hpp"
#include "toolkit_flags.hpp"

#include "../probe/subprocess.hpp"
#include "sm121probe/cuda/detect.hpp"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/doctor/audit.hpp"
#include "sm121probe/doctor/device.hpp"
#include "sm121probe/report/doctor_render.hpp"
#include "sm121probe/util/io.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <sys/stat.h>

namespace sm121probe::cli {

namespace {
// How long the driver query (in a worker process) may take before doctor assumes no driver.
constexpr std::chrono::seconds driver_query_timeout{20};
}  // namespace

namespace {

struct doctor_options {
  output_flags out;
  std::string target;
  std::string driver;
  CLI::Option* python = nullptr;
  std::string python_exe;
  bool import_frameworks = false;
  bool no_device = false;
  int timeout = 20;
  int device = 0;
  nvrtc::toolchain_options toolkit;
};

gpu_arch parse_device_target(const std::string& text) {
  const auto name = parse_arch_name(text);
  if (!name || name->kind != code_kind::sass || name->arch.variant != arch_variant::plain)
    throw usage_error(fmt::format("invalid --target '{}': expected a device such as sm_121, 121 or 12.1", text));
  return name->arch;
}

}  // namespace

doctor::doctor_report build_doctor_report(const doctor_inputs& in, context& ctx) {
  doctor::audit_options a;
  a.env = doctor::current_environment();
  a.self_exe = ctx.self_exe;
  a.import_frameworks = in.import_frameworks;
  a.tool_timeout = std::chrono::seconds(in.timeout_s);
  if (in.python_given) {
    a.python = in.python_exe.empty() ? "python3" : in.python_exe;
    a.python_given = true;
  } else {
    a.python = "python3";
  }
  // The driver is asked in a worker process with a deadline (like `run` and
  // `scan`): this process never loads libcuda (util/driver_guard.hpp), and a
  // broken driver that hangs or crashes costs the detection, not the audit.
  std::optional<cuda::driver_query> detected;
  if ((!in.target || !in.driver) && !ctx.self_exe.empty()) {
    probe::isolated_executor worker({ctx.self_exe, "__worker"}, driver_query_timeout);
    cuda::driver_query q = worker.query(in.device);
    if (q.driver.version) detected = std::move(q);
  }
  if (in.target) {
    a.target = *in.target;
    a.target_source = "given with --target";
  } else if (detected && detected->device) {
    a.target = gpu_arch{detected->device->cc_major, detected->device->cc_minor}.base();
    a.target_source = fmt::format("detected GPU {}", detected->device->name);
  } else {
    a.target = gpu_arch{12, 1};
    a.target_source = detected ? "assumed: the driver reports no GPU" : "assumed: no GPU detected";
  }
  if (in.driver) {
    a.driver = *in.driver;
    a.driver_source = "given with --driver-cuda";
  } else if (detected) {
    a.driver = cuda_version::from_int(*detected->driver.version);
    a.driver_source = "detected driver";
  } else {
    a.driver_source = "no driver found (libcuda.so.1 cannot be loaded)";
  }
  doctor::doctor_report r;
  try {
    r = doctor::audit(a);
  } catch (const doctor::python_not_found& e) {
    throw usage_error(e.what());
  } catch (const doctor::python_failed& e) {
    throw environment_error(e.what());
  }
  r.command_line = {"sm121-probe"};
  r.command_line.insert(r.command_line.end(), ctx.args.begin(), ctx.args.end());
  // Device mode: a GPU is there and the target was not forced; measured in a worker.
  if (!in.no_device && !in.target && detected && detected->device && !ctx.self_exe.empty()) {
    std::vector<std::string> argv{ctx.self_exe, "__doctor", "device", std::to_string(in.device)};
    if (!in.toolkit.cuda_home.empty()) argv.push_back("cuda-home=" + in.toolkit.cuda_home);
    if (!in.toolkit.nvrtc_library.empty()) argv.push_back("nvrtc=" + in.toolkit.nvrtc_library);
    if (!in.toolkit.nvjitlink_library.empty()) argv.push_back("nvjitlink=" + in.toolkit.nvjitlink_library);
    const auto run = probe::detail::run_subprocess(argv, "", std::chrono::seconds(120), 1 << 20);
    doctor::device_record d;
    if (!run.started || run.timed_out || run.signal != 0) {
      d.error = !run.started ? run.start_error
                : run.timed_out ? "the device worker did not finish within 120 s"
                                : fmt::format("the device worker was killed by {}", probe::detail::signal_name(run.signal));
    } else {
      d = report::doctor_device_from_json(nlohmann::json::parse(run.out, nullptr, false));
    }
    doctor::add_device_findings(d, r);
    r.device = std::move(d);
    doctor::sort_findings(r.findings);
  }
  return r;
}

std::string doctor_markdown_section(doctor_inputs in, context& ctx, report::redactor* rd) {
  in.no_device = true;
  doctor::doctor_report r = build_doctor_report(in, ctx);
  if (rd) {
    rd->learn(report::current_identity());
    r = report::redacted(r, *rd);
  }
  return "\n" + report::render_doctor_markdown(r, 3);
}

namespace {

int run_doctor(const doctor_options& o, context& ctx) {
  const output_format format = parse_format(
      o.out.format.empty() ? "text" : o.out.format,
      {output_format::text, output_format::json, output_format::markdown, output_format::junit});
  const std::string output = o.out.output.empty() ? "-" : o.out.output;
  if (output == "-" && o.out.json_path == "-")
    throw usage_error("--json - and the report both on stdout: give one of them a file (-o FILE or --json FILE)");
  if (o.timeout < 1 || o.timeout > 3600) throw usage_error(fmt::format("invalid --timeout {}: expected 1 to 3600 seconds", o.timeout));
  doctor_inputs in;
  if (!o.target.empty()) in.target = parse_device_target(o.target);
  if (!o.driver.empty()) {
    const auto v = parse_cuda_version(o.driver);
    if (!v || !max_ptx_isa_for(*v))
      throw usage_error(fmt::format("invalid --driver-cuda '{}': expected a CUDA release such as 13.0 (10.0 or newer)", o.driver));
    in.driver = *v;
  }
  for (const std::string& out : {output, o.out.json_path}) {
    if (out.empty() || out == "-") continue;
    struct stat st {};
    if (::stat(out.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
      throw usage_error(fmt::format("cannot write '{}': not a regular file (use -o - and redirect instead)", out));
    util::check_writable(out);
  }
  check_toolkit_flags(o.toolkit);
  in.toolkit = o.toolkit;
  in.python_given = o.python && o.python->count() > 0;
  in.python_exe = o.python_exe;
  in.import_frameworks = o.import_frameworks;
  in.no_device = o.no_device;
  in.timeout_s = o.timeout;
  in.device = o.device;
  const doctor::doctor_report r = build_doctor_report(in, ctx);
  ctx.work_done = true;  // the audit ran: an I/O error from here on loses output (exit 5)

  report::redactor rd;
  std::optional<doctor::doctor_report> hidden;
  const auto view = [&](bool redact) -> const doctor::doctor_report& {
    if (!redact) return r;
    if (!hidden) {
      rd.learn(report::current_identity());
      hidden = report::redacted(r, rd);
    }
    return *hidden;
  };
  const auto render = [&](output_format f) {
    const doctor::doctor_report& v = view(redacts(f, o.out));
    switch (f) {
      case output_format::json: return report::render_doctor_json(v);
      case output_format::markdown: return report::render_doctor_markdown(v);
      case output_format::junit: return report::render_doctor_junit(v);
      case output_format::text: break;
    }
    return report::render_doctor_text(v);
  };
  emit(ctx, output, render(format));
  if (!o.out.json_path.empty()) emit(ctx, o.out.json_path, render(output_format::json));
  return doctor::exit_code(r);
}

}  // namespace

command add_doctor_command(CLI::App& root, context& ctx) {
  auto opts = std::make_shared<doctor_options>();
  auto* sub = root.add_subcommand(
      "doctor", "Which compiler, JIT and runtime in this environment will fail on the GPU, and the one-line fix");
  opts->python = sub->add_option("--python", opts->python_exe,
                                 "Audit the environment of this Python interpreter (default python3, skipped quietly "
                                 "when there is none)")
                     ->expected(0, 1)
                     ->type_name("[EXE]");
  sub->add_option("--target", opts->target, "Device to judge for: sm_121, 121 or 12.1 (default: the detected GPU, "
                                            "else sm_121; a given target skips device measurements)")
      ->type_name("ARCH");
  sub->add_option("--driver-cuda", opts->driver,
                  "CUDA release of the driver, decides which PTX ISA it accepts (default: the installed driver's; "
                  "unknown without one)")
      ->type_name("X.Y");
  sub->add_flag("--import", opts->import_frameworks,
                "Also import torch and triton in a child Python process (with a time limit) to confirm they load");
  sub->add_flag("--no-device", opts->no_device, "Do not measure the GPU even when one is present");
  sub->add_option("--device", opts->device, "GPU ordinal for device measurements (default 0)")->type_name("N");
  add_toolkit_flags(*sub, opts->toolkit);
  sub->add_option("--timeout", opts->timeout, "Time limit in seconds for each compiler check (default 20)")
      ->type_name("SEC");
  add_output_flags(*sub, opts->out, {output_format::text, output_format::json, output_format::markdown, output_format::junit},
                   "Write the report to FILE (atomically); '-' = stdout (default)");
  sub->footer(
      "Findings: error (this will fail on the target), warn (slow or fragile), info. Every id is listed in "
      "docs/doctor.md.\n"
      "Exit codes: 0 no error finding; 1 at least one error finding; 2 usage error (bad flag, --python EXE that "
      "cannot be run, unwritable output); 3 environment error (the Python interpreter fails or does not answer).");
  return {sub, [opts, &ctx] { return run_doctor(*opts, ctx); }};
}

command add_doctor_worker_command(CLI::App& root, context& ctx) {
  auto args = std::make_shared<std::vector<std::string>>();
  CLI::App* sub = root.add_subcommand("__doctor", "");
  sub->group("");  // hidden from --help
  sub->add_option("args", *args, "nvrtc|nvjitlink LIB TARGET... | device ORDINAL")->required();
  return {sub, [args, &ctx] {
            const auto& a = *args;
            std::string out;
            int rc = 2;
            if ((a[0] == "nvrtc" || a[0] == "nvjitlink") && a.size() >= 2) {
              rc = doctor::jit_library_child(a[0], a[1], std::vector<std::string>(a.begin() + 2, a.end()), out);
            } else if (a[0] == "device" && a.size() >= 2) {
              int ordinal = 0;
              try {
                ordinal = std::stoi(a[1]);
              } catch (const std::exception&) {
                throw usage_error("__doctor device: bad ordinal");
              }
              nvrtc::toolchain_options toolkit;
              for (std::size_t i = 2; i < a.size(); ++i) {
                const auto eq = a[i].find('=');
                const std::string key = a[i].substr(0, eq), value = eq == std::string::npos ? "" : a[i].substr(eq + 1);
                if (key == "cuda-home") toolkit.cuda_home = value;
                else if (key == "nvrtc") toolkit.nvrtc_library = value;
                else if (key == "nvjitlink") toolkit.nvjitlink_library = value;
                else throw usage_error("__doctor device: expected cuda-home=, nvrtc= or nvjitlink= after the ordinal");
              }
              rc = doctor::device_child(ordinal, toolkit, out);
            } else {
              throw usage_error("__doctor: expected nvrtc|nvjitlink LIB TARGET... or device ORDINAL");
            }
            ctx.out << out << std::flush;
            return rc;
          }};
}

}  // namespace sm121probe::cli
