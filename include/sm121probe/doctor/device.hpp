#pragma once
/// Device mode of the doctor: what the driver and the device say, measured
/// through the driver interface (cuda::driver_api, so tests use the fake
/// driver): the cost of a PTX JIT against loading a cubin, memory three ways
/// (cuMemGetInfo, /proc/meminfo, NVML loaded with dlopen) and the largest
/// single allocation that succeeds. The CLI runs it in a worker process
/// (`sm121-probe __doctor device`) with a time limit, like `run` does.

#include "sm121probe/cuda/driver_api.hpp"
#include "sm121probe/doctor/model.hpp"
#include "sm121probe/nvrtc/toolchain.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace sm121probe::doctor {

/// NVML's memory query, behind an interface so tests can answer it.
class nvml_api {
 public:
  virtual ~nvml_api() = default;
  /// "ok" with free/total set, or NVML's error name ("NOT_SUPPORTED", ...).
  virtual std::string memory_info(int ordinal, std::uint64_t& free_bytes, std::uint64_t& total_bytes) = 0;
};

/// dlopen()s libnvidia-ml.so.1. Null (with `error` set) when it cannot be loaded.
[[nodiscard]] std::unique_ptr<nvml_api> load_nvml(std::string& error);

struct device_options {
  int ordinal = 0;
  std::string meminfo_path = "/proc/meminfo";
  nvml_api* nvml = nullptr;             ///< null: NVML status is `nvml_error`
  std::string nvml_error = "libnvidia-ml.so.1 not loaded";
  const nvrtc::toolchain* tools = nullptr;  ///< compiles the JIT-cost kernel; null skips that measurement
  std::uint64_t allocation_limit = 0;   ///< upper bound of the allocation search; 0 = cuMemGetInfo total
  int allocation_steps = 14;            ///< bisection steps (each one cuMemAlloc + cuMemFree)
};

/// Measures the device. Never throws; failures are recorded in the result.
[[nodiscard]] device_record measure_device(cuda::driver_api& api, const device_options& opts);

/// Findings drawn from device facts (NVML without memory figures, cuMemGetInfo
/// far below MemAvailable, the measured JIT cost, an unfinished measurement).
void add_device_findings(const device_record& d, doctor_report& r);

/// `sm121-probe __doctor device ORDINAL [cuda-home=DIR] [nvrtc=LIB] [nvjitlink=LIB]`:
/// loads the driver and the toolkit the user chose (doctor --cuda-home/--nvrtc/--nvjitlink),
/// measures, prints the JSON.
[[nodiscard]] int device_child(int ordinal, const nvrtc::toolchain_options& toolkit, std::string& out);

}  // namespace sm121probe::doctor
