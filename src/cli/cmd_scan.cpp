// `sm121-probe scan`: which GPU code files carry and whether it runs on a target.
#include "commands.hpp"
#include "doctor_section.hpp"
#include "output.hpp"
#include "toolkit_flags.hpp"

#include "sm121probe/binscan/scan_report.hpp"
#include "sm121probe/binscan/trap.hpp"
#include "sm121probe/binscan/needed.hpp"
#include "sm121probe/nvrtc/toolchain.hpp"
#include "sm121probe/cuda/detect.hpp"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/report/redact.hpp"
#include "sm121probe/report/scan_formats.hpp"
#include "sm121probe/report/scan_render.hpp"
#include "sm121probe/util/io.hpp"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <sys/stat.h>

namespace sm121probe::cli {

namespace {

// How long the driver query (in a worker process) may take before scan assumes no driver.
constexpr std::chrono::seconds driver_query_timeout{20};

struct scan_options {
  std::string target;
  std::string driver;
  std::string format = "text";
  std::string output = "-";
  std::string json_path;   ///< --json: the JSON report as well
  bool redact = false;     ///< --redact: every output redacted
  bool no_redact = false;  ///< --no-redact: markdown not redacted
  std::vector<std::string> paths;
  bool details = false;
  bool all = false;
  bool no_trap_check = false;
  nvrtc::toolchain_options toolkit;  ///< --cuda-home, --nvrtc, --nvjitlink: NVRTC for the trap check
  bool doctor = false;  ///< --doctor: the doctor's findings after the markdown report
  CLI::Option* python = nullptr;
  std::string python_exe;
};

gpu_arch parse_target(const std::string& text) {
  const auto name = parse_arch_name(text);
  if (!name || name->kind != code_kind::sass)
    throw usage_error(fmt::format("invalid --target '{}': expected a device such as sm_121, 121 or 12.1", text));
  if (name->arch.variant != arch_variant::plain)
    throw usage_error(fmt::format("invalid --target '{}': a target is a device (e.g. sm_{}), not an 'a'/'f' code "
                                  "variant",
                                  text, name->arch.sm()));
  // Thor: sm_101 / 10.1 before CUDA 13.0, sm_110 / 11.0 since; judged by its current name.
  if (name->arch == gpu_arch{10, 1}) return gpu_arch{11, 0};
  return name->arch;
}

/// How the target was given, naming a renamed architecture instead of changing it silently.
std::string target_note(const std::string& text, const gpu_arch& target) {
  const bool old_name = target == gpu_arch{11, 0} && text.find("110") == std::string::npos &&
                        text.find("11.0") == std::string::npos;
  if (!old_name) return "given with --target";
  return fmt::format("given with --target {}: the name CUDA 12.x used for sm_110 (Thor), judged as sm_110", text);
}

cuda_version parse_driver(const std::string& text) {
  const auto v = parse_cuda_version(text);
  if (!v) throw usage_error(fmt::format("invalid --driver-cuda '{}': expected a CUDA release such as 13.0", text));
  if (!max_ptx_isa_for(*v))
    throw usage_error(fmt::format("invalid --driver-cuda '{}': CUDA releases before 10.0 are not supported", text));
  return *v;
}

/// Usage checks that need nothing but the flags and the file system.
void check_inputs(const scan_options& o, bool python) {
  if (util::is_stdout(o.output) && util::is_stdout(o.json_path))
    throw usage_error("--json - and the report both on stdout: give one of them a file (-o FILE or --json FILE)");
  if (o.paths.empty() && !python) throw usage_error("scan needs at least one PATH (or --python)");
  for (const auto& p : o.paths) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) throw usage_error(fmt::format("'{}' does not exist or cannot be accessed", p));
  }
}

/// Output paths, checked before the scan by the one output writer's rules
/// (util::check_output: files replaced atomically, devices and FIFOs written in
/// place, anything else refused; no two outputs on one file).
void check_output_paths(const scan_options& o) { check_outputs({{"-o", o.output}, {"--json", o.json_path}}); }

/// The site-packages directories of the --python interpreter (a failing interpreter is a usage error).
std::vector<std::string> site_packages(const scan_options& o, context& ctx) {
  const std::string exe = o.python_exe.empty() ? "python3" : o.python_exe;
  std::vector<std::string> dirs;
  try {
    dirs = binscan::python_site_packages(exe);
  } catch (const std::runtime_error& e) {
    throw usage_error(e.what());
  }
  if (dirs.empty()) ctx.err << diag_prefix << "warning: '" << exe << "' reports no site-packages directory\n";
  return dirs;
}

/// Target and driver: the flags, else the detected GPU and driver, else the
/// defaults; `report` records which applied. The driver is asked in a worker
/// process with a deadline: a broken libcuda that hangs or crashes in cuInit
/// costs the detection, not the scan (docs/reliability.md).
binscan::scan_target resolve_target(std::optional<gpu_arch> target, std::optional<cuda_version> driver,
                                    binscan::scan_report& report, context& ctx) {
  if (target && driver) return {*target, *driver};
  probe::isolated_executor worker({ctx.self_exe, "__worker"}, driver_query_timeout);
  const cuda::driver_query q = worker.query(0);
  const bool has_driver = q.driver.version.has_value();
  if (!has_driver && q.driver.error.find("worker") != std::string::npos)
    ctx.err << diag_prefix << "warning: " << q.driver.error << '\n';
  if (!target) {
    if (q.device) {
      target = gpu_arch{q.device->cc_major, q.device->cc_minor}.base();
      report.target_source = fmt::format("detected GPU {}", q.device->name);
    } else {
      target = gpu_arch{12, 1};
      report.target_source = has_driver ? "assumed: the driver reports no GPU" : "assumed: no GPU detected";
    }
  }
  if (!driver) {
    if (has_driver) {
      driver = cuda_version::from_int(*q.driver.version);
      report.driver_source = "detected driver";
    } else {
      driver = cuda::toolkit_version();
      report.driver_source = "assumed: no driver found, using the toolkit's CUDA version";
    }
  }
  return {*target, *driver};
}

/// The trap and return instructions of the target, from two reference kernels
/// compiled with NVRTC now (binscan/trap.hpp); nullopt with `note` saying why not.
std::optional<binscan::trap_reference> derive_trap_reference(const gpu_arch& target,
                                                             const nvrtc::toolchain_options& toolkit, std::string& note) {
  const auto loaded = nvrtc::load_toolchain(toolkit);
  if (!loaded.tools) {
    note = "not done: NVRTC is not available (" + loaded.error + ")";
    return std::nullopt;
  }
  const std::string arch = sass_name(target);
  const auto compile = [&](std::string_view name, std::string_view source) {
    return loaded.tools->compile({std::string(name), source, arch, {}, {}});
  };
  const auto trap = compile("sm121probe_trap.cu", "extern \"C\" __global__ void sm121probe_trap() { __trap(); }\n");
  const auto empty = compile("sm121probe_empty.cu", "extern \"C\" __global__ void sm121probe_empty() {}\n");
  if (!trap.ok || !empty.ok) {
    note = fmt::format("not done: NVRTC {} cannot compile for {}", loaded.tools->nvrtc_version(), arch);
    return std::nullopt;
  }
  auto ref = binscan::derive_trap_reference(trap.image, empty.image, arch);
  note = ref ? fmt::format("trap and return instructions derived with NVRTC {} for {}", loaded.tools->nvrtc_version(),
                           arch)
             : fmt::format("not done: reference kernels from NVRTC {} for {} differ unexpectedly",
                           loaded.tools->nvrtc_version(), arch);
  return ref;
}

/// Renders the report in the chosen format (and --json), redacted as output.hpp decides.
void emit_report(const scan_options& o, output_format format, const binscan::scan_report& report, context& ctx) {
  const report::scan_render_options ropts{o.details, o.all};
  // Markdown is redacted unless --no-redact, the other formats only with --redact (output.hpp).
  const output_flags privacy{o.format, o.output, o.json_path, o.redact, o.no_redact};
  report::redactor rd;
  std::optional<binscan::scan_report> hidden;
  const auto view = [&](bool redact) -> const binscan::scan_report& {
    if (!redact) return report;
    if (!hidden) {
      rd.learn(report::current_identity());
      hidden = report::redacted(report, rd);
    }
    return *hidden;
  };
  const auto render = [&](output_format f) {
    const binscan::scan_report& r = view(redacts(f, privacy));
    switch (f) {
      case output_format::json: return report::render_scan_json(r, ropts);
      case output_format::markdown: return report::render_scan_markdown(r, ropts);
      case output_format::junit: return report::render_scan_junit(r);
      case output_format::text: break;
    }
    std::ostringstream s;
    report::render_scan_text(r, s, ropts);
    return s.str();
  };
  std::string main_text = render(format);
  if (o.doctor) {
    doctor_inputs din;
    din.target = report.target.device.base();
    din.driver = report.target.driver;
    din.python_given = o.python && o.python->count() > 0;
    din.python_exe = o.python_exe;
    const bool redact = redacts(format, privacy);
    if (redact) (void)view(true);  // the scan's values get the first placeholders
    main_text += doctor_markdown_section(din, ctx, redact ? &rd : nullptr);
  }
  emit(ctx, o.output, main_text);
  if (!o.json_path.empty()) emit(ctx, o.json_path, render(output_format::json));
}

int run_scan(const scan_options& o, context& ctx) {
  // Validate everything before any work.
  const output_format format = parse_format(
      o.format, {output_format::text, output_format::json, output_format::markdown, output_format::junit});
  const bool python = o.python && o.python->count() > 0;
  check_inputs(o, python);
  if (o.doctor && format != output_format::markdown)
    throw usage_error("--doctor adds the doctor's findings to markdown output: use it with --format markdown");
  binscan::scan_report report;
  std::optional<gpu_arch> target;
  std::optional<cuda_version> driver;
  check_toolkit_flags(o.toolkit);
  if (!o.target.empty()) {
    target = parse_target(o.target);
    report.target_source = target_note(o.target, *target);
  }
  if (!o.driver.empty()) {
    driver = parse_driver(o.driver);
    report.driver_source = "given with --driver-cuda";
  }
  check_output_paths(o);
  const std::vector<std::string> site_dirs = python ? site_packages(o, ctx) : std::vector<std::string>{};

  binscan::scan_target st = resolve_target(target, driver, report, ctx);
  std::optional<binscan::trap_reference> trap;
  if (o.no_trap_check)
    report.trap_check = "not done: --no-trap-check";
  else
    trap = derive_trap_reference(st.device, o.toolkit, report.trap_check);
  st.trap = trap ? &*trap : nullptr;
  auto libraries = binscan::library_search::from_system();
  for (const auto& d : site_dirs) libraries.add_nvidia_wheels(d);
  st.libraries = &libraries;
  binscan::path_scanner scanner(st);
  scanner.set_keep_containers(o.details);  // only --details renders them
  for (const auto& p : o.paths) scanner.add_path(p);
  for (const auto& d : site_dirs) scanner.add_site_packages(d);
  report.group_by = python ? binscan::grouping::python_package : binscan::grouping::directory;
  scanner.finish(report);
  if (python) binscan::build_packages(report, binscan::read_python_environment(site_dirs));

  ctx.work_done = true;  // the scan ran: an I/O error from here on loses output (exit 5)
  emit_report(o, format, report, ctx);
  return binscan::scan_exit_code(report);
}

}  // namespace

command add_scan_command(CLI::App& root, context& ctx) {
  auto opts = std::make_shared<scan_options>();
  auto* sub = root.add_subcommand(
      "scan", "Which GPU code binaries, libraries or a Python environment carry, and whether it runs on a target");
  sub->add_option("paths", opts->paths,
                  "Files (ELF executables/libraries, .a, .o, .cubin, .fatbin, .ptx) or directories (walked "
                  "recursively; symlinks inside are not followed)")
      ->type_name("PATH");
  sub->add_option("--target", opts->target, "Device to judge for: sm_121, 121 or 12.1 (default: the detected GPU, "
                                            "else sm_121)")
      ->type_name("ARCH")
      ->check(non_empty());
  sub->add_option("--driver-cuda", opts->driver,
                  "CUDA release of the driver, decides which PTX ISA it accepts (default: the installed driver's, "
                  "else the toolkit's)")
      ->type_name("X.Y")
      ->check(non_empty());
  opts->python = sub->add_option("--python", opts->python_exe,
                                 "Scan the site-packages of this Python interpreter (default python3); results "
                                 "lead with one row per installed distribution (dist-info RECORD, else top-level "
                                 "directory). Write --python=EXE when paths follow")
                     ->expected(0, 1)
                     ->type_name("[EXE]");
  sub->add_option("--format", opts->format, "Output format: text, json, markdown or junit (default text)")
      ->type_name("FORMAT");
  sub->add_option("-o,--output", opts->output, "Write the report to FILE (atomically); '-' = stdout (default)")
      ->type_name("FILE")
      ->check(non_empty());
  sub->add_option("--json", opts->json_path, "Also write the JSON report to FILE, whatever --format is")
      ->type_name("FILE")
      ->check(non_empty());
  auto* redact = sub->add_flag("--redact", opts->redact,
                               "Replace host and user names, home paths, UUIDs, PCI bus ids and serials by "
                               "placeholders in every output (markdown does this by default)");
  sub->add_flag("--no-redact", opts->no_redact, "Keep those values in markdown output")->excludes(redact);
  sub->add_flag("--details", opts->details, "List every container and entry (offset, section, images, sizes)");
  sub->add_flag("--doctor", opts->doctor,
                "Markdown: append the findings of `sm121-probe doctor` (compilers, JITs, frameworks, environment) "
                "for the same target and Python environment");
  sub->add_flag("--all", opts->all,
                "Text and markdown: list every file (by default, with --python, the file list after the package "
                "table is cut to the most important rows), and in text also files without GPU code found in "
                "directories");
  sub->add_flag("--no-trap-check", opts->no_trap_check,
                "Do not look for trap-only kernels in native files (saves decompressing their loadable images and "
                "compiling two reference kernels with NVRTC)");
  add_toolkit_flags(*sub, opts->toolkit);
  sub->footer(
      "Verdicts: native (a SASS image loads), fallback (only PTX the driver can JIT), failing (GPU code, none "
      "usable), no-gpu-code, error (unreadable or corrupt).\n"
      "Exit codes: 0 every file with GPU code can run (with --python: every package that would be used has code "
      "that runs); 1 a file (with --python: a package) is failing or unreadable; 2 usage error; 5 the scan ran but "
      "writing its report failed.");
  return {sub, [opts, &ctx] { return run_scan(*opts, ctx); }};
}

}  // namespace sm121probe::cli
