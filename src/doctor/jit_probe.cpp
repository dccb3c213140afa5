// The child side of the NVRTC / nvJitLink checks: `sm121-probe __doctor
// nvrtc|nvjitlink LIB TARGET...` loads exactly that library (in its own
// process, so libraries of different releases never meet) and compiles a tiny
// program for each target, printing one JSON object.
#include "sm121probe/doctor/audit.hpp"
#include "sm121probe/nvrtc/nvjitlink_api.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <nvJitLink.h>
#include <nvrtc.h>

#include <algorithm>
#include <regex>
#include <vector>

namespace sm121probe::doctor {

namespace {

constexpr const char* tiny_cu =
    "extern \"C\" __global__ void sm121probe_doctor(int* p) { p[threadIdx.x] = 121; }\n";

// Plain compute_80 PTX: every nvJitLink since CUDA 11.x links it for any later target.
constexpr const char* tiny_ptx =
    ".version 7.0\n.target sm_80\n.address_size 64\n"
    ".visible .entry sm121probe_doctor(.param .u64 p)\n{\n"
    "  .reg .b64 %rd<3>;\n  .reg .b32 %r<2>;\n"
    "  ld.param.u64 %rd1, [p];\n  cvta.to.global.u64 %rd2, %rd1;\n"
    "  mov.u32 %r1, 121;\n  st.global.u32 [%rd2], %r1;\n  ret;\n}\n";

std::string clean(std::string s) {
  std::replace(s.begin(), s.end(), '\0', '\n');
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.size() > 2000) s = s.substr(0, 2000) + "\n[... cut]";
  return s;
}

template <typename F>
F sym(void* lib, const char* name) {
  return reinterpret_cast<F>(::dlsym(lib, name));
}

int nvrtc_child(void* lib, const std::vector<std::string>& targets, nlohmann::ordered_json& j) {
  auto version = sym<decltype(&nvrtcVersion)>(lib, "nvrtcVersion");
  auto create = sym<decltype(&nvrtcCreateProgram)>(lib, "nvrtcCreateProgram");
  auto compile = sym<decltype(&nvrtcCompileProgram)>(lib, "nvrtcCompileProgram");
  auto destroy = sym<decltype(&nvrtcDestroyProgram)>(lib, "nvrtcDestroyProgram");
  auto log_size = sym<decltype(&nvrtcGetProgramLogSize)>(lib, "nvrtcGetProgramLogSize");
  auto get_log = sym<decltype(&nvrtcGetProgramLog)>(lib, "nvrtcGetProgramLog");
  auto ptx_size = sym<decltype(&nvrtcGetPTXSize)>(lib, "nvrtcGetPTXSize");
  auto get_ptx = sym<decltype(&nvrtcGetPTX)>(lib, "nvrtcGetPTX");
  auto err_string = sym<decltype(&nvrtcGetErrorString)>(lib, "nvrtcGetErrorString");
  if (!version || !create || !compile || !destroy || !log_size || !get_log || !ptx_size || !get_ptx || !err_string) {
    j["error"] = "the library lacks NVRTC entry points";
    return 1;
  }
  int major = 0, minor = 0;
  if (version(&major, &minor) == NVRTC_SUCCESS) j["version"] = fmt::format("{}.{}", major, minor);
  // One compile: returns ok, the log (or error string), and the PTX when asked.
  const auto run = [&](const std::string& arch, std::string* ptx) {
    nvrtcProgram prog = nullptr;
    std::pair<bool, std::string> out{false, {}};
    if (const auto rc = create(&prog, tiny_cu, "sm121probe_doctor.cu", 0, nullptr, nullptr); rc != NVRTC_SUCCESS) {
      out.second = err_string(rc);
      return out;
    }
    const std::string opt = "--gpu-architecture=" + arch;
    const char* opts[] = {opt.c_str()};
    const auto rc = compile(prog, 1, opts);
    std::size_t n = 0;
    std::string log;
    if (log_size(prog, &n) == NVRTC_SUCCESS && n > 1) {
      log.resize(n);
      if (get_log(prog, log.data()) != NVRTC_SUCCESS) log.clear();
    }
    out.first = rc == NVRTC_SUCCESS;
    out.second = clean(log.empty() && !out.first ? std::string(err_string(rc)) : log);
    if (out.first && ptx && ptx_size(prog, &n) == NVRTC_SUCCESS) {
      ptx->resize(n);
      if (get_ptx(prog, ptx->data()) != NVRTC_SUCCESS) ptx->clear();
    }
    destroy(&prog);
    return out;
  };
  auto arr = nlohmann::ordered_json::array();
  std::string ptx_arch;
  for (const auto& t : targets) {
    const auto [ok, log] = run(t, nullptr);
    arr.push_back({{"target", t}, {"accepted", ok}, {"message", log}});
    if (ok && ptx_arch.empty() && t.rfind("sm_", 0) == 0) ptx_arch = "compute_" + t.substr(3);
  }
  j["targets"] = std::move(arr);
  // The PTX ISA this NVRTC emits (what a library hands to the driver's JIT).
  std::string ptx;
  if (ptx_arch.empty() || !run(ptx_arch, &ptx).first) run("compute_80", &ptx);
  static const std::regex ver(R"(\.version\s+(\d+\.\d+))");
  std::smatch m;
  if (std::regex_search(ptx, m, ver)) j["ptx_isa"] = m[1].str();
  return 0;
}

int nvjitlink_child(void* lib, const std::vector<std::string>& targets, nlohmann::ordered_json& j) {
  // By the names of the library's own release (nvjitlink_api.hpp), not of the header built against.
  const nvrtc::nvjitlink_api api = nvrtc::resolve_nvjitlink(lib);
  if (!api.usable()) {
    j["error"] = "the library lacks nvJitLink entry points";
    return 1;
  }
  unsigned major = 0, minor = 0;
  if (api.version && api.version(&major, &minor) == NVJITLINK_SUCCESS) j["version"] = fmt::format("{}.{}", major, minor);
  auto arr = nlohmann::ordered_json::array();
  for (const auto& t : targets) {
    const std::string opt = "-arch=" + t;
    const char* opts[] = {opt.c_str()};
    nvJitLinkHandle h = nullptr;
    auto rc = api.create(&h, 1, opts);
    std::string log;
    if (rc == NVJITLINK_SUCCESS) {
      rc = api.add_data(h, NVJITLINK_INPUT_PTX, tiny_ptx, std::char_traits<char>::length(tiny_ptx) + 1,
                        "sm121probe_doctor.ptx");
      if (rc == NVJITLINK_SUCCESS) rc = api.complete(h);
      std::size_t n = 0;
      if (rc != NVJITLINK_SUCCESS && api.error_log_size(h, &n) == NVJITLINK_SUCCESS && n > 1) {
        log.resize(n);
        if (api.error_log(h, log.data()) != NVJITLINK_SUCCESS) log.clear();
      }
      api.destroy(&h);
    }
    if (rc != NVJITLINK_SUCCESS && log.empty()) log = fmt::format("nvJitLink error {}", static_cast<int>(rc));
    arr.push_back({{"target", t}, {"accepted", rc == NVJITLINK_SUCCESS}, {"message", clean(log)}});
  }
  j["targets"] = std::move(arr);
  return 0;
}

}  // namespace

int jit_library_child(const std::string& kind, const std::string& library, const std::vector<std::string>& targets,
                      std::string& out) {
  nlohmann::ordered_json j;
  j["library"] = library;
  int rc = 1;
  void* lib = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char* e = ::dlerror();
    j["error"] = fmt::format("cannot load: {}", e ? e : "dlopen failed");
  } else if (kind == "nvrtc") {
    rc = nvrtc_child(lib, targets, j);
  } else if (kind == "nvjitlink") {
    rc = nvjitlink_child(lib, targets, j);
  } else {
    j["error"] = "unknown library kind " + kind;
  }
  out = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  return rc;
}

}  // namespace sm121probe::doctor
