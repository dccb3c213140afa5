// The compilers and JITs of the machine and of a Python environment, judged by
// running them: every ptxas (toolkits, CUDA_HOME, PATH, pip nvidia-cuda-nvcc,
// Triton's bundled one) compiles a tiny PTX for each target of the device;
// every NVRTC / nvJitLink library is loaded in a child process
// (`sm121-probe __doctor nvrtc|nvjitlink LIB ...`) and compiles a tiny program.
#include "internal.hpp"

#include "../probe/subprocess.hpp"
#include "sm121probe/util/io.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

namespace sm121probe::doctor::detail {

namespace fs = std::filesystem;

namespace {

/// A path found, with every way it was found.
struct candidate {
  std::string path;       ///< as first found
  std::string canonical;  ///< realpath, for de-duplication
  std::vector<std::string> origins;
  bool triton_bundled = false;
};

void add_candidate(std::vector<candidate>& list, const std::string& path, const std::string& origin,
                   bool triton_bundled = false) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return;
  std::string canon = fs::canonical(path, ec).string();
  if (ec) canon = path;
  for (auto& c : list) {
    if (c.canonical == canon) {
      if (std::find(c.origins.begin(), c.origins.end(), origin) == c.origins.end()) c.origins.push_back(origin);
      c.triton_bundled = c.triton_bundled || triton_bundled;
      return;
    }
  }
  list.push_back({path, canon, {origin}, triton_bundled});
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : std::string(sep)) + x;
  return s;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  std::size_t i = 0;
  while (i < s.size() && (s[i] == '\n' || s[i] == ' ')) ++i;
  return s.substr(i);
}

std::string cut(std::string s, std::size_t max = 2000) {
  if (s.size() > max) {
    s.resize(max);
    s += "\n[... cut]";
  }
  return s;
}

/// The toolkit directories: every cuda* entry of each parent (sorted).
std::vector<std::string> toolkit_dirs(const audit_options& o) {
  std::vector<std::string> out;
  for (const auto& parent : o.toolkit_parents) {
    std::error_code ec;
    std::vector<std::string> found;
    for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.rfind("cuda", 0) == 0 && fs::is_directory(it->path(), ec)) found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

/// Files under `root` (at most `depth` levels) whose name satisfies `match`.
template <typename Match>
void walk(const fs::path& root, int depth, const Match& match, std::vector<std::string>& out) {
  std::error_code ec;
  if (depth < 0 || !fs::is_directory(root, ec)) return;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(it->path());
  std::sort(entries.begin(), entries.end());
  for (const auto& p : entries) {
    if (fs::is_symlink(p, ec) && fs::is_directory(p, ec)) continue;  // never leave the tree
    if (fs::is_directory(p, ec)) walk(p, depth - 1, match, out);
    else if (match(p)) out.push_back(p.string());
  }
}

std::string origin_in_site(const std::string& path, const std::vector<distribution>& dists, std::string_view what) {
  if (const auto* d = owner_of(path, dists)) return fmt::format("wheel {} {}", d->name, d->version);
  return fmt::format("{} in site-packages (no dist-info RECORD lists it)", what);
}

struct ptxas_version {
  std::string text;
  std::optional<cuda_version> release;
};

ptxas_version parse_ptxas_version(const std::string& out) {
  ptxas_version v;
  static const std::regex re(R"(release (\d+)\.(\d+), V([0-9.]+))");
  std::smatch m;
  if (std::regex_search(out, m, re)) {
    v.text = m[3].str();
    v.release = cuda_version{std::stoi(m[1].str()), std::stoi(m[2].str())};
  }
  return v;
}

std::string tiny_ptx(const std::string& isa, const std::string& target) {
  return fmt::format(
      ".version {}\n.target {}\n.address_size 64\n\n"
      ".visible .entry sm121probe_doctor(.param .u64 p)\n{{\n"
      "  .reg .b64 %rd<3>;\n  .reg .b32 %r<2>;\n"
      "  ld.param.u64 %rd1, [p];\n  cvta.to.global.u64 %rd2, %rd1;\n"
      "  mov.u32 %r1, 121;\n  st.global.u32 [%rd2], %r1;\n  ret;\n}}\n",
      isa, target);
}

/// A private scratch directory, removed with its contents at scope exit.
struct scratch_dir {
  std::string path;
  explicit scratch_dir(const env_map& env) {
    std::string base = "/tmp";
    if (const auto* t = env_get(env, "TMPDIR"); t && !t->empty()) base = *t;
    std::string tmpl = base + "/sm121probe-doctor-XXXXXX";
    if (::mkdtemp(tmpl.data())) path = tmpl;
  }
  ~scratch_dir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
};

void judge_ptxas(tool_record& t, const std::vector<std::string>& targets, const audit_options& o,
                 const scratch_dir& tmp) {
  const auto ver = probe::detail::run_subprocess({t.path, "--version"}, "", o.tool_timeout, child_output_cap);
  if (!ver.started) {
    t.error = ver.start_error;
    return;
  }
  if (ver.timed_out) {
    t.error = fmt::format("'{} --version' did not finish within {} s", t.path, o.tool_timeout.count() / 1000);
    return;
  }
  const auto v = parse_ptxas_version(ver.out + ver.err);
  t.version = v.text;
  t.release = v.release;
  if (v.release)
    if (const auto lim = max_ptx_isa_for(*v.release)) t.ptx_isa = to_string(lim->isa);
  if (tmp.path.empty()) {
    t.error = "cannot create a temporary directory for the test compiles";
    return;
  }
  // The newest ISA the tool knows, never below 8.8 (the first ISA with sm_121).
  std::string isa = "8.8";
  if (v.release)
    if (const auto lim = max_ptx_isa_for(*v.release); lim && lim->isa > ptx_isa{8, 8}) isa = to_string(lim->isa);
  static int serial = 0;
  for (const auto& target : targets) {
    const std::string stem = fmt::format("{}/k{}_{}", tmp.path, ++serial, target);
    {
      std::ofstream f(stem + ".ptx");
      f << tiny_ptx(isa, target);
    }
    const auto run = probe::detail::run_subprocess(
        {t.path, fmt::format("-arch={}", target), "-o", stem + ".cubin", stem + ".ptx"}, "", o.tool_timeout,
        child_output_cap);
    target_check c{target, false, {}};
    if (!run.started) c.message = run.start_error;
    else if (run.timed_out) c.message = fmt::format("timed out after {} s", o.tool_timeout.count() / 1000);
    else if (run.signal != 0) c.message = fmt::format("killed by {}", probe::detail::signal_name(run.signal));
    else {
      c.accepted = run.exit_code == 0;
      c.message = cut(trim(run.err + run.out));
      if (!c.accepted && c.message.empty()) c.message = fmt::format("exit status {}", run.exit_code);
    }
    t.targets.push_back(std::move(c));
  }
}

void judge_library(tool_record& t, const std::vector<std::string>& targets, const audit_options& o) {
  if (o.self_exe.empty()) {
    t.error = "not judged (no executable to run the check in)";
    return;
  }
  std::vector<std::string> argv{o.self_exe, "__doctor", std::string(to_string(t.kind)), t.path};
  argv.insert(argv.end(), targets.begin(), targets.end());
  const auto run = probe::detail::run_subprocess(argv, "", o.tool_timeout, child_output_cap);
  if (!run.started) {
    t.error = run.start_error;
    return;
  }
  if (run.timed_out) {
    t.error = fmt::format("the check did not finish within {} s", o.tool_timeout.count() / 1000);
    return;
  }
  if (run.signal != 0) {
    t.error = fmt::format("the check was killed by {} while loading or using the library",
                          probe::detail::signal_name(run.signal));
    return;
  }
  const auto j = nlohmann::json::parse(run.out, nullptr, false);
  if (!j.is_object()) {
    t.error = cut(trim(fmt::format("the check printed no result (exit status {}): {}", run.exit_code, run.err)), 400);
    return;
  }
  t.version = j.value("version", "");
  if (const auto rel = parse_cuda_version(t.version)) t.release = rel;
  t.error = j.value("error", "");
  t.ptx_isa = j.value("ptx_isa", "");
  if (j.contains("targets") && j["targets"].is_array())
    for (const auto& c : j["targets"])
      if (c.is_object())
        t.targets.push_back({c.value("target", ""), c.value("accepted", false), cut(c.value("message", ""))});
}

std::string rejected_list(const tool_record& t) {
  std::vector<std::string> v;
  for (const auto& c : t.targets)
    if (!c.accepted) v.push_back(c.target);
  return join(v, ", ");
}

std::string evidence(const tool_record& t) {
  std::string s = fmt::format("{} ({}{})\n", t.path, t.origin, t.version.empty() ? "" : ", version " + t.version);
  for (const auto& c : t.targets)
    s += fmt::format("{}: {}{}\n", c.target, c.accepted ? "accepted" : "rejected",
                     c.message.empty() ? "" : fmt::format(": {}", c.message));
  return trim(s);
}

bool accepts(const tool_record& t, const std::string& target) {
  for (const auto& c : t.targets)
    if (c.target == target) return c.accepted;
  return false;
}

bool is_script(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char head[2] = {};
  f.read(head, 2);
  return f.gcount() == 2 && head[0] == '#' && head[1] == '!';
}

}  // namespace

void audit_compilers(const audit_options& o, const python_info& py, const std::vector<distribution>& dists,
                     doctor_report& r) {
  const std::vector<std::string> targets = device_targets(o.target);
  const std::string triton_arch = triton_target(o.target);

  // --- ptxas -------------------------------------------------------------------------------
  std::vector<candidate> ptxas;
  std::vector<std::string> tk_dirs = toolkit_dirs(o);
  for (const auto& d : tk_dirs) add_candidate(ptxas, d + "/bin/ptxas", "toolkit " + d);
  for (const char* var : {"CUDA_HOME", "CUDA_PATH"})
    if (const auto* v = env_get(o.env, var); v && !v->empty()) {
      add_candidate(ptxas, *v + "/bin/ptxas", fmt::format("{}={}", var, *v));
      if (std::find(tk_dirs.begin(), tk_dirs.end(), *v) == tk_dirs.end()) tk_dirs.push_back(*v);
    }
  std::string first_on_path;
  if (const auto* path = env_get(o.env, "PATH")) {
    std::size_t pos = 0;
    while (pos <= path->size()) {
      auto colon = path->find(':', pos);
      if (colon == std::string::npos) colon = path->size();
      const std::string dir = path->substr(pos, colon - pos);
      pos = colon + 1;
      if (dir.empty()) continue;
      const std::string p = dir + "/ptxas";
      if (is_executable_file(p)) {
        if (first_on_path.empty()) {
          first_on_path = p;
          add_candidate(ptxas, p, "first ptxas on PATH");
        } else {
          add_candidate(ptxas, p, "PATH (shadowed)");
        }
      }
    }
  }
  const std::string triton_version = [&] {
    for (const auto& d : dists)
      if (normalize_name(d.name) == "triton" || normalize_name(d.name) == "pytorch-triton") return d.version;
    return std::string();
  }();
  bool triton_present = !triton_version.empty();
  std::vector<std::string> bundled;
  for (const auto& site : py.site_packages) {
    std::vector<std::string> found;
    walk(fs::path(site) / "nvidia", 4,
         [](const fs::path& p) { return p.filename() == "ptxas" && p.parent_path().filename() == "bin"; }, found);
    for (const auto& f : found) add_candidate(ptxas, f, origin_in_site(f, dists, "ptxas"));
    std::error_code ec;
    if (fs::is_directory(fs::path(site) / "triton", ec)) triton_present = true;
    for (const auto& dir : {fs::path(site) / "triton/backends/nvidia/bin", fs::path(site) / "triton/third_party/cuda/bin"}) {
      std::vector<std::string> b;
      walk(dir, 0, [](const fs::path& p) { return p.filename().string().rfind("ptxas", 0) == 0; }, b);
      for (const auto& f : b) {
        add_candidate(ptxas, f,
                      fmt::format("bundled with triton{}", triton_version.empty() ? "" : " " + triton_version), true);
        bundled.push_back(f);
      }
    }
  }
  const std::string* triton_env = env_get(o.env, "TRITON_PTXAS_PATH");
  if (triton_env && !triton_env->empty()) add_candidate(ptxas, *triton_env, "TRITON_PTXAS_PATH");

  // Which ptxas Triton invokes (triton/backends/nvidia/compiler.py, _path_to_binary):
  // TRITON_PTXAS_PATH when it names an existing file, else its bundled bin/ptxas.
  std::string triton_uses;
  if (triton_present) {
    std::error_code ec;
    if (triton_env && !triton_env->empty() && fs::is_regular_file(*triton_env, ec)) triton_uses = *triton_env;
    else
      for (const auto& b : bundled)
        if (fs::path(b).filename() == "ptxas") triton_uses = b;
  }
  std::string triton_uses_canon;
  if (!triton_uses.empty()) {
    std::error_code ec;
    triton_uses_canon = fs::canonical(triton_uses, ec).string();
    if (ec) triton_uses_canon = triton_uses;
  }

  scratch_dir tmp(o.env);
  const std::size_t first_tool = r.tools.size();
  for (const auto& c : ptxas) {
    tool_record t;
    t.kind = tool_kind::ptxas;
    t.path = c.path;
    t.origin = join(c.origins, "; ");
    t.used_by_triton = !triton_uses_canon.empty() && c.canonical == triton_uses_canon;
    judge_ptxas(t, targets, o, tmp);
    r.tools.push_back(std::move(t));
  }

  // A ptxas that accepts Triton's target, for the fixes (toolkits first, as found).
  std::string good;
  for (std::size_t i = first_tool; i < r.tools.size(); ++i)
    if (accepts(r.tools[i], triton_arch) && !is_script(r.tools[i].path)) {
      good = r.tools[i].path;
      break;
    }
  const std::string install_fix =
      "install a CUDA toolkit 12.9 or newer (or: pip install 'nvidia-cuda-nvcc-cu12>=12.9') and point "
      "TRITON_PTXAS_PATH at its ptxas";

  if (r.tools.size() == first_tool) {
    add(r, "toolkit.not-found", severity::warn, "No ptxas found: no CUDA toolkit in /usr/local/cuda*, CUDA_HOME or PATH",
        fmt::format("searched: {}/cuda*/bin, $CUDA_HOME/bin, $CUDA_PATH/bin, PATH, site-packages nvidia/*/bin, "
                    "triton/backends/nvidia/bin",
                    join(o.toolkit_parents, ", ")),
        "Triton, TorchInductor, CUDA extensions and JIT builds need a ptxas that knows the target; without one "
        "they fall back to whatever is bundled, which may predate the GPU.",
        "install a CUDA toolkit 12.9 or newer (sudo apt install cuda-toolkit-13-0)");
  } else if (good.empty()) {
    bool any_judged = false;
    for (std::size_t i = first_tool; i < r.tools.size(); ++i) any_judged = any_judged || !r.tools[i].targets.empty();
    if (any_judged) {
      std::string obs;
      for (std::size_t i = first_tool; i < r.tools.size(); ++i) obs += evidence(r.tools[i]) + "\n";
      add(r, "ptxas.none-accepts-target", severity::error,
          fmt::format("No ptxas on this machine accepts {}", triton_arch), trim(obs),
          fmt::format("Triton compiles for {} on this GPU and every CUDA build for it needs a ptxas that knows it "
                      "(CUDA 12.9 or newer for sm_121); every one found rejects it.",
                      triton_arch),
          install_fix);
    }
  }

  for (std::size_t i = first_tool; i < r.tools.size(); ++i) {
    const auto& t = r.tools[i];
    const std::string rejected = rejected_list(t);
    if (t.used_by_triton) {
      if (!accepts(t, triton_arch))
        add(r, "triton.ptxas-rejects-target", severity::error,
            fmt::format("The ptxas Triton will use rejects {}: {}", triton_arch, t.path), evidence(t),
            fmt::format("Triton (and TorchInductor, vLLM, SGLang on top of it) compiles every kernel for {} with this "
                        "ptxas; it fails with \"Value '{}' is not defined for option 'gpu-name'\".",
                        triton_arch, triton_arch),
            good.empty() ? install_fix : fmt::format("export TRITON_PTXAS_PATH={}", good));
      continue;
    }
    if (!rejected.empty() && good != t.path)
      add(r, "ptxas.rejects-target", severity::warn, fmt::format("{} rejects {}", t.path, rejected), evidence(t),
          "Builds that pick this ptxas (by PATH, CUDA_HOME or a wheel) fail for the device; a newer one is needed.",
          good.empty() ? install_fix
                       : fmt::format("export PATH={}:$PATH CUDA_HOME={}", fs::path(good).parent_path().string(),
                                     fs::path(good).parent_path().parent_path().string()));
  }

  // TRITON_PTXAS_PATH itself.
  if (triton_env && !triton_env->empty()) {
    std::error_code ec;
    const bool exists = fs::exists(*triton_env, ec);
    const bool regular = fs::is_regular_file(*triton_env, ec);
    if (!regular || !is_executable_file(*triton_env)) {
      const bool falls_back = !regular;  // Triton skips a missing path and uses its bundled ptxas
      bool bundled_ok = false;
      for (const auto& t : r.tools)
        if (t.used_by_triton && accepts(t, triton_arch)) bundled_ok = true;
      add(r, "triton.ptxas-path-invalid", falls_back && bundled_ok ? severity::warn : severity::error,
          fmt::format("TRITON_PTXAS_PATH={} {}", *triton_env,
                      !exists ? "does not exist" : (!regular ? "is not a regular file" : "is not executable")),
          fmt::format("TRITON_PTXAS_PATH={}{}", *triton_env,
                      falls_back ? (triton_uses.empty() ? "; Triton finds no bundled ptxas either"
                                                        : fmt::format("; Triton falls back to {}", triton_uses))
                                 : ""),
          falls_back ? "Triton ignores a TRITON_PTXAS_PATH that is not a file and silently uses its bundled ptxas."
                     : "Triton runs the file TRITON_PTXAS_PATH names; a file it cannot execute makes every compile fail.",
          good.empty() ? install_fix : fmt::format("export TRITON_PTXAS_PATH={}", good));
    } else if (is_script(*triton_env)) {
      add(r, "triton.ptxas-wrapper", severity::warn, fmt::format("TRITON_PTXAS_PATH={} is a script, not ptxas", *triton_env),
          fmt::format("TRITON_PTXAS_PATH={} starts with #!", *triton_env),
          "Wrappers that rewrite the target (e.g. sm_121a -> sm_120a) build code for another GPU or hide which "
          "ptxas runs; Triton reads the version the wrapper prints to choose the PTX ISA.",
          good.empty() ? install_fix : fmt::format("export TRITON_PTXAS_PATH={}", good));
    }
  }

  // --- NVRTC and nvJitLink -------------------------------------------------------------------
  std::vector<candidate> nvrtc, nvjitlink;
  static const std::regex nvrtc_re(R"(libnvrtc\.so\.\d+)"), jit_re(R"(libnvJitLink\.so\.\d+)");
  for (const auto& d : tk_dirs)
    for (const char* sub : {"lib64", "lib"}) {
      std::vector<std::string> found;
      walk(fs::path(d) / sub, 0, [](const fs::path& p) {
        const auto n = p.filename().string();
        return std::regex_match(n, nvrtc_re) || std::regex_match(n, jit_re);
      }, found);
      for (const auto& f : found)
        add_candidate(std::regex_match(fs::path(f).filename().string(), nvrtc_re) ? nvrtc : nvjitlink, f,
                      "toolkit " + d);
    }
  for (const auto& site : py.site_packages) {
    std::vector<std::string> found;
    walk(fs::path(site) / "nvidia", 4, [](const fs::path& p) {
      const auto n = p.filename().string();
      return std::regex_match(n, nvrtc_re) || std::regex_match(n, jit_re);
    }, found);
    for (const auto& f : found)
      add_candidate(std::regex_match(fs::path(f).filename().string(), nvrtc_re) ? nvrtc : nvjitlink, f,
                    origin_in_site(f, dists, "library"));
  }
  const auto driver_limit = o.driver ? max_ptx_isa_for(*o.driver) : std::nullopt;
  for (auto* list : {&nvrtc, &nvjitlink}) {
    for (const auto& c : *list) {
      tool_record t;
      t.kind = list == &nvrtc ? tool_kind::nvrtc : tool_kind::nvjitlink;
      t.path = c.path;
      t.origin = join(c.origins, "; ");
      judge_library(t, targets, o);
      const std::string rejected = rejected_list(t);
      const std::string lib_name = t.kind == tool_kind::nvrtc ? "NVRTC" : "nvJitLink";
      if (!rejected.empty())
        add(r, t.kind == tool_kind::nvrtc ? "nvrtc.rejects-target" : "nvjitlink.rejects-target",
            accepts(t, targets.front()) ? severity::warn : severity::error,
            fmt::format("{} {} rejects {}", lib_name, t.path, rejected), evidence(t),
            fmt::format("Libraries that JIT-compile through this {} at run time (CuPy, CuTe DSL, FlashInfer, "
                        "TensorRT, ...) cannot build code for {}.",
                        lib_name, rejected),
            "pip install -U 'nvidia-cuda-nvrtc-cu12>=12.9' 'nvidia-nvjitlink-cu12>=12.9' (or the -cu13 wheels)");
      // A driver newer than the ISA table accepts at least its newest entry: judge only exact limits.
      if (t.kind == tool_kind::nvrtc && driver_limit && driver_limit->exact && !t.ptx_isa.empty())
        if (const auto isa = parse_ptx_isa(t.ptx_isa); isa && *isa > driver_limit->isa)
          add(r, "nvrtc.ptx-newer-than-driver", severity::error,
              fmt::format("NVRTC {} emits PTX ISA {}, the driver (CUDA {}) accepts up to {}", t.path, t.ptx_isa,
                          to_string(*o.driver), to_string(driver_limit->isa)),
              fmt::format("{} ({}, version {}): emits .version {}\ndriver: CUDA {} ({})", t.path, t.origin, t.version,
                          t.ptx_isa, to_string(*o.driver), o.driver_source),
              "PTX built by this NVRTC and handed to the driver fails to load with CUDA_ERROR_UNSUPPORTED_PTX_VERSION "
              "(\"the provided PTX was compiled with an unsupported toolchain\").",
              fmt::format("upgrade the driver to one for CUDA {} or newer, or pin the NVRTC wheel to the driver's "
                          "release (pip install 'nvidia-cuda-nvrtc-cu{}=={}.*')",
                          t.release ? to_string(*t.release) : t.version, o.driver->major, to_string(*o.driver)));
      r.tools.push_back(std::move(t));
    }
  }
}

}  // namespace sm121probe::doctor::detail
