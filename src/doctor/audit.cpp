// The doctor's audit: the Python environment, its frameworks (read from files),
// and the order in which the pieces run.
#include "internal.hpp"

#include "../probe/subprocess.hpp"
#include "sm121probe/binscan/needed.hpp"
#include "sm121probe/binscan/python_dist.hpp"
#include "sm121probe/binscan/scan.hpp"
#include "sm121probe/binscan/scan_report.hpp"
#include "sm121probe/version.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sys/stat.h>
#include <unistd.h>

extern char** environ;

namespace sm121probe::doctor {

namespace fs = std::filesystem;

env_map current_environment() {
  env_map env;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

namespace detail {

void add(doctor_report& r, std::string_view id, severity level, std::string summary, std::string observed,
         std::string why, std::string fix) {
  r.findings.push_back({std::string(id), level, std::move(summary), std::move(observed), std::move(why), std::move(fix)});
}

std::vector<std::string> device_targets(const gpu_arch& device) {
  std::vector<std::string> t{sass_name(device.base())};
  if (has_arch_specific_variant(device.sm()))
    t.push_back(sass_name({device.major, device.minor, arch_variant::arch_specific}));
  if (has_family_variant(device.sm())) t.push_back(sass_name({device.major, device.minor, arch_variant::family}));
  return t;
}

std::string triton_target(const gpu_arch& device) {
  if (device.major >= 9 && has_arch_specific_variant(device.sm()))
    return sass_name({device.major, device.minor, arch_variant::arch_specific});
  return sass_name(device.base());
}

const std::string* env_get(const env_map& env, const std::string& name) {
  const auto it = env.find(name);
  return it == env.end() ? nullptr : &it->second;
}

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

namespace {

// Prints key=value lines. Works with Python 3.6+ and inside virtual environments.
constexpr const char* site_query =
    "import site, sys\n"
    "print('executable=' + sys.executable)\n"
    "print('version=' + sys.version.split()[0])\n"
    "dirs = []\n"
    "try:\n"
    "    dirs += site.getsitepackages()\n"
    "except Exception:\n"
    "    pass\n"
    "try:\n"
    "    dirs.append(site.getusersitepackages())\n"
    "except Exception:\n"
    "    pass\n"
    "dirs += [p for p in sys.path if p.endswith(('site-packages', 'dist-packages'))]\n"
    "for d in dirs:\n"
    "    print('site=' + d)\n";

std::string read_head(const fs::path& p, std::size_t max = 256 * 1024) {
  return binscan::read_file_head(p.string(), max);
}

}  // namespace

python_info query_python(const audit_options& o) {
  python_info py;
  const auto run = probe::detail::run_subprocess({o.python, "-c", site_query}, "", o.python_timeout, child_output_cap);
  if (!run.started) throw python_not_found(fmt::format("cannot run Python interpreter '{}': {}", o.python, run.start_error));
  if (run.timed_out)
    throw python_failed(fmt::format("Python interpreter '{}' did not answer within {} s", o.python,
                                    o.python_timeout.count() / 1000));
  if (run.signal != 0 || run.exit_code != 0)
    throw python_failed(fmt::format("Python interpreter '{}' failed to list its site-packages ({})", o.python,
                                    run.signal ? probe::detail::signal_name(run.signal)
                                               : fmt::format("exit status {}", run.exit_code)));
  std::size_t pos = 0;
  while (pos < run.out.size()) {
    auto nl = run.out.find('\n', pos);
    if (nl == std::string::npos) nl = run.out.size();
    std::string line = run.out.substr(pos, nl - pos);
    pos = nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.starts_with("executable=")) py.executable = line.substr(11);
    else if (line.starts_with("version=")) py.version = line.substr(8);
    else if (line.starts_with("site=")) {
      std::string d = line.substr(5);
      while (d.size() > 1 && d.back() == '/') d.pop_back();
      std::error_code ec;
      if (d.empty() || !fs::is_directory(d, ec)) continue;
      if (std::find(py.site_packages.begin(), py.site_packages.end(), d) == py.site_packages.end())
        py.site_packages.push_back(d);
    }
  }
  if (py.executable.empty()) py.executable = o.python;
  return py;
}

const distribution* owner_of(const std::string& path, const std::vector<distribution>& dists) {
  for (const auto& d : dists) {
    if (path.size() <= d.site.size() + 1 || path.compare(0, d.site.size(), d.site) != 0 || path[d.site.size()] != '/')
      continue;
    const std::string rel = path.substr(d.site.size() + 1);
    if (normalize_name(d.name).rfind("nvidia", 0) != 0 && normalize_name(d.name) != "triton") continue;
    bool found = false;
    binscan::for_each_record_path(d, [&](std::string_view p) { found = found || p == rel; });
    if (found) return &d;
  }
  return nullptr;
}

void audit_frameworks(const audit_options& o, const python_info& py, const std::vector<distribution>& dists,
                      doctor_report& r) {
  const auto dist_version = [&](std::initializer_list<std::string_view> names) -> const distribution* {
    for (const auto& d : dists)
      for (auto n : names)
        if (normalize_name(d.name) == n) return &d;
    return nullptr;
  };
  // triton: version from its dist-info (importing it is what --import is for).
  if (const auto* t = dist_version({"triton", "pytorch-triton"}))
    r.packages.push_back({t->name, t->version, t->dist_info, "", "", 0});
  // NVIDIA wheels (nvrtc, nvjitlink, nvcc, runtime, ...): name and version.
  for (const auto& d : dists)
    if (normalize_name(d.name).rfind("nvidia-", 0) == 0) r.packages.push_back({d.name, d.version, d.dist_info, "", "", 0});

  for (const auto& site : py.site_packages) {
    const fs::path torch = fs::path(site) / "torch";
    std::error_code ec;
    if (!fs::is_regular_file(torch / "version.py", ec)) continue;
    const std::string text = read_head(torch / "version.py");
    package_record p{"torch", py_assignment(text, "__version__"), torch.string(), py_assignment(text, "cuda"), "", 0};
    // torch's CUDA code: libtorch_cuda.so carries the kernels (scan's rules decide if they run).
    const fs::path lib = torch / "lib" / "libtorch_cuda.so";
    if (p.cuda.empty()) {
      p.note = "CPU-only build (torch.version.cuda is None)";
    } else if (!fs::is_regular_file(lib, ec)) {
      p.note = "libtorch_cuda.so not found";
    } else {
      const binscan::scan_target st{o.target.base(), o.driver.value_or(cuda_version{13, 0})};
      // Every CUDA library of torch (scan's rules), for the count of PTX-only modules;
      // libtorch_cuda.so decides the verdict.
      binscan::path_scanner scanner(st);
      scanner.add_path((torch / "lib").string());
      binscan::scan_report libs;
      scanner.finish(libs);
      std::optional<binscan::file_result> found;
      for (const auto& x : libs.files) {
        p.jit_modules += x.counts.jit;
        std::error_code eq;
        if (!found && fs::equivalent(x.path, lib, eq)) found = x;
      }
      const binscan::file_result f = found ? *found : binscan::scan_file(lib.string(), st);
      std::string images;
      for (const auto& s : f.sass) images += (images.empty() ? "" : " ") + s;
      for (const auto& x : f.ptx) images += fmt::format("{}{} (PTX {})", images.empty() ? "" : " ", x.arch, x.isa);
      p.note = fmt::format("libtorch_cuda.so: {} for {} ({}); {} native, {} PTX-JIT-only, {} unusable modules; "
                           "{} PTX-JIT-only modules in torch/lib",
                           binscan::to_string(f.result), r.target, f.reason, f.counts.native, f.counts.jit,
                           f.counts.other, p.jit_modules);
      const std::string observed = fmt::format("{}: {}\nimages: {}\nmodules: {} native, {} JIT only, {} unusable",
                                               lib.string(), f.reason, images.empty() ? "-" : images, f.counts.native,
                                               f.counts.jit, f.counts.other);
      const std::string exact = sass_name(o.target.base());
      const bool exact_sass = std::any_of(f.sass.begin(), f.sass.end(), [&](const std::string& s) {
        return s.rfind(exact, 0) == 0;
      });
      if (f.result == binscan::verdict::failing)
        add(r, "torch.no-kernel-image", severity::error,
            fmt::format("torch {} carries no CUDA code that runs on {}", p.version, r.target), observed,
            "Every CUDA operator fails with \"no kernel image is available for execution on the device\".",
            "pip install --force-reinstall torch --index-url https://download.pytorch.org/whl/cu130");
      else if (f.result == binscan::verdict::fallback)
        add(r, "torch.ptx-jit-only", severity::warn,
            fmt::format("torch {} runs on {} only through the PTX JIT", p.version, r.target), observed,
            "Every kernel is JIT-compiled at first use (minutes on a cold cache) and PTX built for an older "
            "architecture cannot use the newer instructions.",
            "pip install --force-reinstall torch --index-url https://download.pytorch.org/whl/cu130");
      else if (f.result == binscan::verdict::native && !exact_sass)
        add(r, "torch.capability-warning-false-alarm", severity::info,
            fmt::format("torch {}'s warning that {} is outside its supported capabilities is a false alarm",
                        p.version, cc_string(o.target)),
            observed,
            fmt::format("torch lists the architectures it was built for and warns about {}; its {} SASS loads on "
                        "{} (same major, lower or equal minor), so its kernels run natively.",
                        cc_string(o.target), images.empty() ? "-" : images, cc_string(o.target)),
            "");
    }
    if (o.driver && !p.cuda.empty())
      if (const auto tc = parse_cuda_version(p.cuda); tc && tc->major > o.driver->major)
        add(r, "torch.cuda-newer-than-driver", severity::error,
            fmt::format("torch {} is built for CUDA {}, the driver supports CUDA {}", p.version, p.cuda,
                        to_string(*o.driver)),
            fmt::format("{}/version.py: cuda = '{}'\ndriver: CUDA {} ({})", torch.string(), p.cuda,
                        to_string(*o.driver), o.driver_source),
            "A CUDA runtime of a newer major release than the driver refuses to start (CUDA driver version is "
            "insufficient for CUDA runtime version).",
            fmt::format("install a driver for CUDA {} or a torch build for CUDA {}.x", p.cuda, o.driver->major));
    r.packages.insert(r.packages.begin(), std::move(p));
    break;  // the first torch on the path is the one Python imports
  }
}

namespace {

void import_frameworks(const audit_options& o, const std::vector<distribution>& dists, doctor_report& r) {
  std::vector<std::string> names;
  for (const auto& p : r.packages)
    if (p.name == "torch" || normalize_name(p.name) == "triton" || normalize_name(p.name) == "pytorch-triton")
      names.push_back(p.name == "torch" ? "torch" : "triton");
  (void)dists;
  if (names.empty()) return;
  std::string code = "import sys\n";
  for (const auto& n : names)
    code += fmt::format(
        "try:\n"
        "    import {0}\n"
        "    print('ok {0} ' + str(getattr({0}, '__version__', '')))\n"
        "except BaseException as e:\n"
        "    print('fail {0} ' + type(e).__name__ + ': ' + str(e).replace('\\n', ' '))\n",
        n);
  const auto run = probe::detail::run_subprocess({o.python, "-c", code}, "", o.import_timeout, child_output_cap);
  std::string failures;
  if (!run.started || run.timed_out || run.signal != 0) {
    failures = !run.started ? run.start_error
               : run.timed_out
                   ? fmt::format("importing {} did not finish within {} s", names.front(), o.import_timeout.count() / 1000)
                   : fmt::format("the interpreter was killed by {}", probe::detail::signal_name(run.signal));
  } else {
    std::size_t pos = 0;
    while (pos < run.out.size()) {
      auto nl = run.out.find('\n', pos);
      if (nl == std::string::npos) nl = run.out.size();
      const std::string line = run.out.substr(pos, nl - pos);
      pos = nl + 1;
      if (line.starts_with("fail ")) failures += line.substr(5) + "\n";
      if (line.starts_with("ok ")) {
        const bool torch = line.starts_with("ok torch ");
        for (auto& p : r.packages)
          if (torch ? p.name == "torch"
                    : (normalize_name(p.name) == "triton" || normalize_name(p.name) == "pytorch-triton"))
            p.note += (p.note.empty() ? "" : "; ") + std::string("import confirmed");
      }
    }
  }
  if (!failures.empty()) {
    while (!failures.empty() && failures.back() == '\n') failures.pop_back();
    add(r, "python.import-failed", severity::error, fmt::format("Importing a framework in {} failed", o.python),
        failures + (run.err.empty() ? "" : "\nstderr: " + run.err.substr(0, 2000)),
        "The framework cannot be used in this environment as installed.",
        "reinstall the package named above in this environment (pip install --force-reinstall NAME)");
  }
}

}  // namespace

/// Missing CUDA runtimes: every ELF file with GPU code in the environment's
/// site-packages, its DT_NEEDED CUDA libraries resolved the way the dynamic
/// loader would (RPATH/RUNPATH, the audited LD_LIBRARY_PATH, the loader cache,
/// the environment's nvidia wheels): the scanner's resolver (binscan/needed.hpp).
void audit_cuda_runtimes(const audit_options& o, const python_info& py, doctor_report& r) {
  if (py.site_packages.empty()) return;
  auto libraries = binscan::library_search::from_system();
  libraries.ld_library_path.clear();  // the audited environment's, not this process's
  if (const auto it = o.env.find("LD_LIBRARY_PATH"); it != o.env.end()) {
    std::string_view rest = it->second;
    while (!rest.empty()) {
      const auto colon = rest.find(':');
      const std::string_view dir = rest.substr(0, colon);
      if (!dir.empty()) libraries.ld_library_path.emplace_back(dir);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  for (const auto& site : py.site_packages) libraries.add_nvidia_wheels(site);
  binscan::scan_target st{o.target.base(), o.driver.value_or(cuda_version{13, 0})};
  st.libraries = &libraries;
  binscan::path_scanner scanner(st);
  for (const auto& site : py.site_packages) scanner.add_path(site);
  binscan::scan_report found;
  scanner.finish(found);
  for (const auto& f : found.files)
    for (const auto& w : f.findings) {
      if (w.kind != "missing-cuda-library") continue;
      const std::string name = fs::path(f.path).filename().string();
      add(r, "python.missing-cuda-runtime", severity::error, fmt::format("{} {}", name, w.message),
          fmt::format("{}: {}", f.path, w.message),
          "The library fails to load (\"cannot open shared object file\"), and with it every kernel it carries.",
          "install the CUDA runtime the package was built for (e.g. pip install nvidia-cuda-runtime-cu12 for "
          "libcudart.so.12), or a build of the package for the installed CUDA");
    }
}

}  // namespace detail

doctor_report audit(const audit_options& o) {
  using namespace detail;
  doctor_report r;
  r.tool_version = fmt::format("{} (git {})", build_info::version, build_info::git_sha);
  r.target = sass_name(o.target.base());
  r.target_source = o.target_source;
  if (o.driver) r.driver_cuda = to_string(*o.driver);
  r.driver_source = o.driver_source;
  if (!o.driver)
    add(r, "driver.not-found", severity::info, "No CUDA driver found: device checks and PTX ISA comparisons skipped",
        o.driver_source.empty() ? "libcuda.so.1 could not be loaded" : o.driver_source,
        "Without a driver the doctor cannot measure the device or say which PTX ISA the driver accepts.",
        "give --driver-cuda X.Y to judge PTX ISA for a driver of that release");

  python_info py;
  std::vector<distribution> dists;
  if (!o.python.empty()) {
    try {
      py = query_python(o);
    } catch (const python_not_found&) {
      if (o.python_given) throw;
    }
  }
  if (!py.executable.empty()) {
    r.python = py.executable;
    r.python_version = py.version;
    r.site_packages = py.site_packages;
    dists = read_distributions(py.site_packages);
  } else {
    add(r, "python.not-found", severity::info, "No Python interpreter found: the Python environment was not audited",
        o.python.empty() ? "no interpreter given" : fmt::format("'{}' cannot be run", o.python),
        "PyTorch, Triton and the NVIDIA wheels are looked up in an interpreter's site-packages.",
        "sm121-probe doctor --python /path/to/venv/bin/python");
  }
  audit_frameworks(o, py, dists, r);
  audit_cuda_runtimes(o, py, r);
  if (o.import_frameworks && !py.executable.empty()) import_frameworks(o, dists, r);
  audit_compilers(o, py, dists, r);
  audit_environment(o, r);
  sort_findings(r.findings);
  return r;
}

}  // namespace sm121probe::doctor
