// Unified memory: managed, pageable (plain malloc) and cuMemHostRegister'ed
// host memory, each read and written in place by a kernel and read back by
// the CPU through its own pointer. The program is the standard one, preceded
// by notes of the device attributes that decide the outcome (and, for managed
// memory, the cuMemGetInfo figure beside /proc/meminfo's MemAvailable).
#include "sm121probe/probe/program.hpp"

#include "sm121probe/cuda/device_query.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <utility>
#include "sm121probe/probes/registration.hpp"

namespace sm121probe::probe {

namespace {

constexpr unsigned um_words = 16384;

using attribute_list = std::vector<std::pair<const char*, CUdevice_attribute>>;

void note_attributes(session& s, const attribute_list& attributes) {
  std::string line;
  for (const auto& [key, attribute] : attributes) {
    int v = 0;
    const CUresult r = s.api().device_get_attribute(&v, attribute, s.device());
    line += fmt::format("{}{} = {}", line.empty() ? "" : ", ", key, r == CUDA_SUCCESS ? std::to_string(v) : s.name(r));
  }
  note(s, "device attributes: " + line);
}

std::string gib(std::uint64_t bytes) { return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1ull << 30)); }

// cuMemGetInfo beside MemAvailable: on integrated GPUs (GB10) the driver's free
// figure ignores reclaimable page cache (NVIDIA's DGX Spark known issues).
void note_free_memory(session& s) {
  std::size_t free_bytes = 0, total_bytes = 0;
  const CUresult r = s.api().mem_get_info(&free_bytes, &total_bytes);
  if (r != CUDA_SUCCESS) {
    note(s, fmt::format("cuMemGetInfo failed: {}", s.name(r)));
    return;
  }
  std::string line = fmt::format("cuMemGetInfo: {} free of {}", gib(free_bytes), gib(total_bytes));
  int integrated = 0;
  (void)s.api().device_get_attribute(&integrated, CU_DEVICE_ATTRIBUTE_INTEGRATED, s.device());
  if (const auto available = cuda::read_mem_available("/proc/meminfo")) {
    line += fmt::format("; /proc/meminfo MemAvailable: {}", gib(*available));
    if (integrated && free_bytes < *available / 2)
      line += "; on this integrated GPU cuMemGetInfo does not count reclaimable page cache: trust MemAvailable";
  }
  note(s, std::move(line));
}

probe make_um(const char* id, const char* description, std::string details, memory_kind memory,
              attribute_list attributes, std::uint64_t seed) {
  probe p;
  p.runtime_only = true;  // memory behaviour is a run-time question
  p.id = id;
  p.category = "memory";
  p.description = description;
  p.details = std::move(details);
  p.kernel = "kernels/um_access.cu";
  p.variants = {variant{"native", target_spec::native(), false, {}}};
  p.program = [memory, attributes](session& s, const test_case& tc, const probe& self) {
    note_attributes(s, attributes);
    run_standard_program(s, tc, self);
    if (memory == memory_kind::managed && !s.context_poisoned() && !s.result().stages.empty() &&
        s.result().stages.front().ok)
      note_free_memory(s);
  };
  p.make_case = [memory, seed](const exec_facts&) {
    std::vector<std::uint32_t> x(um_words);
    lcg rng(seed);
    for (auto& v : x) v = rng.next();
    test_case tc;
    tc.launch.grid = {16, 1, 1};
    tc.launch.block = {256, 1, 1};
    tc.buffers = {{"x", to_bytes(x), memory}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::scalar(um_words)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const auto x = from_bytes<std::uint32_t>(tc.buffers[0].init);
    expectation e{0, elem_type::u32, std::vector<double>(x.size()), {}};
    for (std::size_t i = 0; i < x.size(); ++i) e.values[i] = static_cast<std::uint32_t>(3u * x[i] + 1u);
    return std::vector<expectation>{e};
  };
  return p;
}

// Skips when the device says it cannot do this at all (a kernel touching such
// memory would fault); offline there is no device and nothing is skipped.
std::function<std::optional<std::string>(const exec_facts&)> skip_unless(std::string attribute, std::string why) {
  return [attribute = std::move(attribute), why = std::move(why)](const exec_facts& f) -> std::optional<std::string> {
    if (!f.device) return std::nullopt;
    const auto v = f.device->attribute(attribute);
    if (!v || *v != 0) return std::nullopt;
    return fmt::format("{} = 0: {}", attribute, why);
  };
}

}  // namespace

static probe make_um_managed() {
  probe p = make_um(
      "um.managed", "Managed memory (cuMemAllocManaged) written by the CPU, updated in place by a kernel, read back",
      "A cuMemAllocManaged buffer is filled by the CPU, updated in place by a kernel and read back by the CPU "
      "through the same pointer. On DGX Spark CPU and GPU share one LPDDR5X pool, so managed memory is the "
      "natural way to use more than a discrete GPU could hold; the notes also put cuMemGetInfo's free figure "
      "beside /proc/meminfo's MemAvailable, because on GB10 cuMemGetInfo ignores reclaimable page cache and can "
      "report a few GiB free while tens are available (NVIDIA's DGX Spark known issues recommend MemAvailable).",
      memory_kind::managed,
      {{"managed_memory", CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY},
       {"concurrent_managed_access", CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS},
       {"integrated", CU_DEVICE_ATTRIBUTE_INTEGRATED}},
      0x3a11);
  p.skip_reason = skip_unless("managed_memory", "the device does not support managed memory");
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"native", "native", "native", "native", "native", "native", "native"}, "cuda-guide-um"};
  return p;
}

static probe make_um_pageable() {
  probe p = make_um(
      "um.pageable", "Plain malloc'd host memory read and written directly by a kernel (pageable memory access)",
      "A buffer from the ordinary C heap (not registered, not managed) is handed to a kernel as is, updated in "
      "place and read back by the CPU. This works only where the GPU can walk the process's page tables: HMM "
      "on recent Linux drivers, or the host page tables of coherent systems such as GB10, where the CPU and GPU "
      "share memory through ATS. On DGX Spark it means any host allocation can feed a kernel without copies; "
      "the notes record pageable_memory_access and pageable_memory_access_uses_host_page_tables.",
      memory_kind::pageable,
      {{"pageable_memory_access", CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS},
       {"pageable_memory_access_uses_host_page_tables", CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS_USES_HOST_PAGE_TABLES},
       {"integrated", CU_DEVICE_ATTRIBUTE_INTEGRATED}},
      0x9a6e);
  p.skip_reason = skip_unless("pageable_memory_access",
                              "the device cannot access pageable host memory (no HMM / ATS); a kernel touching "
                              "malloc'd memory would fault");
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"", "", "", "", "", "", "native"}, "um-gb10"};
  return p;
}

static probe make_um_registered() {
  probe p = make_um(
      "um.registered", "Host memory pinned and mapped with cuMemHostRegister, updated in place by a kernel",
      "Ordinary page-aligned host memory is pinned and mapped for the device with cuMemHostRegister "
      "(CU_MEMHOSTREGISTER_DEVICEMAP), updated in place by a kernel through the mapped pointer and read back. "
      "Libraries use this to pin buffers they did not allocate (RDMA, zero-copy I/O, PyTorch's pin_memory on "
      "existing tensors). On GB10 cudaHostRegister on ordinary host memory is reported to return "
      "cudaErrorNotSupported; the driver's error is captured, and the notes record "
      "host_memory_register_supported.",
      memory_kind::registered,
      {{"host_memory_register_supported", CU_DEVICE_ATTRIBUTE_HOST_REGISTER_SUPPORTED},
       {"integrated", CU_DEVICE_ATTRIBUTE_INTEGRATED}},
      0x4e61);
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"native", "native", "native", "native", "native", "native", "failing"}, "um-gb10"};
  return p;
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(560, make_um_managed);
SM121PROBE_FAMILY(561, make_um_pageable);
SM121PROBE_FAMILY(562, make_um_registered);

}  // namespace sm121probe::probe
