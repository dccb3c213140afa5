// Device mode of the doctor (device.hpp): JIT cost, memory three ways, the
// largest allocation. Everything goes through cuda::driver_api.
#include "sm121probe/doctor/device.hpp"

#include "sm121probe/report/doctor_render.hpp"

#include <dlfcn.h>
#include <fmt/format.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace sm121probe::doctor {

namespace {

using clock_type = std::chrono::steady_clock;
double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0).count();
}

// NVML through dlopen: the few entry points needed, with NVML's own types spelled out
// (nvml.h is not part of the CUDA toolkit on every platform).
struct nvml_memory_t {
  unsigned long long total, free, used;
};
using nvml_init_fn = int (*)();
using nvml_shutdown_fn = int (*)();
using nvml_handle_fn = int (*)(unsigned, void**);
using nvml_memory_fn = int (*)(void*, nvml_memory_t*);
using nvml_error_fn = const char* (*)(int);

std::string nvml_name(int rc) {
  switch (rc) {
    case 0: return "ok";
    case 1: return "UNINITIALIZED";
    case 2: return "INVALID_ARGUMENT";
    case 3: return "NOT_SUPPORTED";
    case 4: return "NO_PERMISSION";
    case 6: return "NOT_FOUND";
    case 9: return "DRIVER_NOT_LOADED";
    case 12: return "LIB_RM_VERSION_MISMATCH";
    case 999: return "UNKNOWN";
    default: return fmt::format("error {}", rc);
  }
}

class dl_nvml final : public nvml_api {
 public:
  explicit dl_nvml(void* lib) : m_lib(lib) {
    m_init = reinterpret_cast<nvml_init_fn>(::dlsym(lib, "nvmlInit_v2"));
    m_shutdown = reinterpret_cast<nvml_shutdown_fn>(::dlsym(lib, "nvmlShutdown"));
    m_handle = reinterpret_cast<nvml_handle_fn>(::dlsym(lib, "nvmlDeviceGetHandleByIndex_v2"));
    m_memory = reinterpret_cast<nvml_memory_fn>(::dlsym(lib, "nvmlDeviceGetMemoryInfo"));
  }
  ~dl_nvml() override {
    if (m_inited && m_shutdown) m_shutdown();
  }
  dl_nvml(const dl_nvml&) = delete;
  dl_nvml& operator=(const dl_nvml&) = delete;
  std::string memory_info(int ordinal, std::uint64_t& free_bytes, std::uint64_t& total_bytes) override {
    if (!m_init || !m_handle || !m_memory) return "entry points missing";
    if (!m_inited) {
      if (const int rc = m_init(); rc != 0) return nvml_name(rc);
      m_inited = true;
    }
    void* dev = nullptr;
    if (const int rc = m_handle(static_cast<unsigned>(ordinal), &dev); rc != 0) return nvml_name(rc);
    nvml_memory_t mem{};
    if (const int rc = m_memory(dev, &mem); rc != 0) return nvml_name(rc);
    free_bytes = mem.free;
    total_bytes = mem.total;
    return "ok";
  }

 private:
  void* m_lib;
  bool m_inited = false;
  nvml_init_fn m_init = nullptr;
  nvml_shutdown_fn m_shutdown = nullptr;
  nvml_handle_fn m_handle = nullptr;
  nvml_memory_fn m_memory = nullptr;
};

/// MemAvailable and MemTotal in bytes from a /proc/meminfo-style file.
void read_meminfo(const std::string& path, memory_view& m) {
  std::ifstream f(path);
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream ls(line);
    if (!(ls >> key >> kib)) continue;
    if (key == "MemAvailable:") m.meminfo_available = kib * 1024;
    else if (key == "MemTotal:") m.meminfo_total = kib * 1024;
  }
}

void measure_jit(cuda::driver_api& api, const device_options& o, const gpu_arch& cc, device_record& d) {
  if (!o.tools) {
    d.jit.error = "NVRTC not available: JIT cost not measured";
    return;
  }
  // A kernel no cache has seen: the salt changes every run.
  const auto salt = static_cast<unsigned long long>(clock_type::now().time_since_epoch().count());
  const std::string src = fmt::format(
      "extern \"C\" __global__ void sm121probe_jit(float* p, int n) {{\n"
      "  int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
      "  float x = {}ull % 977;\n"
      "  for (int k = 0; k < 64; ++k) x = x * 1.0001f + __sinf(x);\n"
      "  if (i < n) p[i] = x;\n}}\n",
      salt);
  const auto cubin = o.tools->compile({"sm121probe_doctor_jit.cu", src, sass_name(cc), {}, {}});
  const auto ptx = o.tools->compile({"sm121probe_doctor_jit.cu", src, ptx_name(cc), {}, {}});
  if (!cubin.ok || !ptx.ok) {
    d.jit.error = fmt::format("NVRTC could not compile the test kernel for {}: {}", sass_name(cc),
                              nvrtc::first_error_line(cubin.ok ? ptx.log : cubin.log));
    return;
  }
  const auto load = [&](const std::vector<std::byte>& image, std::optional<double>& ms) {
    CUmodule mod = nullptr;
    const auto t0 = clock_type::now();
    const CUresult rc = api.module_load_data_ex(&mod, image.data(), 0, nullptr, nullptr);
    const double t = ms_since(t0);
    if (rc != CUDA_SUCCESS) {
      if (d.jit.error.empty()) d.jit.error = fmt::format("cuModuleLoadDataEx: {}", cuda::error_name(&api, rc));
      return;
    }
    ms = t;
    (void)api.module_unload(mod);
  };
  load(cubin.image, d.jit.cubin_ms);
  load(ptx.image, d.jit.ptx_cold_ms);
  load(ptx.image, d.jit.ptx_warm_ms);
}

void largest_allocation(cuda::driver_api& api, const device_options& o, device_record& d) {
  std::uint64_t hi = o.allocation_limit ? o.allocation_limit : d.memory.cuda_total.value_or(0);
  d.memory.allocation_limit = hi;
  if (hi == 0) return;
  const auto try_alloc = [&](std::uint64_t bytes) {
    CUdeviceptr p = 0;
    if (api.mem_alloc(&p, static_cast<std::size_t>(bytes)) != CUDA_SUCCESS) return false;
    (void)api.mem_free(p);
    return true;
  };
  if (try_alloc(hi)) {
    d.memory.largest_allocation = hi;
    return;
  }
  std::uint64_t lo = 0;  // largest known to succeed
  for (int i = 0; i < o.allocation_steps && hi - lo > 1; ++i) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (try_alloc(mid)) lo = mid;
    else hi = mid;
  }
  if (lo > 0) d.memory.largest_allocation = lo;
}

}  // namespace

std::unique_ptr<nvml_api> load_nvml(std::string& error) {
  void* lib = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    error = "libnvidia-ml.so.1 not found";
    return nullptr;
  }
  return std::make_unique<dl_nvml>(lib);
}

device_record measure_device(cuda::driver_api& api, const device_options& o) {
  device_record d;
  const auto fail = [&](std::string_view what, CUresult rc) {
    d.error = fmt::format("{}: {}", what, cuda::error_name(&api, rc));
    return d;
  };
  if (const CUresult rc = api.init(0); rc != CUDA_SUCCESS) return fail("cuInit", rc);
  int version = 0;
  if (api.driver_get_version(&version) == CUDA_SUCCESS) d.driver_cuda = to_string(cuda_version::from_int(version));
  CUdevice dev = 0;
  if (const CUresult rc = api.device_get(&dev, o.ordinal); rc != CUDA_SUCCESS) return fail("cuDeviceGet", rc);
  char name[256] = {};
  if (api.device_get_name(name, sizeof name, dev) == CUDA_SUCCESS) d.name = name;
  int major = 0, minor = 0;
  (void)api.device_get_attribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
  (void)api.device_get_attribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
  d.cc = fmt::format("{}.{}", major, minor);
  CUcontext ctx = nullptr;
  if (const CUresult rc = api.primary_ctx_retain(&ctx, dev); rc != CUDA_SUCCESS) return fail("cuDevicePrimaryCtxRetain", rc);
  if (const CUresult rc = api.ctx_set_current(ctx); rc != CUDA_SUCCESS) {
    (void)api.primary_ctx_release(dev);
    return fail("cuCtxSetCurrent", rc);
  }
  std::size_t free_b = 0, total_b = 0;
  if (api.mem_get_info(&free_b, &total_b) == CUDA_SUCCESS) {
    d.memory.cuda_free = free_b;
    d.memory.cuda_total = total_b;
  }
  read_meminfo(o.meminfo_path, d.memory);
  if (o.nvml) {
    std::uint64_t nf = 0, nt = 0;
    d.memory.nvml_status = o.nvml->memory_info(o.ordinal, nf, nt);
    if (d.memory.nvml_status == "ok") {
      d.memory.nvml_free = nf;
      d.memory.nvml_total = nt;
    }
  } else {
    d.memory.nvml_status = o.nvml_error;
  }
  measure_jit(api, o, gpu_arch{major, minor}, d);
  largest_allocation(api, o, d);
  (void)api.primary_ctx_release(dev);
  return d;
}

void add_device_findings(const device_record& d, doctor_report& r) {
  const auto add = [&](std::string_view id, severity level, std::string summary, std::string observed, std::string why,
                       std::string fix) {
    r.findings.push_back({std::string(id), level, std::move(summary), std::move(observed), std::move(why), std::move(fix)});
  };
  const auto gib = [](std::uint64_t b) { return fmt::format("{:.1f} GiB", static_cast<double>(b) / (1ull << 30)); };
  if (!d.error.empty())
    add("device.error", severity::warn, "Device mode could not finish", d.error,
        "The device facts below are incomplete.", "");
  if (d.memory.nvml_status == "NOT_SUPPORTED")
    add("device.nvml-memory-not-supported", severity::info,
        "NVML reports NOT_SUPPORTED for memory on this device (unified memory: no framebuffer figures)",
        "nvmlDeviceGetMemoryInfo: NOT_SUPPORTED", 
        "nvidia-smi shows no memory figures and tools that ask NVML for free memory (monitors, Kubernetes device "
        "plugins, start-up checks) fail or report nothing; use cuMemGetInfo or /proc/meminfo instead.",
        "");
  if (d.memory.cuda_free && d.memory.meminfo_available &&
      static_cast<double>(*d.memory.cuda_free) < 0.9 * static_cast<double>(*d.memory.meminfo_available) &&
      d.memory.meminfo_total && d.memory.cuda_total &&
      static_cast<double>(*d.memory.cuda_total) > 0.5 * static_cast<double>(*d.memory.meminfo_total))
    add("device.cuda-free-below-available", severity::warn,
        fmt::format("cuMemGetInfo says {} free, the system has {} available", gib(*d.memory.cuda_free),
                    gib(*d.memory.meminfo_available)),
        fmt::format("cuMemGetInfo: free {} of {}\n/proc/meminfo: MemAvailable {} of {}{}", gib(*d.memory.cuda_free),
                    gib(d.memory.cuda_total.value_or(0)), gib(*d.memory.meminfo_available),
                    gib(d.memory.meminfo_total.value_or(0)),
                    d.memory.largest_allocation ? fmt::format("\nlargest single cuMemAlloc: {}", gib(*d.memory.largest_allocation)) : ""),
        "On unified memory cuMemGetInfo does not count reclaimable page cache, so start-up checks that compare it "
        "with a memory fraction (vLLM's gpu_memory_utilization) refuse to start although the memory can be had.",
        "sync; echo 3 | sudo tee /proc/sys/vm/drop_caches  # or lower the framework's memory fraction");
  std::uint64_t jit_modules = 0;
  std::string jit_owner;
  for (const auto& p : r.packages)
    if (p.jit_modules > 0) {
      jit_modules += p.jit_modules;
      jit_owner += (jit_owner.empty() ? "" : ", ") + fmt::format("{} {}", p.name, p.jit_modules);
    }
  if (d.jit.ptx_cold_ms && d.jit.cubin_ms)
    add("device.ptx-jit-cost", severity::info,
        fmt::format("Loading a small kernel: cubin {:.1f} ms, PTX (JIT) {:.1f} ms cold, {:.1f} ms again{}", *d.jit.cubin_ms,
                    *d.jit.ptx_cold_ms, d.jit.ptx_warm_ms.value_or(0.0),
                    jit_modules == 0 ? std::string()
                                     : fmt::format("; first launch of the environment's {} PTX-only modules: at least "
                                                   "{:.1f} s with a cold cache",
                                                   jit_modules,
                                                   static_cast<double>(jit_modules) * *d.jit.ptx_cold_ms / 1000.0)),
        fmt::format("cubin {:.2f} ms; PTX first load {:.2f} ms; PTX second load {}{}", *d.jit.cubin_ms, *d.jit.ptx_cold_ms,
                    d.jit.ptx_warm_ms ? fmt::format("{:.2f} ms", *d.jit.ptx_warm_ms) : std::string("-"),
                    jit_modules == 0 ? std::string()
                                     : fmt::format("\nPTX-only modules (scan): {}; estimate = modules x the cold "
                                                   "figure for one small kernel (a lower bound: real modules are larger)",
                                                   jit_owner)),
        "Every PTX-only kernel of a library costs about the cold figure at first use (more for large kernels); "
        "the JIT cache brings later runs near the warm figure.",
        "");
}

int device_child(int ordinal, const nvrtc::toolchain_options& toolkit, std::string& out) {
  auto drv = cuda::load_driver();
  device_record d;
  if (!drv.api) {
    d.error = drv.error;
  } else {
    std::string nvml_error;
    auto nvml = load_nvml(nvml_error);
    auto tools = nvrtc::load_toolchain(toolkit);
    device_options o;
    o.ordinal = ordinal;
    o.nvml = nvml.get();
    o.nvml_error = nvml_error;
    o.tools = tools.tools.get();
    d = measure_device(*drv.api, o);
  }
  out = report::doctor_device_to_json(d).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  return 0;
}

}  // namespace sm121probe::doctor
