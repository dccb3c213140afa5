#include "sm121probe/cuda/device_query.hpp"

#include "sm121probe/arch.hpp"

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <sstream>

namespace sm121probe::cuda {

namespace {

constexpr std::array attribute_table = {
    attribute_spec{"multiprocessor_count", CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT},
    attribute_spec{"clock_rate_khz", CU_DEVICE_ATTRIBUTE_CLOCK_RATE},
    attribute_spec{"memory_clock_rate_khz", CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE},
    attribute_spec{"global_memory_bus_width_bits", CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH},
    attribute_spec{"l2_cache_bytes", CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE},
    attribute_spec{"shared_memory_per_block_bytes", CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK},
    attribute_spec{"shared_memory_per_block_optin_bytes", CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN},
    attribute_spec{"shared_memory_per_multiprocessor_bytes", CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR},
    attribute_spec{"registers_per_block", CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_BLOCK},
    attribute_spec{"registers_per_multiprocessor", CU_DEVICE_ATTRIBUTE_MAX_REGISTERS_PER_MULTIPROCESSOR},
    attribute_spec{"max_threads_per_block", CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK},
    attribute_spec{"max_threads_per_multiprocessor", CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_MULTIPROCESSOR},
    attribute_spec{"max_blocks_per_multiprocessor", CU_DEVICE_ATTRIBUTE_MAX_BLOCKS_PER_MULTIPROCESSOR},
    attribute_spec{"warp_size", CU_DEVICE_ATTRIBUTE_WARP_SIZE},
    attribute_spec{"cluster_launch", CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH},
    attribute_spec{"integrated", CU_DEVICE_ATTRIBUTE_INTEGRATED},
    attribute_spec{"managed_memory", CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY},
    attribute_spec{"concurrent_managed_access", CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS},
    attribute_spec{"pageable_memory_access", CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS},
    attribute_spec{"pageable_memory_access_uses_host_page_tables",
                   CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS_USES_HOST_PAGE_TABLES},
    attribute_spec{"direct_managed_mem_access_from_host", CU_DEVICE_ATTRIBUTE_DIRECT_MANAGED_MEM_ACCESS_FROM_HOST},
    attribute_spec{"host_native_atomic_supported", CU_DEVICE_ATTRIBUTE_HOST_NATIVE_ATOMIC_SUPPORTED},
    attribute_spec{"host_memory_register_supported", CU_DEVICE_ATTRIBUTE_HOST_REGISTER_SUPPORTED},
    attribute_spec{"ecc_enabled", CU_DEVICE_ATTRIBUTE_ECC_ENABLED},
    attribute_spec{"unified_addressing", CU_DEVICE_ATTRIBUTE_UNIFIED_ADDRESSING},
    attribute_spec{"compute_mode", CU_DEVICE_ATTRIBUTE_COMPUTE_MODE},
    attribute_spec{"gpu_direct_rdma_supported", CU_DEVICE_ATTRIBUTE_GPU_DIRECT_RDMA_SUPPORTED},
    attribute_spec{"dma_buf_supported", CU_DEVICE_ATTRIBUTE_DMA_BUF_SUPPORTED},
    attribute_spec{"pci_domain_id", CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID},
    attribute_spec{"pci_bus_id", CU_DEVICE_ATTRIBUTE_PCI_BUS_ID},
    attribute_spec{"pci_device_id", CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID},
};

// Below this ratio of cuMemGetInfo's free figure to MemAvailable the two are
// reported as disagreeing (GB10's cuMemGetInfo ignores reclaimable page cache).
constexpr double kMemDisagreeRatio = 0.8;

std::string gib(std::uint64_t bytes) { return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1ull << 30)); }

}  // namespace

std::span<const attribute_spec> device_attribute_table() { return attribute_table; }

std::optional<std::uint64_t> read_mem_available(const std::string& meminfo_path) {
  std::ifstream in(meminfo_path);
  std::string key;
  std::uint64_t value = 0;
  std::string unit;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    if (!(ls >> key >> value)) continue;
    if (key != "MemAvailable:") continue;
    ls >> unit;
    return unit == "kB" ? value * 1024 : value;
  }
  return std::nullopt;
}

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string format_uuid(const CUuuid& uuid) {
  std::string hex;
  for (char c : uuid.bytes) hex += fmt::format("{:02x}", static_cast<unsigned char>(c));
  return fmt::format("GPU-{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4),
                     hex.substr(20, 12));
}

driver_query query_driver(driver_api* api, const std::string& load_error, int ordinal, const host_paths& paths) {
  driver_query q;
  q.driver.nvidia_version_file = read_first_line(paths.nvidia_version);
  if (!api) {
    q.driver.error = load_error.empty() ? "no CUDA driver" : load_error;
    return q;
  }
  int version = 0;
  if (api->driver_get_version(&version) == CUDA_SUCCESS) {
    q.driver.version = version;
    const auto v = cuda_version::from_int(version);
    q.driver.cuda_version = fmt::format("{}.{}", v.major, v.minor);
  }
  if (const CUresult r = api->init(0); r != CUDA_SUCCESS) {
    q.driver.error = fmt::format("cuInit failed: {}", error_name(api, r));
    return q;
  }
  int count = 0;
  if (const CUresult r = api->device_get_count(&count); r != CUDA_SUCCESS) {
    q.driver.error = fmt::format("cuDeviceGetCount failed: {}", error_name(api, r));
    return q;
  }
  q.driver.device_count = count;
  q.driver.available = true;
  if (count == 0) {
    q.driver.error = "the driver reports no CUDA devices";
    return q;
  }
  if (ordinal < 0 || ordinal >= count) {
    q.driver.error = fmt::format("device {} does not exist (the driver reports {} device{})", ordinal, count,
                                 count == 1 ? "" : "s");
    return q;
  }
  CUdevice dev = 0;
  if (const CUresult r = api->device_get(&dev, ordinal); r != CUDA_SUCCESS) {
    q.driver.error = fmt::format("cuDeviceGet({}) failed: {}", ordinal, error_name(api, r));
    return q;
  }
  q.handle = dev;
  report::device_info d;
  d.ordinal = ordinal;
  char name[256] = {};
  if (api->device_get_name(name, sizeof name - 1, dev) == CUDA_SUCCESS) d.name = name;
  CUuuid uuid{};
  if (api->device_get_uuid(&uuid, dev) == CUDA_SUCCESS) d.uuid = format_uuid(uuid);
  char bus[64] = {};
  if (api->device_get_pci_bus_id(bus, sizeof bus - 1, dev) == CUDA_SUCCESS) d.pci_bus_id = bus;
  int major = 0, minor = 0;
  if (api->device_get_attribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev) != CUDA_SUCCESS ||
      api->device_get_attribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev) != CUDA_SUCCESS) {
    q.driver.error = fmt::format("cannot read the compute capability of device {}", ordinal);
    return q;
  }
  d.cc_major = major;
  d.cc_minor = minor;
  std::size_t total = 0;
  if (api->device_total_mem(&total, dev) == CUDA_SUCCESS) d.total_memory_bytes = total;
  for (const auto& spec : attribute_table) {
    int v = 0;
    if (api->device_get_attribute(&v, spec.attribute, dev) == CUDA_SUCCESS) d.attributes[std::string(spec.key)] = v;
    else d.attributes[std::string(spec.key)] = std::nullopt;
  }
  // cuMemGetInfo needs a context.
  CUcontext ctx = nullptr;
  if (api->primary_ctx_retain(&ctx, dev) == CUDA_SUCCESS) {
    if (api->ctx_set_current(ctx) == CUDA_SUCCESS) {
      std::size_t free_b = 0, total_b = 0;
      if (api->mem_get_info(&free_b, &total_b) == CUDA_SUCCESS) d.free_memory_bytes = free_b;
    }
    (void)api->ctx_set_current(nullptr);
    (void)api->primary_ctx_release(dev);
  }
  if (d.attribute("integrated").value_or(0) != 0) {
    d.system_mem_available_bytes = read_mem_available(paths.meminfo);
    if (d.free_memory_bytes && d.system_mem_available_bytes && *d.system_mem_available_bytes > 0 &&
        static_cast<double>(*d.free_memory_bytes) <
            kMemDisagreeRatio * static_cast<double>(*d.system_mem_available_bytes)) {
      d.memory_note = fmt::format(
          "cuMemGetInfo reports {} free but the system has {} available (MemAvailable); on unified-memory "
          "devices cuMemGetInfo does not count reclaimable page cache: trust MemAvailable",
          gib(*d.free_memory_bytes), gib(*d.system_mem_available_bytes));
    }
  }
  q.device = std::move(d);
  return q;
}

}  // namespace sm121probe::cuda
