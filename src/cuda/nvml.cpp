// NVML through dlopen (the conditions of a `bench` run). Only the handful of
// queries bench needs; each answers nullopt when NVML does not report it.
#include "sm121probe/cuda/nvml.hpp"

#include <dlfcn.h>

#include <fmt/format.h>

#include <array>
#include <utility>

namespace sm121probe::cuda {

namespace {

using nvml_return = int;  // nvmlReturn_t; 0 = NVML_SUCCESS
using nvml_device = void*;

constexpr unsigned clock_sm = 1, clock_mem = 2;  // nvmlClockType_t
constexpr unsigned temperature_gpu = 0;          // nvmlTemperatureSensors_t

template <typename Fn>
Fn sym(void* lib, const char* name) {
  return reinterpret_cast<Fn>(::dlsym(lib, name));
}

class real_nvml final : public nvml_api {
 public:
  explicit real_nvml(void* l) : lib(l) {}
  ~real_nvml() override {
    if (initialised && p_shutdown) p_shutdown();
  }
  real_nvml(const real_nvml&) = delete;
  real_nvml& operator=(const real_nvml&) = delete;

  std::string open(const std::string& pci_bus_id) override {
    if (!p_init || !p_by_pci) return "libnvidia-ml.so.1 lacks nvmlInit_v2 / nvmlDeviceGetHandleByPciBusId_v2";
    if (const nvml_return r = p_init(); r != 0) return fmt::format("nvmlInit_v2 failed (NVML error {})", r);
    initialised = true;
    if (const nvml_return r = p_by_pci(pci_bus_id.c_str(), &dev); r != 0)
      return fmt::format("NVML does not know the device at {} (NVML error {})", pci_bus_id, r);
    return {};
  }
  std::optional<unsigned> sm_clock_mhz() override { return clock(clock_sm); }
  std::optional<unsigned> mem_clock_mhz() override { return clock(clock_mem); }
  std::optional<unsigned> power_mw() override { return value(p_power); }
  std::optional<unsigned> power_limit_mw() override { return value(p_power_limit); }
  std::optional<unsigned> temperature_c() override {
    unsigned v = 0;
    if (!dev || !p_temperature || p_temperature(dev, temperature_gpu, &v) != 0) return std::nullopt;
    return v;
  }
  std::optional<unsigned long long> clocks_event_reasons() override {
    unsigned long long v = 0;
    auto fn = p_reasons ? p_reasons : p_reasons_old;
    if (!dev || !fn || fn(dev, &v) != 0) return std::nullopt;
    return v;
  }

 private:
  std::optional<unsigned> clock(unsigned type) {
    unsigned v = 0;
    if (!dev || !p_clock || p_clock(dev, type, &v) != 0) return std::nullopt;
    return v;
  }
  std::optional<unsigned> value(nvml_return (*fn)(nvml_device, unsigned*)) {
    unsigned v = 0;
    if (!dev || !fn || fn(dev, &v) != 0) return std::nullopt;
    return v;
  }

  void* lib;
  bool initialised = false;
  nvml_device dev = nullptr;
  nvml_return (*p_init)() = sym<nvml_return (*)()>(lib, "nvmlInit_v2");
  nvml_return (*p_shutdown)() = sym<nvml_return (*)()>(lib, "nvmlShutdown");
  nvml_return (*p_by_pci)(const char*, nvml_device*) =
      sym<nvml_return (*)(const char*, nvml_device*)>(lib, "nvmlDeviceGetHandleByPciBusId_v2");
  nvml_return (*p_clock)(nvml_device, unsigned, unsigned*) =
      sym<nvml_return (*)(nvml_device, unsigned, unsigned*)>(lib, "nvmlDeviceGetClockInfo");
  nvml_return (*p_power)(nvml_device, unsigned*) = sym<nvml_return (*)(nvml_device, unsigned*)>(lib, "nvmlDeviceGetPowerUsage");
  nvml_return (*p_power_limit)(nvml_device, unsigned*) =
      sym<nvml_return (*)(nvml_device, unsigned*)>(lib, "nvmlDeviceGetEnforcedPowerLimit");
  nvml_return (*p_temperature)(nvml_device, unsigned, unsigned*) =
      sym<nvml_return (*)(nvml_device, unsigned, unsigned*)>(lib, "nvmlDeviceGetTemperature");
  nvml_return (*p_reasons)(nvml_device, unsigned long long*) =
      sym<nvml_return (*)(nvml_device, unsigned long long*)>(lib, "nvmlDeviceGetCurrentClocksEventReasons");
  nvml_return (*p_reasons_old)(nvml_device, unsigned long long*) =
      sym<nvml_return (*)(nvml_device, unsigned long long*)>(lib, "nvmlDeviceGetCurrentClocksThrottleReasons");
};

}  // namespace

nvml_load_result load_nvml() {
  void* lib = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (!lib) return {nullptr, "libnvidia-ml.so.1 not found"};
  return {std::make_unique<real_nvml>(lib), {}};
}

std::vector<std::string> clocks_event_reason_names(unsigned long long mask) {
  // NVML's nvmlClocksEventReason* bits (nvml.h).
  static constexpr std::array<std::pair<unsigned long long, const char*>, 9> names = {{
      {0x1ull, "gpu_idle"},
      {0x2ull, "applications_clocks_setting"},
      {0x4ull, "sw_power_cap"},
      {0x8ull, "hw_slowdown"},
      {0x10ull, "sync_boost"},
      {0x20ull, "sw_thermal_slowdown"},
      {0x40ull, "hw_thermal_slowdown"},
      {0x80ull, "hw_power_brake_slowdown"},
      {0x100ull, "display_clock_setting"},
  }};
  std::vector<std::string> out;
  unsigned long long known = 0;
  for (const auto& [bit, name] : names) {
    known |= bit;
    if (mask & bit) out.emplace_back(name);
  }
  if (mask & ~known) out.push_back(fmt::format("0x{:x}", mask & ~known));
  return out;
}

}  // namespace sm121probe::cuda
