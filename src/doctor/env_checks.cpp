// Environment variables that change what CUDA, PyTorch and Triton do, with
// their documented defaults (docs/doctor.md cites the sources) and findings
// where a value hurts on the target.
#include "internal.hpp"

#include "sm121probe/util/io.hpp"

#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <regex>
#include <unistd.h>

namespace sm121probe::doctor::detail {

namespace fs = std::filesystem;

namespace {

struct var_doc {
  const char* name;
  const char* default_value;
  const char* effect;
};

// Defaults: CUDA Programming Guide 5.2 "CUDA Environment Variables"; PyTorch
// torch.utils.cpp_extension; Triton's compiler.py and knobs.
constexpr std::array vars = {
    var_doc{"CUDA_FORCE_PTX_JIT", "0", "1: ignore every embedded cubin and JIT-compile the PTX instead"},
    var_doc{"CUDA_DISABLE_PTX_JIT", "0", "1: never JIT-compile PTX; kernels without a matching cubin fail to load"},
    var_doc{"CUDA_CACHE_DISABLE", "0", "1: do not cache JIT-compiled kernels on disk"},
    var_doc{"CUDA_CACHE_MAXSIZE", "1073741824 (1 GiB; 256 MiB on embedded platforms; at most 4 GiB)",
            "size of the JIT cache in bytes; older entries are evicted beyond it"},
    var_doc{"CUDA_CACHE_PATH", "~/.nv/ComputeCache", "directory of the JIT cache"},
    var_doc{"CUDA_MODULE_LOADING", "LAZY (since CUDA 12.2)", "EAGER: load every kernel of a module at start-up"},
    var_doc{"CUDA_VISIBLE_DEVICES", "all GPUs visible", "which GPUs CUDA enumerates; empty = none"},
    var_doc{"TORCH_CUDA_ARCH_LIST", "the GPUs present at build time",
            "architectures PyTorch extensions (cpp_extension, JIT builds) are compiled for"},
    var_doc{"TRITON_PTXAS_PATH", "Triton's bundled ptxas (triton/backends/nvidia/bin/ptxas)",
            "the ptxas Triton runs to build every kernel"},
    var_doc{"TRITON_OVERRIDE_ARCH", "the GPU's own architecture", "the architecture Triton compiles for"},
};

bool truthy(const std::string* v) { return v && (*v == "1" || *v == "true" || *v == "TRUE" || *v == "True"); }

/// Nearest existing ancestor of `p` (p itself when it exists).
fs::path existing_ancestor(fs::path p) {
  std::error_code ec;
  while (!p.empty() && !fs::exists(p, ec)) {
    const fs::path parent = p.parent_path();
    if (parent == p) break;
    p = parent;
  }
  return p;
}

/// Bytes in regular files under `dir`, walking at most `max_entries` entries.
std::uint64_t dir_size(const fs::path& dir, bool& cut) {
  std::uint64_t total = 0;
  std::size_t n = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    if (++n > 200000) {
      cut = true;
      break;
    }
    std::error_code fec;
    if (it->is_regular_file(fec)) total += it->file_size(fec);
  }
  return total;
}

std::string bytes_text(std::uint64_t b) {
  if (b >= (1ull << 30)) return fmt::format("{:.1f} GiB", static_cast<double>(b) / static_cast<double>(1ull << 30));
  if (b >= (1ull << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(b) / static_cast<double>(1ull << 20));
  return fmt::format("{} B", b);
}

/// An entry of TORCH_CUDA_ARCH_LIST: "8.0", "12.0+PTX", "12.1a", "12.0f".
struct torch_arch {
  gpu_arch arch;
  bool ptx = false;
};

std::vector<torch_arch> parse_torch_arch_list(const std::string& v, std::vector<std::string>& unknown) {
  std::vector<torch_arch> out;
  static const std::regex entry(R"(^(\d+)\.(\d+)([af]?)(\+PTX)?$)");
  std::string token;
  const auto flush = [&] {
    if (token.empty()) return;
    std::smatch m;
    if (std::regex_match(token, m, entry)) {
      const arch_variant var =
          m[3].str() == "a" ? arch_variant::arch_specific : (m[3].str() == "f" ? arch_variant::family : arch_variant::plain);
      out.push_back({{std::stoi(m[1].str()), std::stoi(m[2].str()), var}, m[4].matched});
    } else {
      unknown.push_back(token);
    }
    token.clear();
  };
  for (char c : v) {
    if (c == ';' || c == ' ' || c == ',') flush();
    else token += c;
  }
  flush();
  return out;
}

}  // namespace

void audit_environment(const audit_options& o, doctor_report& r) {
  for (const auto& v : vars) {
    env_record e{v.name, false, {}, v.default_value, v.effect};
    if (const auto* val = env_get(o.env, v.name)) {
      e.set = true;
      e.value = *val;
    }
    r.environment.push_back(std::move(e));
  }
  const std::string target = sass_name(o.target.base());

  if (const auto* v = env_get(o.env, "CUDA_FORCE_PTX_JIT"); truthy(v))
    add(r, "env.cuda-force-ptx-jit", severity::warn, "CUDA_FORCE_PTX_JIT=1: every kernel is JIT-compiled from PTX",
        fmt::format("CUDA_FORCE_PTX_JIT={}", *v),
        "The driver ignores every cubin and JIT-compiles all PTX at first use (one measured case: 276 s cold, "
        "8.1 s warm, 3.1 s without the variable); kernels shipped without PTX fail to load. Some container base "
        "images set it.",
        "unset CUDA_FORCE_PTX_JIT");
  if (const auto* v = env_get(o.env, "CUDA_DISABLE_PTX_JIT"); truthy(v)) {
    bool jit_needed = false;
    for (const auto& f : r.findings) jit_needed = jit_needed || f.id == "torch.ptx-jit-only";
    add(r, "env.cuda-disable-ptx-jit", jit_needed ? severity::error : severity::warn,
        "CUDA_DISABLE_PTX_JIT=1: kernels that exist only as PTX cannot load",
        fmt::format("CUDA_DISABLE_PTX_JIT={}{}", *v, jit_needed ? "\ntorch runs on this GPU only through the PTX JIT" : ""),
        fmt::format("On {} every library that ships no {}-compatible SASS depends on the PTX JIT; with it "
                    "disabled they fail with \"no kernel image is available\".",
                    target, target),
        "unset CUDA_DISABLE_PTX_JIT");
  }
  const bool cache_disabled = truthy(env_get(o.env, "CUDA_CACHE_DISABLE"));
  if (cache_disabled)
    add(r, "env.cuda-cache-disabled", severity::warn, "CUDA_CACHE_DISABLE=1: JIT-compiled kernels are never cached",
        fmt::format("CUDA_CACHE_DISABLE={}", *env_get(o.env, "CUDA_CACHE_DISABLE")),
        "Every process JIT-compiles every PTX-only kernel again at first use: minutes of start-up on each run.",
        "unset CUDA_CACHE_DISABLE");

  // The JIT cache directory: writable, and its size against the maximum.
  std::string cache_dir;
  if (const auto* p = env_get(o.env, "CUDA_CACHE_PATH"); p && !p->empty()) cache_dir = *p;
  else if (const auto* h = env_get(o.env, "HOME"); h && !h->empty()) cache_dir = *h + "/.nv/ComputeCache";
  if (!cache_dir.empty() && !cache_disabled) {
    std::error_code ec;
    const fs::path anc = existing_ancestor(cache_dir);
    const bool dir_ok = fs::is_directory(anc, ec) && ::access(anc.c_str(), W_OK | X_OK) == 0;
    if (!dir_ok) {
      add(r, "env.cuda-cache-unwritable", severity::warn, fmt::format("The JIT cache directory {} cannot be written", cache_dir),
          fmt::format("cache directory: {} ({})\nnearest existing path: {} ({})", cache_dir,
                      env_get(o.env, "CUDA_CACHE_PATH") ? "CUDA_CACHE_PATH" : "default under $HOME", anc.string(),
                      !fs::exists(anc, ec) ? "missing" : (fs::is_directory(anc, ec) ? "not writable" : "not a directory")),
          "The driver cannot store JIT-compiled kernels, so every process compiles every PTX-only kernel again.",
          "export CUDA_CACHE_PATH=$HOME/.nv/ComputeCache  # any directory you can write");
    } else if (fs::is_directory(cache_dir, ec)) {
      std::uint64_t max = 1ull << 30;
      bool max_given = false;
      if (const auto* m = env_get(o.env, "CUDA_CACHE_MAXSIZE"); m && !m->empty() &&
                                                                 m->find_first_not_of("0123456789") == std::string::npos &&
                                                                 m->size() < 20) {
        max = std::stoull(*m);
        max_given = true;
      }
      bool cut = false;
      const std::uint64_t used = dir_size(cache_dir, cut);
      if (max > 0 && used >= max / 10 * 9)
        add(r, "env.cuda-cache-full", severity::warn,
            fmt::format("The JIT cache holds {} of its {} maximum", bytes_text(used), bytes_text(max)),
            fmt::format("{}: {}{} used; CUDA_CACHE_MAXSIZE {}", cache_dir, bytes_text(used), cut ? " (at least)" : "",
                        max_given ? fmt::format("= {}", max) : std::string("unset (default 1 GiB)")),
            "A full cache evicts kernels, so large PTX-only libraries are JIT-compiled again on later runs.",
            "export CUDA_CACHE_MAXSIZE=4294967296  # 4 GiB, the documented maximum");
    }
  }

  if (const auto* v = env_get(o.env, "CUDA_MODULE_LOADING"); v && (*v == "EAGER" || *v == "eager"))
    add(r, "env.cuda-module-loading-eager", severity::info, "CUDA_MODULE_LOADING=EAGER: every kernel loads at start-up",
        fmt::format("CUDA_MODULE_LOADING={}", *v),
        "With eager loading, each PTX-only kernel of every library is JIT-compiled when the library initialises, "
        "whether it is used or not.",
        "unset CUDA_MODULE_LOADING");

  if (const auto* v = env_get(o.env, "CUDA_VISIBLE_DEVICES")) {
    std::string first = v->substr(0, v->find(','));
    while (!first.empty() && first.front() == ' ') first.erase(first.begin());
    while (!first.empty() && first.back() == ' ') first.pop_back();
    const bool index = !first.empty() && first.find_first_not_of("0123456789") == std::string::npos;
    const bool uuid = first.rfind("GPU-", 0) == 0 || first.rfind("MIG-", 0) == 0;
    if (!index && !uuid)
      add(r, "env.cuda-visible-devices-hides-all", severity::error,
          fmt::format("CUDA_VISIBLE_DEVICES=\"{}\" hides every GPU", *v), fmt::format("CUDA_VISIBLE_DEVICES=\"{}\"", *v),
          "An empty value, or an invalid first entry (such as -1), leaves CUDA with no device: frameworks fall back "
          "to the CPU or report that no GPU is available.",
          "unset CUDA_VISIBLE_DEVICES  # or: export CUDA_VISIBLE_DEVICES=0");
  }

  if (const auto* v = env_get(o.env, "TORCH_CUDA_ARCH_LIST"); v && !v->empty()) {
    std::vector<std::string> unknown;
    const auto list = parse_torch_arch_list(*v, unknown);
    bool exact = false, sass_ok = false, ptx_ok = false;
    std::vector<std::string> runs;
    for (const auto& a : list) {
      if (a.arch.same_cc(o.target)) exact = true;
      if (sass_runs_on(a.arch, o.target.base()).ok) {
        sass_ok = true;
        runs.push_back(fmt::format("{} SASS", sass_name(a.arch)));
      }
      if (a.ptx && ptx_jits_on(a.arch, o.target.base()).ok) {
        ptx_ok = true;
        runs.push_back(fmt::format("{} PTX (JIT)", ptx_name(a.arch)));
      }
    }
    if (!exact) {
      const severity level = sass_ok ? severity::info : (ptx_ok ? severity::warn : severity::error);
      std::string runs_text;
      for (const auto& s : runs) runs_text += (runs_text.empty() ? "" : ", ") + s;
      add(r, "env.torch-cuda-arch-list-misses-target", level,
          fmt::format("TORCH_CUDA_ARCH_LIST=\"{}\" has no {}", *v, cc_string(o.target)),
          fmt::format("TORCH_CUDA_ARCH_LIST=\"{}\"\nruns on {}: {}{}", *v, target, runs.empty() ? "nothing" : runs_text,
                      unknown.empty() ? "" : fmt::format("\nnot understood: {}", fmt::format("{}", fmt::join(unknown, " ")))),
          sass_ok ? fmt::format("Extensions built with this list run on {} through SASS of another minor version; "
                                "instructions specific to {} are not used.",
                                target, cc_string(o.target))
                  : (ptx_ok ? fmt::format("Extensions built with this list reach {} only through the PTX JIT "
                                          "(slow first launch).",
                                          target)
                            : fmt::format("Extensions built with this list carry no code for {}: \"no kernel image "
                                          "is available for execution on the device\".",
                                          target)),
          fmt::format("export TORCH_CUDA_ARCH_LIST=\"{}\"  # add {}", *v + ";" + cc_string(o.target),
                      cc_string(o.target)));
    }
  }

  if (const auto* v = env_get(o.env, "TRITON_OVERRIDE_ARCH"); v && !v->empty()) {
    static const std::regex re(R"(^(?:sm_?)?(\d{2,3})([af]?)$)");
    std::smatch m;
    std::optional<gpu_arch> arch;
    if (std::regex_match(*v, m, re)) arch = arch_from_sm(std::stoi(m[1].str()));
    std::string image, reason;
    bool runs = false;
    if (arch) {
      // Triton compiles for the arch-specific variant from 9.0 on.
      gpu_arch img = *arch;
      if (img.major >= 9 && has_arch_specific_variant(img.sm())) img.variant = arch_variant::arch_specific;
      image = sass_name(img);
      const auto verdict = sass_runs_on(img, o.target.base());
      runs = img.same_cc(o.target) || verdict.ok;
      reason = verdict.reason;
    }
    if (!runs)
      add(r, "triton.override-arch", severity::error,
          fmt::format("TRITON_OVERRIDE_ARCH={} makes Triton build {} code for a {} GPU", *v,
                      image.empty() ? "unknown" : image, target),
          fmt::format("TRITON_OVERRIDE_ARCH={}{}", *v,
                      image.empty() ? " (not an architecture Triton knows)"
                                    : fmt::format("\n{} on {}: {}", image, target, reason)),
          "A folk fix for the ptxas error: the kernels then compile, but for another GPU, and fail to load "
          "(or silently miss features) on this one. The real fix is a ptxas that knows the target.",
          "unset TRITON_OVERRIDE_ARCH  # and set TRITON_PTXAS_PATH to a ptxas that accepts the target");
  }
}

}  // namespace sm121probe::doctor::detail
