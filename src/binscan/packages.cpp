// The package view of a Python environment (scan_report.hpp, build_packages):
// files grouped by installed distribution, CUDA-version alternatives, run-time
// compilation and the package verdicts. Rules: docs/scan.md, "Packages".
#include "sm121probe/binscan/scan_report.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <unordered_map>

namespace sm121probe::binscan {

namespace fs = std::filesystem;

std::string_view to_string(package_verdict v) {
  switch (v) {
    case package_verdict::native: return "native";
    case package_verdict::fallback: return "fallback";
    case package_verdict::runtime_compile: return "compiles-at-run-time";
    case package_verdict::failing: return "failing";
    case package_verdict::error: return "error";
  }
  return "error";
}

std::string_view to_string(package_how h) {
  switch (h) {
    case package_how::native_sass: return "native-sass";
    case package_how::ptx_jit: return "ptx-jit";
    case package_how::jit_link: return "jit-link";
    case package_how::runtime_compile: return "run-time-compile";
    case package_how::nothing: return "nothing";
  }
  return "nothing";
}

const std::vector<std::string_view>& runtime_compiler_distributions() {
  // A trailing '*' matches any suffix (nvidia-cuda-nvcc-cu12). Compilers a package
  // needs to build its own kernels; deliberately not NVRTC or Triton, which torch
  // requires for a few generated kernels while its prebuilt ones must load.
  static const std::vector<std::string_view> names = {"nvidia-cuda-nvcc*", "flashinfer-python", "flashinfer-jit-cache",
                                                      "nvidia-cutlass-dsl", "tilelang"};
  return names;
}

python_environment read_python_environment(const std::vector<std::string>& sites) {
  python_environment env;
  env.sites = sites;
  env.distributions = read_distributions(sites);
  for (const auto& site : sites) {
    const std::string vp = site + "/torch/version.py";
    const std::string text = read_file_head(vp);
    if (text.empty()) continue;
    const std::string cuda = py_assignment(text, "cuda");
    if (cuda.empty() || !parse_cuda_version(cuda)) continue;
    env.cuda = cuda;
    const std::string version = py_assignment(text, "__version__");
    env.cuda_source = fmt::format("torch {} ({})", version.empty() ? "?" : version, vp);
    break;
  }
  return env;
}

namespace {

int listing_rank(package_verdict v) {
  switch (v) {
    case package_verdict::failing: return 0;
    case package_verdict::error: return 1;
    case package_verdict::runtime_compile: return 2;
    case package_verdict::fallback: return 3;
    case package_verdict::native: return 4;
  }
  return 5;
}

bool is_runtime_compiler(const std::string& normalized) {
  for (std::string_view n : runtime_compiler_distributions()) {
    if (n.ends_with('*') ? normalized.starts_with(n.substr(0, n.size() - 1)) : normalized == n) return true;
  }
  return false;
}

bool is_jit_cache_path(std::string_view p) {
  for (std::string_view dir : {"jit_cache", "jit-cache"}) {
    for (std::size_t pos = p.find(dir); pos != std::string_view::npos; pos = p.find(dir, pos + 1)) {
      const bool starts = pos == 0 || p[pos - 1] == '/';
      const bool ends = pos + dir.size() < p.size() && p[pos + dir.size()] == '/';
      if (starts && ends) return true;
    }
  }
  return false;
}

struct pkg_build {
  package_result row;
  std::vector<std::size_t> files;  ///< indices into report.files
};

/// A CUDA release named in a file name: _cuda118 -> 11.8, _cuda12 -> 12 (any minor).
struct named_cuda {
  int major = 0, minor = -1;  ///< minor -1: only the major is named
  [[nodiscard]] bool matches(const cuda_version& v) const { return major == v.major && (minor < 0 || minor == v.minor); }
  [[nodiscard]] std::string text() const { return minor < 0 ? fmt::format("{}", major) : fmt::format("{}.{}", major, minor); }
};

std::string base_name(const std::string& path) {
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

void build_packages(scan_report& report, const python_environment& env) {
  auto& files = report.files;
  // Scanned files under a site, by path: ownership is looked up only for them, so
  // memory follows what the scan reports, not the size of the RECORDs.
  std::unordered_map<std::string, std::size_t> by_path;
  by_path.reserve(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) by_path.emplace(files[i].path, i);

  const auto& dists = env.distributions;
  std::vector<int> owner(files.size(), -1);
  std::vector<std::string> jit_cache(dists.size());
  struct overlap {
    std::uint64_t count = 0;
    std::string example;
  };
  std::map<std::pair<int, int>, overlap> overlaps;
  for (std::size_t k = 0; k < dists.size(); ++k) {
    const auto& d = dists[k];
    const int ki = static_cast<int>(k);
    for_each_record_path(d, [&](std::string_view rel) {
      if (jit_cache[k].empty() && is_jit_cache_path(rel)) jit_cache[k] = std::string(rel);
      std::string key = d.site;
      key += '/';
      key += rel;
      const auto it = by_path.find(key);
      if (it == by_path.end()) return;
      int& o = owner[it->second];
      if (o < 0) {
        o = ki;
      } else if (o != ki) {
        auto& ov = overlaps[{std::min(o, ki), std::max(o, ki)}];
        if (ov.count++ == 0) ov.example = std::string(rel);
        // The distribution whose RECORD was written last was installed last: its files are on disk.
        if (d.installed_ns > dists[static_cast<std::size_t>(o)].installed_ns) o = ki;
      }
    });
  }

  // Packages: distributions, then top-level directories for files no RECORD lists.
  std::map<std::string, pkg_build> pkgs;
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::string key;
    if (owner[i] >= 0) {
      const auto& d = dists[static_cast<std::size_t>(owner[i])];
      key = "d:" + d.dist_info;
      auto& p = pkgs[key];
      if (p.row.name.empty()) {
        p.row.name = d.name;
        p.row.version = d.version;
        p.row.source = "dist-info";
        p.row.location = d.dist_info;
      }
      files[i].group = d.name;
      p.files.push_back(i);
    } else {
      key = "g:" + files[i].group;
      auto& p = pkgs[key];
      if (p.row.name.empty()) {
        p.row.name = files[i].group;
        p.row.source = "directory";
        std::string loc = files[i].group;
        for (const auto& s : env.sites)
          if (files[i].path.starts_with(s + "/")) loc = s + "/" + files[i].group;
        p.row.location = loc;
      }
      p.files.push_back(i);
    }
  }
  std::map<std::string, std::size_t> dist_index;
  for (std::size_t k = 0; k < dists.size(); ++k) dist_index["d:" + dists[k].dist_info] = k;

  const auto env_cuda = parse_cuda_version(env.cuda);
  const cuda_version cuda = env_cuda ? *env_cuda : report.target.driver;
  const std::string cuda_source =
      env_cuda ? env.cuda_source : fmt::format("the driver ({})", report.driver_source.empty() ? "given" : report.driver_source);
  const std::regex alt_re(R"(^(.*[_.-])cuda([0-9]{2,3})(.*)$)");

  const std::string target = sass_name(report.target.device.base());
  report.packages.clear();
  report.package_view = true;
  for (auto& [key, p] : pkgs) {
    auto& row = p.row;
    row.files = p.files.size();
    // Alternatives: files in one directory whose names differ only in _cudaNNN.
    std::map<std::string, std::vector<std::pair<std::size_t, named_cuda>>> sets;
    for (std::size_t i : p.files) {
      if (files[i].result == verdict::no_gpu_code) continue;
      std::smatch m;
      const std::string name = base_name(files[i].path);
      if (name.find("cuda") == std::string::npos || !std::regex_match(name, m, alt_re)) continue;
      const std::string digits = m[2].str();
      named_cuda c;
      if (digits.size() == 3) {
        c.major = std::stoi(digits.substr(0, 2));
        c.minor = digits[2] - '0';
      } else {
        c.major = std::stoi(digits);
      }
      const std::string dir = files[i].path.substr(0, files[i].path.size() - name.size());
      sets[dir + m[1].str() + "*" + m[3].str()].emplace_back(i, c);
    }
    std::vector<bool> excluded(files.size(), false);
    std::string alt_note_warnings;
    bool no_variant = false;
    std::vector<std::string> variant_names;
    for (auto& [pattern, members] : sets) {
      if (members.size() < 2) continue;
      package_alternatives alt;
      alt.cuda = to_string(cuda);
      alt.cuda_source = cuda_source;
      for (const auto& [i, c] : members) {
        variant_names.push_back(c.text());
        if (alt.selected.empty() && c.matches(cuda)) {
          alt.selected = files[i].path;
          files[i].alternative = "loaded";
        } else {
          alt.others.push_back(files[i].path);
          files[i].alternative = "not-loaded";
          excluded[i] = true;
        }
      }
      if (alt.selected.empty()) no_variant = true;
      row.alternatives = std::move(alt);  // one set per package is what real packages have; the last one is kept
    }

    // Evidence of compiling at run time (dist-info packages only).
    if (const auto di = dist_index.find(key); di != dist_index.end()) {
      const auto& d = dists[di->second];
      for (const auto& rq : d.requires_dist) {
        const requirement r = parse_requirement(rq);
        if (!r.only_with_extra && is_runtime_compiler(r.name)) {
          row.runtime_compile = fmt::format("METADATA Requires-Dist: {}", r.name);
          break;
        }
      }
      if (row.runtime_compile.empty() && !jit_cache[di->second].empty())
        row.runtime_compile = fmt::format("ships a JIT cache ({})", jit_cache[di->second]);
    }

    const binscan::file_result* first[5] = {};  // by verdict: native, fallback, failing, error
    std::uint64_t gpu = 0;
    for (std::size_t i : p.files) {
      const auto& f = files[i];
      if (f.result == verdict::no_gpu_code || excluded[i]) continue;
      ++gpu;
      switch (f.result) {
        case verdict::native: ++row.native; if (!first[0]) first[0] = &f; break;
        case verdict::fallback: ++row.fallback; if (!first[1]) first[1] = &f; break;
        case verdict::failing: ++row.failing; if (!first[2]) first[2] = &f; break;
        case verdict::error: ++row.error; if (!first[3]) first[3] = &f; break;
        case verdict::no_gpu_code: break;
      }
    }
    // Warnings with a stable kind on the files that count, named in the reason.
    std::map<std::string, std::uint64_t> kinds;
    for (std::size_t i : p.files)
      if (!excluded[i])
        for (const auto& fd : files[i].findings) ++kinds[fd.kind];
    if (!kinds.empty()) {
      std::vector<std::string> parts;
      for (const auto& [k, n] : kinds) parts.push_back(fmt::format("{} ({} file{})", k, n, n == 1 ? "" : "s"));
      alt_note_warnings = fmt::format("; warnings: {}", fmt::join(parts, ", "));
    }
    const bool any_alt_file = row.alternatives.has_value();
    if (gpu == 0 && !any_alt_file) continue;  // no GPU code: not a package row

    const auto rel = [&](const file_result& f) {
      for (const auto& s : env.sites)
        if (f.path.starts_with(s + "/")) return f.path.substr(s.size() + 1);
      return f.path;
    };
    std::string rest;
    if (gpu > 1) {
      std::vector<std::string> parts;
      if (row.native) parts.push_back(fmt::format("{} native", row.native));
      if (row.fallback) parts.push_back(fmt::format("{} fallback", row.fallback));
      if (row.failing) parts.push_back(fmt::format("{} failing", row.failing));
      if (row.error) parts.push_back(fmt::format("{} unreadable", row.error));
      rest = fmt::format("; {} files with GPU code: {}", gpu, fmt::join(parts, ", "));
    }
    std::string alt_note;
    if (row.alternatives) {
      const auto& a = *row.alternatives;
      std::sort(variant_names.begin(), variant_names.end());
      if (!a.selected.empty())
        alt_note = fmt::format("; loads {} for CUDA {} ({}), {} variant{} for other CUDA releases not loaded",
                               base_name(a.selected), a.cuda, a.cuda_source, a.others.size(),
                               a.others.size() == 1 ? "" : "s");
      else
        alt_note = fmt::format("; none of its {} variants (CUDA {}) is for CUDA {} ({}): none would be loaded",
                               a.others.size(), fmt::join(variant_names, ", "), a.cuda, a.cuda_source);
    }
    if (first[0]) {
      row.result = package_verdict::native;
      row.how = package_how::native_sass;
      row.reason = fmt::format("{}: {}{}{}{}", rel(*first[0]), first[0]->reason, rest, alt_note, alt_note_warnings);
    } else if (first[1]) {
      row.result = package_verdict::fallback;
      row.how = first[1]->counts.jit > 0 ? package_how::ptx_jit : package_how::jit_link;
      row.reason = fmt::format("{}: {}{}{}{}", rel(*first[1]), first[1]->reason, rest, alt_note, alt_note_warnings);
    } else if (!row.runtime_compile.empty() && (first[2] || no_variant)) {
      row.result = package_verdict::runtime_compile;
      row.how = package_how::runtime_compile;
      const std::string what = first[2] ? fmt::format("{}: {}", rel(*first[2]), first[2]->reason) : "no prebuilt code";
      row.reason = fmt::format("no prebuilt code runs on {} ({}{}); compiles its kernels at run time ({})", target,
                               what, rest, row.runtime_compile);
    } else if (first[2]) {
      row.result = package_verdict::failing;
      row.reason = fmt::format("{}: {}{}{}{}", rel(*first[2]), first[2]->reason, rest, alt_note, alt_note_warnings);
    } else if (no_variant) {
      row.result = package_verdict::failing;
      row.reason = fmt::format("no variant for CUDA {} ({}){}", to_string(cuda), cuda_source,
                               alt_note.empty() ? "" : alt_note.substr(1));
    } else {
      row.result = package_verdict::error;
      row.reason = fmt::format("{}: {}{}", rel(*first[3]), first[3]->reason, rest);
    }
    report.packages.push_back(std::move(row));
  }
  std::stable_sort(report.packages.begin(), report.packages.end(), [](const package_result& a, const package_result& b) {
    const int ra = listing_rank(a.result), rb = listing_rank(b.result);
    if (ra != rb) return ra < rb;
    return a.name < b.name;
  });

  report.findings.clear();
  for (const auto& [pair, ov] : overlaps) {
    const auto& a = dists[static_cast<std::size_t>(pair.first)];
    const auto& b = dists[static_cast<std::size_t>(pair.second)];
    const auto& later = a.installed_ns > b.installed_ns ? a : b;
    report.findings.push_back(
        {"shared-files",
         fmt::format("{} {} and {} {} both list {} scanned file{} in their RECORD (e.g. {}): one was installed over the "
                     "other in the same directory; the files are counted for {} (its RECORD is newer); uninstalling "
                     "either removes files the other needs, and only one of them should be installed",
                     a.name, a.version, b.name, b.version, ov.count, ov.count == 1 ? "" : "s", ov.example, later.name),
         {a.name, b.name}});
  }
}

}  // namespace sm121probe::binscan
