#pragma once
// Test double of the CUDA driver: one (or no) simulated device with host-backed
// "device" memory. Loads, launches and synchronisation are scripted by the test.

#include "sm121probe/cuda/driver_api.hpp"

#include <array>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sm121probe::testing {

class fake_driver final : public cuda::driver_api {
 public:
  // --- configuration ----------------------------------------------------------
  int device_count = 1;
  int cc_major = 12, cc_minor = 1;
  std::string name = "Fake GB10";
  std::map<CUdevice_attribute, int> attrs = {
      {CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, 48}, {CU_DEVICE_ATTRIBUTE_WARP_SIZE, 32},
      {CU_DEVICE_ATTRIBUTE_INTEGRATED, 1},            {CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH, 1},
      {CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, 101376},
  };
  std::size_t free_mem = 4ull << 30, total_mem = 128ull << 30;
  /// cuMemAlloc of more than this many bytes fails with CUDA_ERROR_OUT_OF_MEMORY.
  std::size_t alloc_limit = ~std::size_t{0};
  CUresult init_result = CUDA_SUCCESS;

  /// Decides the result of loading an image (default: success). `is_ptx` is
  /// true for PTX text, false for an ELF cubin.
  std::function<CUresult(bool is_ptx)> on_load = [](bool) { return CUDA_SUCCESS; };
  /// Runs a "kernel": may read and write memory through buffer(). Default: does nothing.
  std::function<CUresult(fake_driver&, const std::string& entry, void** params)> on_launch =
      [](fake_driver&, const std::string&, void**) { return CUDA_SUCCESS; };
  CUresult sync_result = CUDA_SUCCESS;

  // --- observation --------------------------------------------------------------
  int loads = 0, launches = 0, cluster_launches = 0;
  std::vector<bool> loaded_ptx;  // per load: was it PTX?

  /// The host bytes behind a fake device address (start of an allocation).
  std::vector<std::byte>& buffer(CUdeviceptr p) { return memory.at(p); }
  /// The device address passed as kernel parameter `i`.
  static CUdeviceptr param_ptr(void** params, int i) {
    CUdeviceptr p;
    std::memcpy(&p, params[i], sizeof p);
    return p;
  }

  // --- driver_api -----------------------------------------------------------------
  CUresult init(unsigned) override { return init_result; }
  CUresult driver_get_version(int* v) override {
    *v = 13000;
    return CUDA_SUCCESS;
  }
  CUresult get_error_name(CUresult, const char**) override { return CUDA_ERROR_NOT_SUPPORTED; }
  CUresult get_error_string(CUresult, const char**) override { return CUDA_ERROR_NOT_SUPPORTED; }
  CUresult device_get_count(int* c) override {
    *c = device_count;
    return CUDA_SUCCESS;
  }
  CUresult device_get(CUdevice* d, int ordinal) override {
    if (ordinal >= device_count) return CUDA_ERROR_INVALID_DEVICE;
    *d = ordinal;
    return CUDA_SUCCESS;
  }
  CUresult device_get_name(char* n, int len, CUdevice) override {
    std::strncpy(n, name.c_str(), static_cast<std::size_t>(len));
    return CUDA_SUCCESS;
  }
  CUresult device_get_uuid(CUuuid* u, CUdevice) override {
    for (int i = 0; i < 16; ++i) u->bytes[i] = static_cast<char>(0x10 + i);
    return CUDA_SUCCESS;
  }
  CUresult device_get_pci_bus_id(char* b, int len, CUdevice) override {
    std::strncpy(b, "0000:0f:00.0", static_cast<std::size_t>(len));
    return CUDA_SUCCESS;
  }
  CUresult device_total_mem(std::size_t* b, CUdevice) override {
    *b = total_mem;
    return CUDA_SUCCESS;
  }
  CUresult device_get_attribute(int* v, CUdevice_attribute a, CUdevice) override {
    if (a == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR) *v = cc_major;
    else if (a == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR) *v = cc_minor;
    else if (auto it = attrs.find(a); it != attrs.end()) *v = it->second;
    else *v = 0;
    return CUDA_SUCCESS;
  }
  CUresult primary_ctx_retain(CUcontext* c, CUdevice) override {
    *c = reinterpret_cast<CUcontext>(&ctx_token);
    return CUDA_SUCCESS;
  }
  CUresult primary_ctx_release(CUdevice) override { return CUDA_SUCCESS; }
  CUresult ctx_set_current(CUcontext) override { return CUDA_SUCCESS; }
  CUresult ctx_synchronize() override { return sync_result; }
  CUresult mem_get_info(std::size_t* f, std::size_t* t) override {
    *f = free_mem;
    *t = total_mem;
    return CUDA_SUCCESS;
  }
  CUresult mem_alloc(CUdeviceptr* p, std::size_t bytes) override {
    if (bytes > alloc_limit) return CUDA_ERROR_OUT_OF_MEMORY;
    *p = next_address;
    next_address += (bytes + 255) / 256 * 256 + 256;
    memory[*p].assign(bytes, std::byte{0xAB});  // garbage, like real uninitialised memory
    return CUDA_SUCCESS;
  }
  CUresult mem_alloc_managed(CUdeviceptr* p, std::size_t bytes, unsigned) override {
    managed.push_back(std::make_unique<std::byte[]>(bytes));
    *p = reinterpret_cast<CUdeviceptr>(managed.back().get());
    return CUDA_SUCCESS;
  }
  CUresult mem_free(CUdeviceptr p) override {
    memory.erase(p);
    return CUDA_SUCCESS;
  }
  CUresult mem_host_register(void*, std::size_t, unsigned) override { return host_register_result; }
  CUresult mem_host_unregister(void*) override { return CUDA_SUCCESS; }
  CUresult mem_host_get_device_pointer(CUdeviceptr* d, void* h, unsigned) override {
    *d = reinterpret_cast<CUdeviceptr>(h);
    return CUDA_SUCCESS;
  }
  CUresult memcpy_htod(CUdeviceptr d, const void* s, std::size_t b) override {
    auto& m = memory.at(d);
    std::memcpy(m.data(), s, b);
    return CUDA_SUCCESS;
  }
  CUresult memcpy_dtoh(void* d, CUdeviceptr s, std::size_t b) override {
    std::memcpy(d, memory.at(s).data(), b);
    return CUDA_SUCCESS;
  }
  CUresult memset_d8(CUdeviceptr d, unsigned char v, std::size_t b) override {
    std::memset(memory.at(d).data(), v, b);
    return CUDA_SUCCESS;
  }
  CUresult module_load_data_ex(CUmodule* m, const void* image, unsigned n, CUjit_option* opts,
                               void** vals) override {
    ++loads;
    const auto* bytes = static_cast<const unsigned char*>(image);
    const bool is_ptx = !(bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F');
    loaded_ptx.push_back(is_ptx);
    const CUresult r = on_load(is_ptx);
    // Write a JIT log the way the driver does, into the error or info buffer.
    for (unsigned i = 0; i < n; ++i) {
      if ((r != CUDA_SUCCESS && opts[i] == CU_JIT_ERROR_LOG_BUFFER) ||
          (r == CUDA_SUCCESS && opts[i] == CU_JIT_INFO_LOG_BUFFER))
        std::strcpy(static_cast<char*>(vals[i]), r != CUDA_SUCCESS ? "fake: no image for this GPU" : "");
    }
    if (r == CUDA_SUCCESS) *m = reinterpret_cast<CUmodule>(&module_token);
    return r;
  }
  CUresult module_unload(CUmodule) override { return CUDA_SUCCESS; }
  CUresult module_get_function(CUfunction* f, CUmodule, const char* entry) override {
    entries.emplace_back(std::make_unique<std::string>(entry));
    *f = reinterpret_cast<CUfunction>(entries.back().get());
    return CUDA_SUCCESS;
  }
  CUresult func_get_attribute(int* v, CUfunction_attribute, CUfunction) override {
    *v = 0;
    return CUDA_SUCCESS;
  }
  CUresult func_set_attribute(CUfunction, CUfunction_attribute a, int v) override {
    func_attributes_set.emplace_back(a, v);
    if (on_func_set_attribute) return on_func_set_attribute(a, v);
    return func_attribute_result;
  }
  CUresult launch_kernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                         unsigned shared_bytes, CUstream, void** params, void**) override {
    ++launches;
    const std::string& entry = *reinterpret_cast<std::string*>(f);
    launch_log.push_back({entry, {gx, gy, gz}, {bx, by, bz}, shared_bytes, {0, 0, 0}});
    if (on_launch_config)
      if (const CUresult r = on_launch_config(launch_log.back()); r != CUDA_SUCCESS) return r;
    return on_launch(*this, entry, params);
  }
  CUresult launch_kernel_ex(const CUlaunchConfig* cfg, CUfunction f, void** params, void**) override {
    ++launches;
    ++cluster_launches;
    const std::string& entry = *reinterpret_cast<std::string*>(f);
    launch_record rec{entry, {cfg->gridDimX, cfg->gridDimY, cfg->gridDimZ},
                      {cfg->blockDimX, cfg->blockDimY, cfg->blockDimZ}, cfg->sharedMemBytes, {0, 0, 0}};
    for (unsigned i = 0; i < cfg->numAttrs; ++i)
      if (cfg->attrs[i].id == CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION)
        rec.cluster = {cfg->attrs[i].value.clusterDim.x, cfg->attrs[i].value.clusterDim.y,
                       cfg->attrs[i].value.clusterDim.z};
    launch_log.push_back(rec);
    if (cluster_launch_result != CUDA_SUCCESS) return cluster_launch_result;
    if (on_launch_config)
      if (const CUresult r = on_launch_config(launch_log.back()); r != CUDA_SUCCESS) return r;
    return on_launch(*this, entry, params);
  }
  CUresult occupancy_max_active_clusters(int* n, CUfunction, const CUlaunchConfig* cfg) override {
    if (on_max_active_clusters) {
      unsigned size = 1;
      for (unsigned i = 0; i < cfg->numAttrs; ++i)
        if (cfg->attrs[i].id == CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION) size = cfg->attrs[i].value.clusterDim.x;
      return on_max_active_clusters(size, n);
    }
    *n = max_active_clusters;
    return CUDA_SUCCESS;
  }
  CUresult tensor_map_encode_tiled(CUtensorMap*, CUtensorMapDataType type, cuuint32_t rank, void* address,
                                   const cuuint64_t* dims, const cuuint64_t* strides, const cuuint32_t* box,
                                   const cuuint32_t*, CUtensorMapInterleave, CUtensorMapSwizzle,
                                   CUtensorMapL2promotion, CUtensorMapFloatOOBfill oob) override {
    tensor_map_record rec;
    rec.type = type;
    rec.address = address;
    rec.oob_fill = oob;
    for (cuuint32_t i = 0; i < rank; ++i) {
      rec.dims.push_back(dims[i]);
      rec.box.push_back(box[i]);
      if (i + 1 < rank) rec.strides.push_back(strides[i]);
    }
    tensor_maps.push_back(rec);
    return tensor_map_result;
  }

  // --- CUDA events (bench): a scripted clock ---------------------------------------
  /// Answers each cuEventElapsedTime call (the start and end events as
  /// created, counting from 0). Default: 1 ms.
  std::function<float(int start_event, int end_event)> on_elapsed = [](int, int) { return 1.0f; };
  CUresult event_result = CUDA_SUCCESS;  ///< returned by every event call
  int events_created = 0, events_recorded = 0, events_destroyed = 0, elapsed_queries = 0;
  CUresult event_create(CUevent* e, unsigned) override {
    if (event_result != CUDA_SUCCESS) return event_result;
    event_ids.push_back(std::make_unique<int>(events_created++));
    *e = reinterpret_cast<CUevent>(event_ids.back().get());
    return CUDA_SUCCESS;
  }
  CUresult event_record(CUevent, CUstream) override {
    ++events_recorded;
    return event_result;
  }
  CUresult event_synchronize(CUevent) override { return event_result; }
  CUresult event_elapsed_time(float* ms, CUevent a, CUevent b) override {
    if (event_result != CUDA_SUCCESS) return event_result;
    ++elapsed_queries;
    *ms = on_elapsed(*reinterpret_cast<int*>(a), *reinterpret_cast<int*>(b));
    return CUDA_SUCCESS;
  }
  CUresult event_destroy(CUevent) override {
    ++events_destroyed;
    return CUDA_SUCCESS;
  }

  CUresult host_register_result = CUDA_SUCCESS;
  CUresult func_attribute_result = CUDA_SUCCESS;
  CUresult cluster_launch_result = CUDA_SUCCESS;
  CUresult tensor_map_result = CUDA_SUCCESS;
  int max_active_clusters = 1;

  // --- additions for the architecture-feature probes ---------------------------------
  /// One kernel launch as the driver saw it (cluster all zero for cuLaunchKernel).
  struct launch_record {
    std::string entry;
    std::array<unsigned, 3> grid{}, block{};
    unsigned shared_bytes = 0;
    std::array<unsigned, 3> cluster{};
  };
  std::vector<launch_record> launch_log;
  /// When set, decides whether a launch with this configuration is accepted
  /// (checked after cluster_launch_result, before on_launch runs the "kernel").
  std::function<CUresult(const launch_record&)> on_launch_config;
  /// When set, answers cuOccupancyMaxActiveClusters for a cluster size (x) instead of max_active_clusters.
  std::function<CUresult(unsigned cluster_size, int* clusters)> on_max_active_clusters;
  /// When set, answers cuFuncSetAttribute instead of func_attribute_result.
  std::function<CUresult(CUfunction_attribute, int)> on_func_set_attribute;
  std::vector<std::pair<CUfunction_attribute, int>> func_attributes_set;  ///< every cuFuncSetAttribute call
  /// Arguments of every cuTensorMapEncodeTiled call.
  struct tensor_map_record {
    CUtensorMapDataType type{};
    void* address = nullptr;
    std::vector<cuuint64_t> dims, strides;
    std::vector<cuuint32_t> box;
    CUtensorMapFloatOOBfill oob_fill{};
  };
  std::vector<tensor_map_record> tensor_maps;

 private:
  int ctx_token = 0, module_token = 0;
  CUdeviceptr next_address = 0x100000000ull;
  std::map<CUdeviceptr, std::vector<std::byte>> memory;
  std::vector<std::unique_ptr<std::byte[]>> managed;
  std::vector<std::unique_ptr<std::string>> entries;
  std::vector<std::unique_ptr<int>> event_ids;
};

}  // namespace sm121probe::testing
