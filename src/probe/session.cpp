#include "sm121probe/probe/session.hpp"

#include "sm121probe/nvrtc/toolchain.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>

namespace sm121probe::probe {

namespace {

constexpr std::size_t kJitLogBytes = 1 << 16;

std::size_t round_up(std::size_t n, std::size_t a) { return (n + a - 1) / a * a; }

}  // namespace

session::session(cuda::driver_api& api, CUdevice device, std::span<const std::byte> img,
                 report::attempt_result& result, stage_observer* obs)
    : drv(api), dev(device), image(img), out(result), observer(obs) {}

session::~session() {
  // Best effort: after a sticky error these calls fail, which is fine.
  for (const auto& b : owned)
    if (b.memory == memory_kind::device || b.memory == memory_kind::managed) (void)drv.mem_free(b.device_address);
  for (void* p : registered) (void)drv.mem_host_unregister(p);
  for (void* p : host_blocks) std::free(p);
  if (module) (void)drv.module_unload(module);
  if (ctx_retained) {
    (void)drv.ctx_set_current(nullptr);
    (void)drv.primary_ctx_release(dev);
  }
}

void session::observe(CUresult r) {
  if (cuda::is_sticky_error(r)) poisoned = true;
}

bool session::stage(report::stage_kind kind, const std::function<stage_outcome()>& body) {
  if (observer) observer->stage_begin(kind);
  const auto t0 = std::chrono::steady_clock::now();
  stage_outcome o;
  try {
    o = body();
  } catch (const std::exception& e) {
    o = stage_outcome::failure("exception", e.what());
  }
  report::stage_result r;
  r.stage = kind;
  r.ok = o.ok;
  r.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  r.error = std::move(o.error);
  r.log = nvrtc::trim_log(o.log);
  out.stages.push_back(r);
  if (observer) observer->stage_end(out.stages.back());
  return out.stages.back().ok;
}

bool session::load(const std::string& entry) {
  return stage(report::stage_kind::load, [&]() -> stage_outcome {
    CUresult r = drv.primary_ctx_retain(&ctx, dev);
    if (r != CUDA_SUCCESS) return stage_outcome::failure(name(r), "cuDevicePrimaryCtxRetain failed");
    ctx_retained = true;
    if ((r = drv.ctx_set_current(ctx)) != CUDA_SUCCESS)
      return stage_outcome::failure(name(r), "cuCtxSetCurrent failed");
    std::string info(kJitLogBytes, '\0'), error(kJitLogBytes, '\0');
    CUjit_option opts[] = {CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES, CU_JIT_ERROR_LOG_BUFFER,
                           CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void* vals[] = {info.data(), reinterpret_cast<void*>(static_cast<std::uintptr_t>(info.size())), error.data(),
                    reinterpret_cast<void*>(static_cast<std::uintptr_t>(error.size()))};
    r = drv.module_load_data_ex(&module, image.data(), 4, opts, vals);
    observe(r);
    // The driver writes NUL-terminated text; sizes come back through the option values.
    const auto text_of = [](const std::string& buf) { return nvrtc::clean_log(buf.c_str()); };
    std::string log = text_of(error);
    const std::string info_text = text_of(info);
    if (!info_text.empty()) log += (log.empty() ? "" : "\n") + info_text;
    if (r != CUDA_SUCCESS) {
      module = nullptr;
      return stage_outcome::failure(name(r), log);
    }
    r = drv.module_get_function(&fn, module, entry.c_str());
    if (r != CUDA_SUCCESS)
      return stage_outcome::failure(name(r), fmt::format("cuModuleGetFunction('{}') failed\n{}", entry, log));
    return stage_outcome::success(log);
  });
}

CUresult session::place(const buffer& b, placed_buffer& p, std::string& what) {
  p = {};
  p.bytes = b.init.size();
  p.memory = b.memory;
  const std::size_t bytes = std::max<std::size_t>(p.bytes, 1);
  CUresult r = CUDA_SUCCESS;
  switch (b.memory) {
    case memory_kind::device:
      what = "cuMemAlloc";
      if ((r = drv.mem_alloc(&p.device_address, bytes)) != CUDA_SUCCESS) return r;
      owned.push_back(p);
      what = "cuMemcpyHtoD";
      if (p.bytes) r = drv.memcpy_htod(p.device_address, b.init.data(), p.bytes);
      observe(r);
      return r;
    case memory_kind::managed:
      what = "cuMemAllocManaged";
      if ((r = drv.mem_alloc_managed(&p.device_address, bytes, CU_MEM_ATTACH_GLOBAL)) != CUDA_SUCCESS) return r;
      owned.push_back(p);
      p.host_address = reinterpret_cast<void*>(p.device_address);
      if (p.bytes) std::memcpy(p.host_address, b.init.data(), p.bytes);
      return CUDA_SUCCESS;
    case memory_kind::pageable:
    case memory_kind::registered: {
      what = "aligned_alloc";
      void* host = std::aligned_alloc(4096, round_up(bytes, 4096));
      if (!host) return CUDA_ERROR_OUT_OF_MEMORY;
      host_blocks.push_back(host);
      if (p.bytes) std::memcpy(host, b.init.data(), p.bytes);
      p.host_address = host;
      if (b.memory == memory_kind::pageable) {
        p.device_address = reinterpret_cast<CUdeviceptr>(host);
        owned.push_back(p);
        return CUDA_SUCCESS;
      }
      what = "cuMemHostRegister";
      if ((r = drv.mem_host_register(host, round_up(bytes, 4096), CU_MEMHOSTREGISTER_DEVICEMAP)) != CUDA_SUCCESS)
        return r;
      registered.push_back(host);
      what = "cuMemHostGetDevicePointer";
      if ((r = drv.mem_host_get_device_pointer(&p.device_address, host, 0)) != CUDA_SUCCESS) return r;
      owned.push_back(p);
      return CUDA_SUCCESS;
    }
  }
  return CUDA_ERROR_INVALID_VALUE;
}

CUresult session::read_back(const placed_buffer& b, std::vector<std::byte>& data) {
  data.resize(b.bytes);
  if (b.bytes == 0) return CUDA_SUCCESS;
  if (b.memory == memory_kind::device) {
    const CUresult r = drv.memcpy_dtoh(data.data(), b.device_address, b.bytes);
    observe(r);
    return r;
  }
  std::memcpy(data.data(), b.host_address, b.bytes);
  return CUDA_SUCCESS;
}

CUresult session::launch(const launch_config& cfg, void** params) {
  CUresult r = CUDA_SUCCESS;
  if (cfg.cluster.x == 0 && cfg.cluster.y == 0 && cfg.cluster.z == 0) {
    r = drv.launch_kernel(fn, cfg.grid.x, cfg.grid.y, cfg.grid.z, cfg.block.x, cfg.block.y, cfg.block.z,
                          cfg.dynamic_smem_bytes, nullptr, params, nullptr);
  } else {
    CUlaunchAttribute attr{};
    attr.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
    attr.value.clusterDim.x = std::max(cfg.cluster.x, 1u);
    attr.value.clusterDim.y = std::max(cfg.cluster.y, 1u);
    attr.value.clusterDim.z = std::max(cfg.cluster.z, 1u);
    CUlaunchConfig lc{};
    lc.gridDimX = cfg.grid.x;
    lc.gridDimY = cfg.grid.y;
    lc.gridDimZ = cfg.grid.z;
    lc.blockDimX = cfg.block.x;
    lc.blockDimY = cfg.block.y;
    lc.blockDimZ = cfg.block.z;
    lc.sharedMemBytes = cfg.dynamic_smem_bytes;
    lc.attrs = &attr;
    lc.numAttrs = 1;
    r = drv.launch_kernel_ex(&lc, fn, params, nullptr);
  }
  observe(r);
  return r;
}

void session::record_errors(double max_abs, double max_rel, std::uint64_t mismatches) {
  out.max_abs_err = max_abs;
  out.max_rel_err = max_rel;
  out.mismatches = mismatches;
}

}  // namespace sm121probe::probe
