// Device mode against the fake driver: memory three ways, the largest
// allocation, the JIT timings (real NVRTC compiles the kernel) and the
// findings drawn from them.
#include "doctor/fake_env.hpp"

#include "sm121probe/doctor/device.hpp"
#include "sm121probe/report/doctor_render.hpp"
#include "support/fake_driver.hpp"
#include "support/toolchain.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace sm121probe::testing {
namespace {

struct fake_nvml final : doctor::nvml_api {
  std::string status = "NOT_SUPPORTED";
  std::uint64_t free_b = 0, total_b = 0;
  int calls = 0;
  std::string memory_info(int, std::uint64_t& f, std::uint64_t& t) override {
    ++calls;
    if (status == "ok") {
      f = free_b;
      t = total_b;
    }
    return status;
  }
};

const doctor::finding* find(const doctor::doctor_report& r, std::string_view id) {
  for (const auto& f : r.findings)
    if (f.id == id) return &f;
  return nullptr;
}

TEST(DoctorDevice, MemoryThreeWaysLargestAllocationAndJitCost) {
  temp_dir dir;
  write_text(dir / "meminfo", "MemTotal:       127535812 kB\nMemFree:         2000000 kB\n"
                              "MemAvailable:   110000000 kB\nBuffers:          100 kB\n");
  fake_driver drv;
  drv.total_mem = 64ull << 20;  // small: the fake backs allocations with host memory
  drv.free_mem = 4ull << 20;
  drv.alloc_limit = 40ull << 20;
  fake_nvml nvml;
  doctor::device_options o;
  o.meminfo_path = dir / "meminfo";
  o.nvml = &nvml;
  o.tools = &tools();
  const auto d = doctor::measure_device(drv, o);
  EXPECT_EQ(d.error, "");
  EXPECT_EQ(d.name, "Fake GB10");
  EXPECT_EQ(d.cc, "12.1");
  EXPECT_EQ(d.driver_cuda, "13.0");
  EXPECT_EQ(d.memory.cuda_free, 4ull << 20);
  EXPECT_EQ(d.memory.cuda_total, 64ull << 20);
  EXPECT_EQ(d.memory.meminfo_available, 110000000ull * 1024);
  EXPECT_EQ(d.memory.meminfo_total, 127535812ull * 1024);
  EXPECT_EQ(d.memory.nvml_status, "NOT_SUPPORTED");
  EXPECT_FALSE(d.memory.nvml_free.has_value());
  EXPECT_EQ(nvml.calls, 1);
  // Bisection: within 64 MiB / 2^14 of the real limit, never above it.
  ASSERT_TRUE(d.memory.largest_allocation.has_value());
  EXPECT_LE(*d.memory.largest_allocation, 40ull << 20);
  EXPECT_GE(*d.memory.largest_allocation, (40ull << 20) - ((64ull << 20) >> 13));
  EXPECT_EQ(d.memory.allocation_limit, 64ull << 20);
  // One cubin load and two PTX loads, all timed.
  ASSERT_EQ(drv.loaded_ptx.size(), 3u);
  EXPECT_FALSE(drv.loaded_ptx[0]);
  EXPECT_TRUE(drv.loaded_ptx[1]);
  EXPECT_TRUE(drv.loaded_ptx[2]);
  EXPECT_TRUE(d.jit.cubin_ms && d.jit.ptx_cold_ms && d.jit.ptx_warm_ms);
  EXPECT_EQ(d.jit.error, "");

  doctor::doctor_report r;
  r.packages.push_back({"torch", "2.9.0", "/x/torch", "13.0", "", 40});
  doctor::add_device_findings(d, r);
  EXPECT_NE(find(r, "device.nvml-memory-not-supported"), nullptr);
  const auto* jit = find(r, "device.ptx-jit-cost");
  ASSERT_NE(jit, nullptr);
  // The estimate for the environment's PTX-only modules: 40 x the cold figure.
  EXPECT_NE(jit->summary.find("first launch of the environment's 40 PTX-only modules: at least " +
                              fmt::format("{:.1f} s", 40 * *d.jit.ptx_cold_ms / 1000.0)),
            std::string::npos)
      << jit->summary;
  EXPECT_NE(jit->observed.find("torch 40"), std::string::npos) << jit->observed;
  // The fake's 64 MiB total is not the system's memory: no comparison with MemAvailable.
  EXPECT_EQ(find(r, "device.cuda-free-below-available"), nullptr);

  // The JSON round trip the worker uses keeps every figure.
  const auto back = report::doctor_device_from_json(nlohmann::json::parse(report::doctor_device_to_json(d).dump()));
  EXPECT_EQ(back.memory.largest_allocation, d.memory.largest_allocation);
  EXPECT_EQ(back.memory.meminfo_available, d.memory.meminfo_available);
  EXPECT_EQ(back.memory.nvml_status, "NOT_SUPPORTED");
  EXPECT_EQ(back.jit.ptx_cold_ms, d.jit.ptx_cold_ms);
  EXPECT_EQ(back.cc, "12.1");
}

TEST(DoctorDevice, UnifiedMemoryFreeFarBelowAvailableIsAWarning) {
  doctor::device_record d;
  d.memory.cuda_free = 2ull << 30;
  d.memory.cuda_total = 120ull << 30;
  d.memory.meminfo_available = 100ull << 30;
  d.memory.meminfo_total = 121ull << 30;
  d.memory.nvml_status = "ok";
  doctor::doctor_report r;
  doctor::add_device_findings(d, r);
  const auto* f = find(r, "device.cuda-free-below-available");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, doctor::severity::warn);
  EXPECT_EQ(find(r, "device.nvml-memory-not-supported"), nullptr);
  // Free close to available: nothing to say.
  d.memory.cuda_free = 98ull << 30;
  doctor::doctor_report ok;
  doctor::add_device_findings(d, ok);
  EXPECT_EQ(find(ok, "device.cuda-free-below-available"), nullptr);
}

TEST(DoctorDevice, DriverFailuresAreRecordedNotThrown) {
  fake_driver drv;
  drv.init_result = CUDA_ERROR_NO_DEVICE;
  doctor::device_options o;
  const auto d = doctor::measure_device(drv, o);
  EXPECT_NE(d.error.find("cuInit"), std::string::npos) << d.error;
  EXPECT_NE(d.error.find("CUDA_ERROR_NO_DEVICE"), std::string::npos) << d.error;
  doctor::doctor_report r;
  doctor::add_device_findings(d, r);
  EXPECT_NE(find(r, "device.error"), nullptr);
}

TEST(DoctorDevice, JitLoadFailureIsRecorded) {
  fake_driver drv;
  drv.total_mem = 1ull << 20;
  drv.on_load = [](bool is_ptx) { return is_ptx ? CUDA_ERROR_UNSUPPORTED_PTX_VERSION : CUDA_SUCCESS; };
  doctor::device_options o;
  o.tools = &tools();
  const auto d = doctor::measure_device(drv, o);
  EXPECT_TRUE(d.jit.cubin_ms.has_value());
  EXPECT_FALSE(d.jit.ptx_cold_ms.has_value());
  EXPECT_NE(d.jit.error.find("CUDA_ERROR_UNSUPPORTED_PTX_VERSION"), std::string::npos) << d.jit.error;
  EXPECT_EQ(d.memory.nvml_status, "libnvidia-ml.so.1 not loaded");
}

}  // namespace
}  // namespace sm121probe::testing
