#pragma once
/// Driver and device facts for the report, gathered through driver_api.

#include "sm121probe/cuda/driver_api.hpp"
#include "sm121probe/report/model.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace sm121probe::cuda {

/// One documented device attribute: report key (snake_case, unit in the name) and enum.
struct attribute_spec {
  std::string_view key;
  CUdevice_attribute attribute;
};

/// The attributes recorded in device_info::attributes, in report order.
[[nodiscard]] std::span<const attribute_spec> device_attribute_table();

/// Where host facts come from; tests point these at fixture files.
struct host_paths {
  std::string meminfo = "/proc/meminfo";
  std::string nvidia_version = "/proc/driver/nvidia/version";
};

/// The result of initialising the driver and looking at one device.
struct driver_query {
  report::driver_info driver;
  std::optional<report::device_info> device;  ///< set when device `ordinal` exists and was queried
  CUdevice handle = 0;
};

/// Calls cuInit and queries the driver and device `ordinal`. `api` may be null
/// (no driver library): then `load_error` becomes driver.error. Never throws;
/// every failure is described in driver.error (one line).
[[nodiscard]] driver_query query_driver(driver_api* api, const std::string& load_error, int ordinal,
                                        const host_paths& paths = {});

/// MemAvailable from a meminfo-format file, in bytes; nullopt if absent.
[[nodiscard]] std::optional<std::uint64_t> read_mem_available(const std::string& meminfo_path);

/// The first line of /proc/driver/nvidia/version (or the given file); empty if absent.
[[nodiscard]] std::string read_first_line(const std::string& path);

/// Formats a CUuuid as nvidia-smi does: "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
[[nodiscard]] std::string format_uuid(const CUuuid& uuid);

}  // namespace sm121probe::cuda
