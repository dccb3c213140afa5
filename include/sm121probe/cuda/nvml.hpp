#pragma once
/// NVML (libnvidia-ml.so.1), dlopen'ed at run time like the driver, for the
/// conditions of a `bench` run: clocks, clocks-event (throttle) reasons, power.
/// A small virtual interface so tests can script it; every query may answer
/// "not supported" (GB10 does not report everything), which the caller
/// records as "not reported".

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sm121probe::cuda {

class nvml_api {
 public:
  virtual ~nvml_api() = default;
  /// nvmlInit_v2 + the device whose PCI bus id is `pci_bus_id` ("0000:0f:00.0").
  /// Returns "" when the device was found, else why not (one line).
  virtual std::string open(const std::string& pci_bus_id) = 0;
  virtual std::optional<unsigned> sm_clock_mhz() = 0;      ///< current SM clock
  virtual std::optional<unsigned> mem_clock_mhz() = 0;     ///< current memory clock
  virtual std::optional<unsigned> power_mw() = 0;          ///< current draw, milliwatts
  virtual std::optional<unsigned> power_limit_mw() = 0;    ///< enforced limit, milliwatts
  virtual std::optional<unsigned> temperature_c() = 0;     ///< GPU temperature
  virtual std::optional<unsigned long long> clocks_event_reasons() = 0;  ///< bit mask of active reasons
};

struct nvml_load_result {
  std::unique_ptr<nvml_api> api;  ///< null when libnvidia-ml.so.1 cannot be loaded
  std::string error;
};
[[nodiscard]] nvml_load_result load_nvml();

/// Names of the bits of an NVML clocks-event reason mask ("gpu_idle",
/// "sw_power_cap", "hw_slowdown", ...); unknown bits as "0x...".
[[nodiscard]] std::vector<std::string> clocks_event_reason_names(unsigned long long mask);

}  // namespace sm121probe::cuda
