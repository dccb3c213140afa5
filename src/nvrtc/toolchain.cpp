#include "sm121probe/nvrtc/toolchain.hpp"

#include "sm121probe/arch.hpp"
#include "sm121probe/nvrtc/locate.hpp"
#include "sm121probe/nvrtc/nvjitlink_api.hpp"
#include "sm121probe/util/dl.hpp"
#include "sm121probe/version.hpp"

#include <dlfcn.h>
#include <nvJitLink.h>
#include <nvrtc.h>

#include <cctype>
#include <climits>
#include <set>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace sm121probe::nvrtc {

namespace {

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

// One place a library may be, and what put it on the list.
struct candidate {
  std::string path;      ///< a file, or a bare soname for the loader's own search
  std::string found_by;  ///< library_info::found_by
};

struct opened_library {
  void* handle = nullptr;
  std::string path;
  std::string found_by;
};

// Tries each candidate in order; the first that opens wins. `tried` collects
// one line per failure for the error message.
opened_library open_first(const std::vector<candidate>& candidates, std::string& last_error) {
  for (const auto& c : candidates) {
    if (void* h = ::dlopen(c.path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) return {h, c.path, c.found_by};
    const char* e = ::dlerror();
    last_error = e ? e : fmt::format("{}: dlopen failed", c.path);
  }
  return {};
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

const char* variable_for(library_kind k) {
  return k == library_kind::nvrtc ? "SM121PROBE_NVRTC_LIBRARY" : "SM121PROBE_NVJITLINK_LIBRARY";
}

// What the user named for `k`, exclusively: its flag, its variable, --cuda-home.
// Empty when nothing was named. `what` says which, for messages.
std::vector<candidate> chosen(library_kind k, const toolchain_options& o, std::string& what) {
  const std::string& flag = k == library_kind::nvrtc ? o.nvrtc_library : o.nvjitlink_library;
  if (!flag.empty()) {
    what = k == library_kind::nvrtc ? "--nvrtc" : "--nvjitlink";
    return {{flag, what}};
  }
  if (const std::string v = env(variable_for(k)); !v.empty()) {
    what = variable_for(k);
    return {{v, what}};
  }
  if (!o.cuda_home.empty()) {
    what = fmt::format("--cuda-home {}", o.cuda_home);
    std::vector<candidate> out;
    for (const auto& dir : toolkit_library_dirs(o.cuda_home))
      for (auto& f : library_files_in(dir, k)) out.push_back({std::move(f), "--cuda-home"});
    return out;
  }
  return {};
}

// The search when nothing was named: LD_LIBRARY_PATH, CUDA_HOME, the loader's
// default search by soname, the build-time toolkit.
std::vector<candidate> searched(library_kind k, int prefer_major) {
  std::vector<candidate> out;
  const std::string ld = env("LD_LIBRARY_PATH");
  for (std::size_t pos = 0; pos <= ld.size();) {
    const auto colon = ld.find(':', pos);
    const std::string dir = ld.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
    if (!dir.empty())
      for (auto& f : library_files_in(dir, k, prefer_major)) out.push_back({std::move(f), "LD_LIBRARY_PATH"});
    if (colon == std::string::npos) break;
    pos = colon + 1;
  }
  if (const std::string home = env("CUDA_HOME"); !home.empty())
    for (const auto& dir : toolkit_library_dirs(home))
      for (auto& f : library_files_in(dir, k, prefer_major)) out.push_back({std::move(f), "CUDA_HOME"});
  const std::string stem(library_stem(k));
  std::vector<int> majors = {13, 12};
  if (prefer_major > 0) majors.insert(majors.begin(), prefer_major);
  std::set<int> seen;
  for (int m : majors)
    if (seen.insert(m).second) out.push_back({fmt::format("{}.so.{}", stem, m), "loader default"});
  out.push_back({stem + ".so", "loader default"});
  for (auto& f : library_files_in(build_info::cuda_library_dir, k, prefer_major))
    out.push_back({std::move(f), "build-time toolkit"});
  return out;
}

// The major release in a soname ("libnvrtc.so.12" -> 12), 0 when none.
int soname_major(const std::string& path) {
  const auto so = path.rfind(".so.");
  if (so == std::string::npos) return 0;
  int major = 0;
  for (std::size_t i = so + 4; i < path.size() && std::isdigit(static_cast<unsigned char>(path[i])); ++i)
    major = major * 10 + (path[i] - '0');
  return major;
}

// The file a loaded library came from: where `symbol` lives (dladdr), resolved.
std::string loaded_path(void* handle, const char* symbol, const std::string& opened) {
  std::string path = opened;
  if (void* s = handle ? ::dlsym(handle, symbol) : nullptr) {
    Dl_info info{};
    if (::dladdr(s, &info) != 0 && info.dli_fname && *info.dli_fname) path = info.dli_fname;
  }
  char buf[PATH_MAX];
  if (path.find('/') != std::string::npos && ::realpath(path.c_str(), buf)) return buf;
  return path;
}

class dl_toolchain final : public toolchain {
 public:
  dl_toolchain(void* nvrtc_lib, void* jit_lib, std::string jit_error)
      : nvrtc(nvrtc_lib), jit(jit_lib), jit_err(std::move(jit_error)) {}

  // Resolves nvJitLink's entry points and names both libraries; after usable().
  void describe(const opened_library& nv, const opened_library& jl) {
    nv_info.path = loaded_path(nvrtc, "nvrtcVersion", nv.path);
    nv_info.found_by = nv.found_by;
    const version_found v = full_version(nv_info.path, library_kind::nvrtc, nvrtc_version());
    nv_info.version = v.version;
    nv_info.version_source = v.source;
    if (!jit) return;
    jl_api = resolve_nvjitlink(jit, static_cast<unsigned>(soname_major(jl.path)));
    if (!jl_api.usable()) {
      jit = nullptr;
      jit_err = fmt::format("{} lacks the nvJitLink entry points (nvJitLinkCreate and the rest, by any known name)",
                            jl.path);
      return;
    }
    jl_info.path = loaded_path(jit, "nvJitLinkCreate", jl.path);
    jl_info.found_by = jl.found_by;
    const version_found jv = full_version(jl_info.path, library_kind::nvjitlink, nvjitlink_version());
    jl_info.version = jv.version;
    jl_info.version_source = jv.source;
    mismatch = describe_pair_mismatch(nv_info, nvrtc_version(), jl_info, nvjitlink_version());
  }

  [[nodiscard]] bool usable() const {
    return p_version && p_create && p_compile && p_destroy && p_log_size && p_log && p_ptx_size && p_ptx &&
           p_cubin_size && p_cubin && p_err_string;
  }

  compile_result compile(const compile_request& rq) const override {
    compile_result r;
    const auto t0 = clock_type::now();
    r.kind = rq.target.starts_with("compute_") ? image_kind::ptx : image_kind::cubin;
    std::vector<std::string> header_names;
    std::vector<const char*> header_src, header_inc;
    for (const auto& h : rq.headers) {
      const auto slash = h.path.rfind('/');
      header_names.emplace_back(h.path.substr(slash == std::string_view::npos ? 0 : slash + 1));
    }
    for (std::size_t i = 0; i < rq.headers.size(); ++i) {
      header_src.push_back(rq.headers[i].text.data());  // embedded text is NUL-terminated
      header_inc.push_back(header_names[i].c_str());
    }
    const std::string source(rq.source);
    nvrtcProgram prog = nullptr;
    nvrtcResult res = p_create(&prog, source.c_str(), rq.name.c_str(), static_cast<int>(header_src.size()),
                               header_src.data(), header_inc.data());
    if (res != NVRTC_SUCCESS) {
      r.status = p_err_string(res);
      r.ms = ms_since(t0);
      return r;
    }
    std::vector<std::string> opts = {"--gpu-architecture=" + rq.target, "-std=c++17"};
    opts.insert(opts.end(), rq.options.begin(), rq.options.end());
    std::vector<const char*> copts;
    for (const auto& o : opts) copts.push_back(o.c_str());
    res = p_compile(prog, static_cast<int>(copts.size()), copts.data());
    std::size_t log_size = 0;
    if (p_log_size(prog, &log_size) == NVRTC_SUCCESS && log_size > 1) {
      std::string raw(log_size, '\0');
      if (p_log(prog, raw.data()) == NVRTC_SUCCESS) r.log = clean_log(raw);
    }
    if (res == NVRTC_SUCCESS) {
      std::size_t size = 0;
      const bool cubin = r.kind == image_kind::cubin;
      const nvrtcResult sr = cubin ? p_cubin_size(prog, &size) : p_ptx_size(prog, &size);
      if (sr == NVRTC_SUCCESS && size > 0) {
        r.image.resize(size);
        const nvrtcResult gr = cubin ? p_cubin(prog, reinterpret_cast<char*>(r.image.data()))
                                     : p_ptx(prog, reinterpret_cast<char*>(r.image.data()));
        r.ok = gr == NVRTC_SUCCESS;
        if (!r.ok) r.status = p_err_string(gr);
      } else {
        r.status = sr == NVRTC_SUCCESS ? "NVRTC produced an empty image" : p_err_string(sr);
      }
    } else {
      r.status = p_err_string(res);
    }
    p_destroy(&prog);
    r.ms = ms_since(t0);
    return r;
  }

  link_result jit_link(std::span<const std::byte> ptx, std::string_view arch) const override {
    link_result r;
    const auto t0 = clock_type::now();
    if (!jit) {
      r.status = "NVJITLINK_UNAVAILABLE";
      r.log = jit_err;
      return r;
    }
    const std::string arch_opt = fmt::format("-arch={}", arch);
    const char* opts[] = {arch_opt.c_str()};
    nvJitLinkHandle h = nullptr;
    nvJitLinkResult res = jl_api.create(&h, 1, opts);
    if (res != NVJITLINK_SUCCESS) {
      r.status = nvjitlink_status_name(res);
      r.ms = ms_since(t0);
      return r;
    }
    res = jl_api.add_data(h, NVJITLINK_INPUT_PTX, ptx.data(), ptx.size(), "probe.ptx");
    if (res == NVJITLINK_SUCCESS) res = jl_api.complete(h);
    if (res == NVJITLINK_SUCCESS) {
      std::size_t size = 0;
      if (jl_api.cubin_size(h, &size) == NVJITLINK_SUCCESS && size > 0) {
        r.cubin.resize(size);
        r.ok = jl_api.cubin(h, r.cubin.data()) == NVJITLINK_SUCCESS;
      }
      if (!r.ok) r.status = "NVJITLINK_ERROR_INTERNAL";
      std::size_t info = 0;
      if (jl_api.info_log_size && jl_api.info_log && jl_api.info_log_size(h, &info) == NVJITLINK_SUCCESS &&
          info > 1) {
        std::string raw(info, '\0');
        if (jl_api.info_log(h, raw.data()) == NVJITLINK_SUCCESS) r.log = clean_log(raw);
      }
    } else {
      r.status = nvjitlink_status_name(res);
      std::size_t size = 0;
      if (jl_api.error_log_size(h, &size) == NVJITLINK_SUCCESS && size > 1) {
        std::string raw(size, '\0');
        if (jl_api.error_log(h, raw.data()) == NVJITLINK_SUCCESS) r.log = clean_log(raw);
      }
    }
    jl_api.destroy(&h);
    r.ms = ms_since(t0);
    return r;
  }

  std::string nvrtc_version() const override {
    int major = 0, minor = 0;
    if (p_version(&major, &minor) != NVRTC_SUCCESS) return {};
    return fmt::format("{}.{}", major, minor);
  }

  std::vector<int> supported_archs() const override {
    int n = 0;
    if (!p_num_archs || !p_archs || p_num_archs(&n) != NVRTC_SUCCESS || n <= 0) return {};
    std::vector<int> out(static_cast<std::size_t>(n));
    if (p_archs(out.data()) != NVRTC_SUCCESS) return {};
    return out;
  }

  std::string nvjitlink_version() const override {
    unsigned major = 0, minor = 0;
    if (!jit || !jl_api.version || jl_api.version(&major, &minor) != NVJITLINK_SUCCESS) return {};
    return fmt::format("{}.{}", major, minor);
  }

  std::string nvjitlink_error() const override { return jit ? std::string() : jit_err; }
  const library_info& nvrtc_library() const override { return nv_info; }
  const library_info& nvjitlink_library() const override { return jit ? jl_info : no_info; }
  std::string pair_mismatch() const override { return jit ? mismatch : std::string(); }

 private:
  void* nvrtc;
  void* jit;
  std::string jit_err;
  nvjitlink_api jl_api;
  library_info nv_info, jl_info, no_info;
  std::string mismatch;

#define SM121_NVRTC_FN(member, symbol, api) SM121PROBE_DL_FUNCTION(nvrtc, member, symbol, api)
  SM121_NVRTC_FN(p_version, "nvrtcVersion", nvrtcVersion);
  SM121_NVRTC_FN(p_num_archs, "nvrtcGetNumSupportedArchs", nvrtcGetNumSupportedArchs);
  SM121_NVRTC_FN(p_archs, "nvrtcGetSupportedArchs", nvrtcGetSupportedArchs);
  SM121_NVRTC_FN(p_create, "nvrtcCreateProgram", nvrtcCreateProgram);
  SM121_NVRTC_FN(p_compile, "nvrtcCompileProgram", nvrtcCompileProgram);
  SM121_NVRTC_FN(p_destroy, "nvrtcDestroyProgram", nvrtcDestroyProgram);
  SM121_NVRTC_FN(p_log_size, "nvrtcGetProgramLogSize", nvrtcGetProgramLogSize);
  SM121_NVRTC_FN(p_log, "nvrtcGetProgramLog", nvrtcGetProgramLog);
  SM121_NVRTC_FN(p_ptx_size, "nvrtcGetPTXSize", nvrtcGetPTXSize);
  SM121_NVRTC_FN(p_ptx, "nvrtcGetPTX", nvrtcGetPTX);
  SM121_NVRTC_FN(p_cubin_size, "nvrtcGetCUBINSize", nvrtcGetCUBINSize);
  SM121_NVRTC_FN(p_cubin, "nvrtcGetCUBIN", nvrtcGetCUBIN);
  SM121_NVRTC_FN(p_err_string, "nvrtcGetErrorString", nvrtcGetErrorString);
#undef SM121_NVRTC_FN
};

}  // namespace

toolchain_load_result load_toolchain(const toolchain_options& options) {
  std::string nv_named, jl_named;
  const std::vector<candidate> nv_chosen = chosen(library_kind::nvrtc, options, nv_named);
  const std::vector<candidate> jl_chosen = chosen(library_kind::nvjitlink, options, jl_named);
  // Each library: what was named for it (exclusively); else next to its
  // partner, then the search.
  const auto candidates_for = [&](library_kind k, const std::string& named, const std::vector<candidate>& given,
                                  const opened_library* partner, int prefer_major) {
    if (!named.empty()) return given;
    std::vector<candidate> out;
    if (partner)
      for (const auto& dir : partner_dirs(partner->path, k))
        for (auto& f : library_files_in(dir, k, prefer_major))
          out.push_back({std::move(f), fmt::format("next to {}", library_title(partner_of(k)))});
    for (auto& c : searched(k, prefer_major)) out.push_back(std::move(c));
    return out;
  };
  const auto failure = [](library_kind k, const std::string& named, const std::vector<candidate>& tried,
                          const std::string& err) {
    if (!named.empty() && tried.empty())
      return fmt::format("cannot load {} ({}): no {}.so there", library_title(k), named, library_stem(k));
    return fmt::format("cannot load {} ({}.so{}): {}", library_title(k), library_stem(k),
                       named.empty() ? std::string() : ", from " + named, err);
  };

  // The one the user named goes first, so that its partner is looked for next to it.
  const bool jit_first = nv_named.empty() && !jl_named.empty();
  opened_library nv, jl;
  std::string nv_err, jl_err;
  std::vector<candidate> nv_cands, jl_cands;
  if (jit_first) {
    jl_cands = candidates_for(library_kind::nvjitlink, jl_named, jl_chosen, nullptr, 0);
    jl = open_first(jl_cands, jl_err);
    nv_cands = candidates_for(library_kind::nvrtc, nv_named, nv_chosen, jl.handle ? &jl : nullptr,
                              jl.handle ? soname_major(jl.path) : 0);
  } else {
    nv_cands = candidates_for(library_kind::nvrtc, nv_named, nv_chosen, nullptr, 0);
  }
  nv = open_first(nv_cands, nv_err);
  if (!nv.handle) return {nullptr, failure(library_kind::nvrtc, nv_named, nv_cands, nv_err)};
  auto tc = std::make_unique<dl_toolchain>(nv.handle, nullptr, std::string());
  if (!tc->usable()) return {nullptr, fmt::format("{} lacks expected NVRTC entry points", nv.path)};
  if (!jit_first) {
    int major = soname_major(nv.path);
    if (const auto v = parse_cuda_version(tc->nvrtc_version())) major = v->major;
    jl_cands = candidates_for(library_kind::nvjitlink, jl_named, jl_chosen, &nv, major);
    jl = open_first(jl_cands, jl_err);
  }
  if (!jl.handle) jl_err = failure(library_kind::nvjitlink, jl_named, jl_cands, jl_err);
  tc = std::make_unique<dl_toolchain>(nv.handle, jl.handle, jl_err);
  tc->describe(nv, jl);
  return {std::move(tc), {}};
}

std::string clean_log(std::string_view raw) {
  std::string out(raw);
  std::replace(out.begin(), out.end(), '\0', '\n');
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ' || out.back() == '\r' || out.back() == '\t'))
    out.pop_back();
  // Collapse runs of blank lines left by the NUL separators.
  std::string collapsed;
  collapsed.reserve(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\n' && !collapsed.empty() && collapsed.back() == '\n') continue;
    collapsed += out[i];
  }
  const auto first = collapsed.find_first_not_of('\n');
  return first == std::string::npos ? std::string() : collapsed.substr(first);
}

std::string trim_log(std::string_view log, std::size_t max_bytes) {
  if (log.size() <= max_bytes) return std::string(log);
  const std::size_t head = max_bytes * 3 / 4;
  const std::size_t tail = max_bytes - head;
  return fmt::format("{}\n[... {} bytes trimmed ...]\n{}", log.substr(0, head), log.size() - head - tail,
                     log.substr(log.size() - tail));
}

std::string tidy_diagnostic(std::string_view line) {
  std::string s(line);
  // "ptxas application ptx input, line 86; error   : Feature ..." -> "error: Feature ..."
  if (s.starts_with("ptxas application ptx input")) {
    if (const auto semi = s.find("; "); semi != std::string::npos) s = s.substr(semi + 2);
  }
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ' ') {
      std::size_t j = i;
      while (j < s.size() && s[j] == ' ') ++j;
      if (j < s.size() && s[j] == ':') {  // "error   :" -> "error:"
        i = j - 1;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::vector<std::string> extract_warnings(std::string_view log) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < log.size()) {
    const auto nl = log.find('\n', pos);
    const std::string_view line = log.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    std::string lower(line);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower.find("warning") != std::string::npos || lower.find("advisory") != std::string::npos ||
        lower.find("performance") != std::string::npos) {
      std::string t = tidy_diagnostic(line);
      if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return out;
}

std::string first_error_line(std::string_view log) {
  std::string first_nonempty;
  std::size_t pos = 0;
  while (pos <= log.size()) {
    const auto nl = log.find('\n', pos);
    const std::string_view line = log.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!line.empty()) {
      if (first_nonempty.empty()) first_nonempty = line;
      std::string lower(line);
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
      if (lower.find("error") != std::string::npos || lower.find("fatal") != std::string::npos)
        return tidy_diagnostic(line);
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return tidy_diagnostic(first_nonempty);
}

}  // namespace sm121probe::nvrtc
