#include "sm121probe/nvrtc/toolchain.hpp"

#include "sm121probe/util/dl.hpp"
#include "sm121probe/version.hpp"

#define NVJITLINK_NO_INLINE
#include <dlfcn.h>
#include <nvJitLink.h>
#include <nvrtc.h>

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

// Tries each candidate; returns the first that opens, and the path used.
void* open_first(const std::vector<std::string>& candidates, std::string& opened, std::string& last_error) {
  for (const auto& c : candidates) {
    if (void* h = ::dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)) {
      opened = c;
      return h;
    }
    const char* e = ::dlerror();
    last_error = e ? e : "dlopen failed";
  }
  return nullptr;
}

std::vector<std::string> candidates_for(const char* env_var, const char* stem) {
  if (const char* forced = std::getenv(env_var); forced && *forced) return {forced};
  const std::string dir = build_info::cuda_library_dir;
  std::vector<std::string> out;
  for (const char* ver : {".13", ".12", ""}) {
    out.push_back(fmt::format("{}.so{}", stem, ver));
    if (!dir.empty()) out.push_back(fmt::format("{}/{}.so{}", dir, stem, ver));
  }
  return out;
}

std::string nvjitlink_status_name(nvJitLinkResult r) {
  switch (r) {
    case NVJITLINK_SUCCESS: return "NVJITLINK_SUCCESS";
    case NVJITLINK_ERROR_UNRECOGNIZED_OPTION: return "NVJITLINK_ERROR_UNRECOGNIZED_OPTION";
    case NVJITLINK_ERROR_MISSING_ARCH: return "NVJITLINK_ERROR_MISSING_ARCH";
    case NVJITLINK_ERROR_INVALID_INPUT: return "NVJITLINK_ERROR_INVALID_INPUT";
    case NVJITLINK_ERROR_PTX_COMPILE: return "NVJITLINK_ERROR_PTX_COMPILE";
    case NVJITLINK_ERROR_NVVM_COMPILE: return "NVJITLINK_ERROR_NVVM_COMPILE";
    case NVJITLINK_ERROR_INTERNAL: return "NVJITLINK_ERROR_INTERNAL";
    default: return fmt::format("nvJitLinkResult {}", static_cast<int>(r));
  }
}

class dl_toolchain final : public toolchain {
 public:
  dl_toolchain(void* nvrtc_lib, void* jit_lib, std::string jit_error)
      : nvrtc(nvrtc_lib), jit(jit_lib), jit_err(std::move(jit_error)) {
    if (jit && !(p_jl_create && p_jl_add && p_jl_complete && p_jl_cubin_size && p_jl_cubin && p_jl_err_size &&
                 p_jl_err && p_jl_destroy)) {
      jit = nullptr;
      jit_err = "libnvJitLink lacks expected entry points";
    }
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
    nvJitLinkResult res = p_jl_create(&h, 1, opts);
    if (res != NVJITLINK_SUCCESS) {
      r.status = nvjitlink_status_name(res);
      r.ms = ms_since(t0);
      return r;
    }
    res = p_jl_add(h, NVJITLINK_INPUT_PTX, ptx.data(), ptx.size(), "probe.ptx");
    if (res == NVJITLINK_SUCCESS) res = p_jl_complete(h);
    if (res == NVJITLINK_SUCCESS) {
      std::size_t size = 0;
      if (p_jl_cubin_size(h, &size) == NVJITLINK_SUCCESS && size > 0) {
        r.cubin.resize(size);
        r.ok = p_jl_cubin(h, r.cubin.data()) == NVJITLINK_SUCCESS;
      }
      if (!r.ok) r.status = "NVJITLINK_ERROR_INTERNAL";
      std::size_t info = 0;
      if (p_jl_info_size && p_jl_info && p_jl_info_size(h, &info) == NVJITLINK_SUCCESS && info > 1) {
        std::string raw(info, '\0');
        if (p_jl_info(h, raw.data()) == NVJITLINK_SUCCESS) r.log = clean_log(raw);
      }
    } else {
      r.status = nvjitlink_status_name(res);
      std::size_t size = 0;
      if (p_jl_err_size(h, &size) == NVJITLINK_SUCCESS && size > 1) {
        std::string raw(size, '\0');
        if (p_jl_err(h, raw.data()) == NVJITLINK_SUCCESS) r.log = clean_log(raw);
      }
    }
    p_jl_destroy(&h);
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
    if (!jit || !p_jl_version || p_jl_version(&major, &minor) != NVJITLINK_SUCCESS) return {};
    return fmt::format("{}.{}", major, minor);
  }

  std::string nvjitlink_error() const override { return jit ? std::string() : jit_err; }

 private:
  void* nvrtc;
  void* jit;
  std::string jit_err;

#define SM121_NVRTC_FN(member, symbol, api) SM121PROBE_DL_FUNCTION(nvrtc, member, symbol, api)
#define SM121_JIT_FN(member, symbol, api) SM121PROBE_DL_FUNCTION(jit, member, symbol, api)
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
  // nvJitLink exports unversioned names alongside the versioned ones the header inlines to.
  SM121_JIT_FN(p_jl_create, "nvJitLinkCreate", __nvJitLinkCreate_13_0);
  SM121_JIT_FN(p_jl_destroy, "nvJitLinkDestroy", __nvJitLinkDestroy_13_0);
  SM121_JIT_FN(p_jl_add, "nvJitLinkAddData", __nvJitLinkAddData_13_0);
  SM121_JIT_FN(p_jl_complete, "nvJitLinkComplete", __nvJitLinkComplete_13_0);
  SM121_JIT_FN(p_jl_cubin_size, "nvJitLinkGetLinkedCubinSize", __nvJitLinkGetLinkedCubinSize_13_0);
  SM121_JIT_FN(p_jl_cubin, "nvJitLinkGetLinkedCubin", __nvJitLinkGetLinkedCubin_13_0);
  SM121_JIT_FN(p_jl_err_size, "nvJitLinkGetErrorLogSize", __nvJitLinkGetErrorLogSize_13_0);
  SM121_JIT_FN(p_jl_err, "nvJitLinkGetErrorLog", __nvJitLinkGetErrorLog_13_0);
  SM121_JIT_FN(p_jl_info_size, "nvJitLinkGetInfoLogSize", __nvJitLinkGetInfoLogSize_13_0);
  SM121_JIT_FN(p_jl_info, "nvJitLinkGetInfoLog", __nvJitLinkGetInfoLog_13_0);
  SM121_JIT_FN(p_jl_version, "nvJitLinkVersion", nvJitLinkVersion);
#undef SM121_NVRTC_FN
#undef SM121_JIT_FN
};

}  // namespace

toolchain_load_result load_toolchain() {
  std::string opened, err;
  void* nv = open_first(candidates_for("SM121PROBE_NVRTC_LIBRARY", "libnvrtc"), opened, err);
  if (!nv) return {nullptr, fmt::format("cannot load NVRTC (libnvrtc.so): {}", err)};
  std::string jit_opened, jit_err;
  void* jl = open_first(candidates_for("SM121PROBE_NVJITLINK_LIBRARY", "libnvJitLink"), jit_opened, jit_err);
  if (!jl) jit_err = fmt::format("cannot load nvJitLink (libnvJitLink.so): {}", jit_err);
  auto tc = std::make_unique<dl_toolchain>(nv, jl, jit_err);
  if (!tc->usable()) return {nullptr, fmt::format("{} lacks expected NVRTC entry points", opened)};
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
