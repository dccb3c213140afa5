#pragma once
/// The CUDA driver API as a small virtual interface. The real implementation
/// (load_driver) dlopen()s libcuda.so.1 at run time, so the binary starts on
/// machines without a driver; tests substitute a double. Methods mirror the C
/// API one to one and return CUresult; nothing here throws.

#include <cuda.h>

#include <cstddef>
#include <memory>
#include <string>

namespace sm121probe::cuda {

/// The driver entry points sm121-probe uses.
class driver_api {
 public:
  virtual ~driver_api() = default;

  virtual CUresult init(unsigned flags) = 0;
  virtual CUresult driver_get_version(int* version) = 0;
  virtual CUresult get_error_name(CUresult error, const char** name) = 0;
  virtual CUresult get_error_string(CUresult error, const char** text) = 0;

  virtual CUresult device_get_count(int* count) = 0;
  virtual CUresult device_get(CUdevice* device, int ordinal) = 0;
  virtual CUresult device_get_name(char* name, int len, CUdevice device) = 0;
  virtual CUresult device_get_uuid(CUuuid* uuid, CUdevice device) = 0;
  virtual CUresult device_get_pci_bus_id(char* bus_id, int len, CUdevice device) = 0;
  virtual CUresult device_total_mem(std::size_t* bytes, CUdevice device) = 0;
  virtual CUresult device_get_attribute(int* value, CUdevice_attribute attrib, CUdevice device) = 0;

  virtual CUresult primary_ctx_retain(CUcontext* ctx, CUdevice device) = 0;
  virtual CUresult primary_ctx_release(CUdevice device) = 0;
  virtual CUresult ctx_set_current(CUcontext ctx) = 0;
  virtual CUresult ctx_synchronize() = 0;

  virtual CUresult mem_get_info(std::size_t* free_bytes, std::size_t* total_bytes) = 0;
  virtual CUresult mem_alloc(CUdeviceptr* ptr, std::size_t bytes) = 0;
  virtual CUresult mem_alloc_managed(CUdeviceptr* ptr, std::size_t bytes, unsigned flags) = 0;
  virtual CUresult mem_free(CUdeviceptr ptr) = 0;
  virtual CUresult mem_host_register(void* ptr, std::size_t bytes, unsigned flags) = 0;
  virtual CUresult mem_host_unregister(void* ptr) = 0;
  virtual CUresult mem_host_get_device_pointer(CUdeviceptr* dptr, void* host, unsigned flags) = 0;
  virtual CUresult memcpy_htod(CUdeviceptr dst, const void* src, std::size_t bytes) = 0;
  virtual CUresult memcpy_dtoh(void* dst, CUdeviceptr src, std::size_t bytes) = 0;
  virtual CUresult memset_d8(CUdeviceptr dst, unsigned char value, std::size_t bytes) = 0;

  virtual CUresult module_load_data_ex(CUmodule* module, const void* image, unsigned num_options,
                                       CUjit_option* options, void** values) = 0;
  virtual CUresult module_unload(CUmodule module) = 0;
  virtual CUresult module_get_function(CUfunction* fn, CUmodule module, const char* name) = 0;
  virtual CUresult func_get_attribute(int* value, CUfunction_attribute attrib, CUfunction fn) = 0;
  virtual CUresult func_set_attribute(CUfunction fn, CUfunction_attribute attrib, int value) = 0;

  virtual CUresult launch_kernel(CUfunction fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                                 unsigned bz, unsigned shared_bytes, CUstream stream, void** params,
                                 void** extra) = 0;
  virtual CUresult launch_kernel_ex(const CUlaunchConfig* config, CUfunction fn, void** params, void** extra) = 0;
  virtual CUresult occupancy_max_active_clusters(int* clusters, CUfunction fn, const CUlaunchConfig* config) = 0;

  virtual CUresult tensor_map_encode_tiled(CUtensorMap* map, CUtensorMapDataType type, cuuint32_t rank,
                                           void* global_address, const cuuint64_t* global_dim,
                                           const cuuint64_t* global_strides, const cuuint32_t* box_dim,
                                           const cuuint32_t* element_strides, CUtensorMapInterleave interleave,
                                           CUtensorMapSwizzle swizzle, CUtensorMapL2promotion l2_promotion,
                                           CUtensorMapFloatOOBfill oob_fill) = 0;

  // CUDA events (`bench` timing). Not pure: a double that does not time
  // anything answers CUDA_ERROR_NOT_SUPPORTED.
  virtual CUresult event_create(CUevent* /*event*/, unsigned /*flags*/) { return CUDA_ERROR_NOT_SUPPORTED; }
  virtual CUresult event_record(CUevent /*event*/, CUstream /*stream*/) { return CUDA_ERROR_NOT_SUPPORTED; }
  virtual CUresult event_synchronize(CUevent /*event*/) { return CUDA_ERROR_NOT_SUPPORTED; }
  virtual CUresult event_elapsed_time(float* /*ms*/, CUevent /*start*/, CUevent /*end*/) {
    return CUDA_ERROR_NOT_SUPPORTED;
  }
  virtual CUresult event_destroy(CUevent /*event*/) { return CUDA_ERROR_NOT_SUPPORTED; }
};

/// The outcome of trying to load the real driver.
struct driver_load_result {
  std::unique_ptr<driver_api> api;  ///< null when the library could not be loaded
  std::string error;                ///< one line, e.g. "libcuda.so.1 not found (no NVIDIA driver installed)"
};

/// dlopen()s libcuda.so.1 and resolves the entry points. Does not call cuInit.
/// Entry points missing from an old driver answer CUDA_ERROR_NOT_SUPPORTED.
[[nodiscard]] driver_load_result load_driver();

/// "CUDA_ERROR_NO_BINARY_FOR_GPU" for a result code, asking the driver when it
/// knows the code and falling back to our own table (so it works with test doubles).
[[nodiscard]] std::string error_name(driver_api* api, CUresult code);

/// Errors after which the CUDA context is unusable and the process must restart
/// (illegal address/instruction, misaligned address, launch failure, ...).
[[nodiscard]] bool is_sticky_error(CUresult code);

}  // namespace sm121probe::cuda
