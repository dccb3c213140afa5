// The real driver: libcuda.so.1 opened with dlopen at run time. Each method is
// a direct call through a resolved function pointer; this thin layer is the
// only code the tests cannot exercise (they use a double of driver_api).
#include "sm121probe/cuda/driver_api.hpp"
#include "sm121probe/util/dl.hpp"

#include <dlfcn.h>

#include <fmt/format.h>

namespace sm121probe::cuda {

namespace {

#define SM121_DRIVER_FN(member, symbol, api) SM121PROBE_DL_FUNCTION(lib, member, symbol, api)
#define SM121_CALL(member, ...) (member ? member(__VA_ARGS__) : CUDA_ERROR_NOT_SUPPORTED)

class real_driver final : public driver_api {
 public:
  explicit real_driver(void* handle) : lib(handle) {}
  ~real_driver() override = default;  // never dlclose: the driver keeps threads and atexit hooks
  real_driver(const real_driver&) = delete;
  real_driver& operator=(const real_driver&) = delete;

  [[nodiscard]] bool usable() const { return p_init && p_driver_get_version && p_device_get_count; }

  CUresult init(unsigned flags) override { return SM121_CALL(p_init, flags); }
  CUresult driver_get_version(int* v) override { return SM121_CALL(p_driver_get_version, v); }
  CUresult get_error_name(CUresult e, const char** n) override { return SM121_CALL(p_get_error_name, e, n); }
  CUresult get_error_string(CUresult e, const char** s) override { return SM121_CALL(p_get_error_string, e, s); }
  CUresult device_get_count(int* c) override { return SM121_CALL(p_device_get_count, c); }
  CUresult device_get(CUdevice* d, int ordinal) override { return SM121_CALL(p_device_get, d, ordinal); }
  CUresult device_get_name(char* n, int len, CUdevice d) override { return SM121_CALL(p_device_get_name, n, len, d); }
  CUresult device_get_uuid(CUuuid* u, CUdevice d) override { return SM121_CALL(p_device_get_uuid, u, d); }
  CUresult device_get_pci_bus_id(char* b, int len, CUdevice d) override {
    return SM121_CALL(p_device_get_pci_bus_id, b, len, d);
  }
  CUresult device_total_mem(std::size_t* b, CUdevice d) override { return SM121_CALL(p_device_total_mem, b, d); }
  CUresult device_get_attribute(int* v, CUdevice_attribute a, CUdevice d) override {
    return SM121_CALL(p_device_get_attribute, v, a, d);
  }
  CUresult primary_ctx_retain(CUcontext* c, CUdevice d) override { return SM121_CALL(p_primary_ctx_retain, c, d); }
  CUresult primary_ctx_release(CUdevice d) override { return SM121_CALL(p_primary_ctx_release, d); }
  CUresult ctx_set_current(CUcontext c) override { return SM121_CALL(p_ctx_set_current, c); }
  CUresult ctx_synchronize() override { return SM121_CALL(p_ctx_synchronize); }
  CUresult mem_get_info(std::size_t* f, std::size_t* t) override { return SM121_CALL(p_mem_get_info, f, t); }
  CUresult mem_alloc(CUdeviceptr* p, std::size_t b) override { return SM121_CALL(p_mem_alloc, p, b); }
  CUresult mem_alloc_managed(CUdeviceptr* p, std::size_t b, unsigned f) override {
    return SM121_CALL(p_mem_alloc_managed, p, b, f);
  }
  CUresult mem_free(CUdeviceptr p) override { return SM121_CALL(p_mem_free, p); }
  CUresult mem_host_register(void* p, std::size_t b, unsigned f) override {
    return SM121_CALL(p_mem_host_register, p, b, f);
  }
  CUresult mem_host_unregister(void* p) override { return SM121_CALL(p_mem_host_unregister, p); }
  CUresult mem_host_get_device_pointer(CUdeviceptr* d, void* h, unsigned f) override {
    return SM121_CALL(p_mem_host_get_device_pointer, d, h, f);
  }
  CUresult memcpy_htod(CUdeviceptr d, const void* s, std::size_t b) override { return SM121_CALL(p_memcpy_htod, d, s, b); }
  CUresult memcpy_dtoh(void* d, CUdeviceptr s, std::size_t b) override { return SM121_CALL(p_memcpy_dtoh, d, s, b); }
  CUresult memset_d8(CUdeviceptr d, unsigned char v, std::size_t b) override { return SM121_CALL(p_memset_d8, d, v, b); }
  CUresult module_load_data_ex(CUmodule* m, const void* image, unsigned n, CUjit_option* o, void** v) override {
    return SM121_CALL(p_module_load_data_ex, m, image, n, o, v);
  }
  CUresult module_unload(CUmodule m) override { return SM121_CALL(p_module_unload, m); }
  CUresult module_get_function(CUfunction* f, CUmodule m, const char* name) override {
    return SM121_CALL(p_module_get_function, f, m, name);
  }
  CUresult func_get_attribute(int* v, CUfunction_attribute a, CUfunction f) override {
    return SM121_CALL(p_func_get_attribute, v, a, f);
  }
  CUresult func_set_attribute(CUfunction f, CUfunction_attribute a, int v) override {
    return SM121_CALL(p_func_set_attribute, f, a, v);
  }
  CUresult launch_kernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                         unsigned smem, CUstream s, void** params, void** extra) override {
    return SM121_CALL(p_launch_kernel, f, gx, gy, gz, bx, by, bz, smem, s, params, extra);
  }
  CUresult launch_kernel_ex(const CUlaunchConfig* c, CUfunction f, void** params, void** extra) override {
    return SM121_CALL(p_launch_kernel_ex, c, f, params, extra);
  }
  CUresult occupancy_max_active_clusters(int* n, CUfunction f, const CUlaunchConfig* c) override {
    return SM121_CALL(p_occupancy_max_active_clusters, n, f, c);
  }
  CUresult tensor_map_encode_tiled(CUtensorMap* map, CUtensorMapDataType type, cuuint32_t rank, void* addr,
                                   const cuuint64_t* dim, const cuuint64_t* strides, const cuuint32_t* box,
                                   const cuuint32_t* estrides, CUtensorMapInterleave il, CUtensorMapSwizzle sw,
                                   CUtensorMapL2promotion l2, CUtensorMapFloatOOBfill oob) override {
    return SM121_CALL(p_tensor_map_encode_tiled, map, type, rank, addr, dim, strides, box, estrides, il, sw, l2, oob);
  }
  CUresult event_create(CUevent* e, unsigned flags) override { return SM121_CALL(p_event_create, e, flags); }
  CUresult event_record(CUevent e, CUstream s) override { return SM121_CALL(p_event_record, e, s); }
  CUresult event_synchronize(CUevent e) override { return SM121_CALL(p_event_synchronize, e); }
  CUresult event_elapsed_time(float* ms, CUevent a, CUevent b) override {
    return p_event_elapsed_time_v2 ? p_event_elapsed_time_v2(ms, a, b) : SM121_CALL(p_event_elapsed_time, ms, a, b);
  }
  CUresult event_destroy(CUevent e) override { return SM121_CALL(p_event_destroy, e); }

 private:
  void* lib;
  // Versioned symbol names are spelled out: cuda.h maps e.g. cuMemAlloc to
  // cuMemAlloc_v2 with macros, which dlsym does not see.
  SM121_DRIVER_FN(p_init, "cuInit", cuInit);
  SM121_DRIVER_FN(p_driver_get_version, "cuDriverGetVersion", cuDriverGetVersion);
  SM121_DRIVER_FN(p_get_error_name, "cuGetErrorName", cuGetErrorName);
  SM121_DRIVER_FN(p_get_error_string, "cuGetErrorString", cuGetErrorString);
  SM121_DRIVER_FN(p_device_get_count, "cuDeviceGetCount", cuDeviceGetCount);
  SM121_DRIVER_FN(p_device_get, "cuDeviceGet", cuDeviceGet);
  SM121_DRIVER_FN(p_device_get_name, "cuDeviceGetName", cuDeviceGetName);
  SM121_DRIVER_FN(p_device_get_uuid, "cuDeviceGetUuid_v2", cuDeviceGetUuid_v2);
  SM121_DRIVER_FN(p_device_get_pci_bus_id, "cuDeviceGetPCIBusId", cuDeviceGetPCIBusId);
  SM121_DRIVER_FN(p_device_total_mem, "cuDeviceTotalMem_v2", cuDeviceTotalMem_v2);
  SM121_DRIVER_FN(p_device_get_attribute, "cuDeviceGetAttribute", cuDeviceGetAttribute);
  SM121_DRIVER_FN(p_primary_ctx_retain, "cuDevicePrimaryCtxRetain", cuDevicePrimaryCtxRetain);
  SM121_DRIVER_FN(p_primary_ctx_release, "cuDevicePrimaryCtxRelease_v2", cuDevicePrimaryCtxRelease_v2);
  SM121_DRIVER_FN(p_ctx_set_current, "cuCtxSetCurrent", cuCtxSetCurrent);
  SM121_DRIVER_FN(p_ctx_synchronize, "cuCtxSynchronize", cuCtxSynchronize);
  SM121_DRIVER_FN(p_mem_get_info, "cuMemGetInfo_v2", cuMemGetInfo_v2);
  SM121_DRIVER_FN(p_mem_alloc, "cuMemAlloc_v2", cuMemAlloc_v2);
  SM121_DRIVER_FN(p_mem_alloc_managed, "cuMemAllocManaged", cuMemAllocManaged);
  SM121_DRIVER_FN(p_mem_free, "cuMemFree_v2", cuMemFree_v2);
  SM121_DRIVER_FN(p_mem_host_register, "cuMemHostRegister_v2", cuMemHostRegister_v2);
  SM121_DRIVER_FN(p_mem_host_unregister, "cuMemHostUnregister", cuMemHostUnregister);
  SM121_DRIVER_FN(p_mem_host_get_device_pointer, "cuMemHostGetDevicePointer_v2", cuMemHostGetDevicePointer_v2);
  SM121_DRIVER_FN(p_memcpy_htod, "cuMemcpyHtoD_v2", cuMemcpyHtoD_v2);
  SM121_DRIVER_FN(p_memcpy_dtoh, "cuMemcpyDtoH_v2", cuMemcpyDtoH_v2);
  SM121_DRIVER_FN(p_memset_d8, "cuMemsetD8_v2", cuMemsetD8_v2);
  SM121_DRIVER_FN(p_module_load_data_ex, "cuModuleLoadDataEx", cuModuleLoadDataEx);
  SM121_DRIVER_FN(p_module_unload, "cuModuleUnload", cuModuleUnload);
  SM121_DRIVER_FN(p_module_get_function, "cuModuleGetFunction", cuModuleGetFunction);
  SM121_DRIVER_FN(p_func_get_attribute, "cuFuncGetAttribute", cuFuncGetAttribute);
  SM121_DRIVER_FN(p_func_set_attribute, "cuFuncSetAttribute", cuFuncSetAttribute);
  SM121_DRIVER_FN(p_launch_kernel, "cuLaunchKernel", cuLaunchKernel);
  SM121_DRIVER_FN(p_launch_kernel_ex, "cuLaunchKernelEx", cuLaunchKernelEx);
  SM121_DRIVER_FN(p_occupancy_max_active_clusters, "cuOccupancyMaxActiveClusters", cuOccupancyMaxActiveClusters);
  SM121_DRIVER_FN(p_tensor_map_encode_tiled, "cuTensorMapEncodeTiled", cuTensorMapEncodeTiled);
  SM121_DRIVER_FN(p_event_create, "cuEventCreate", cuEventCreate);
  SM121_DRIVER_FN(p_event_record, "cuEventRecord", cuEventRecord);
  SM121_DRIVER_FN(p_event_synchronize, "cuEventSynchronize", cuEventSynchronize);
  // cuda.h maps cuEventElapsedTime to the _v2 entry point (CUDA 12.8+); older drivers have only the first.
  SM121_DRIVER_FN(p_event_elapsed_time_v2, "cuEventElapsedTime_v2", cuEventElapsedTime_v2);
  SM121_DRIVER_FN(p_event_elapsed_time, "cuEventElapsedTime", cuEventElapsedTime_v2);
  SM121_DRIVER_FN(p_event_destroy, "cuEventDestroy_v2", cuEventDestroy_v2);
};

#undef SM121_CALL
#undef SM121_DRIVER_FN

}  // namespace

driver_load_result load_driver() {
  // RTLD_NODELETE: the driver must never be unloaded while its threads run.
  void* lib = ::dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (!lib) return {nullptr, "libcuda.so.1 not found (no NVIDIA driver installed)"};
  auto drv = std::make_unique<real_driver>(lib);
  if (!drv->usable()) return {nullptr, "libcuda.so.1 lacks cuInit/cuDriverGetVersion/cuDeviceGetCount"};
  return {std::move(drv), {}};
}

}  // namespace sm121probe::cuda
