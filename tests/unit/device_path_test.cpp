// The GPU path through the driver double: device query, and whole runs of the
// battery in device mode (real NVRTC compiles, simulated loads/launches).
#include "support/toolchain.hpp"
#include "sm121probe/cuda/device_query.hpp"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/runner.hpp"
#include "sm121probe/report/json.hpp"
#include "support/fake_gpu.hpp"
#include "support/process.hpp"
#include "support/schema.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace sm121probe {
namespace {

using report::stage_kind;
using report::verdict;
using testing::fake_driver;

using testing::tools;

// Routes every launch to the reference of whichever probe is running.
struct reference_gpu {
  explicit reference_gpu(fake_driver& d) : drv(d) {}
  fake_driver& drv;
  const probe::probe* current = nullptr;
  std::function<void(const std::string& id, std::vector<double>&)> corrupt;
  void install() {
    drv.on_launch = [this](fake_driver& d, const std::string& entry, void** params) -> CUresult {
      auto k = testing::reference_kernel(*current, probe::exec_facts{gpu_arch{d.cc_major, d.cc_minor}, nullptr},
                                         corrupt ? std::function<void(std::vector<double>&)>(
                                                       [this](std::vector<double>& v) { corrupt(current->id, v); })
                                                 : std::function<void(std::vector<double>&)>());
      return k(d, entry, params);
    };
  }
};

// An executor that tells the fake GPU which probe runs (a real GPU knows from the kernel).
class tracking_executor final : public probe::device_executor {
 public:
  tracking_executor(fake_driver& d, reference_gpu& g) : inner(&d), gpu(g) {}
  cuda::driver_query query(int ordinal) override { return inner.query(ordinal); }
  void execute(const probe::device_attempt& a, report::attempt_result& out) override {
    gpu.current = a.spec;
    inner.execute(a, out);
  }

 private:
  probe::in_process_executor inner;
  reference_gpu& gpu;
};

const report::probe_result& find(const report::run_report& r, const std::string& id) {
  for (const auto& p : r.probes)
    if (p.id == id) return p;
  throw std::runtime_error("no probe " + id);
}

// Default: the sm_80 battery (a native and a compute_80 variant each); the
// narrow-format mma.* probes have other variants and their own tests.
report::run_report run_mma(fake_driver& drv, reference_gpu& gpu,
                           std::vector<std::string> only = {"mma.f16", "mma.f16f16", "mma.bf16", "mma.tf32",
                                                            "mma.s8", "cuda.fma"}) {
  gpu.install();
  tracking_executor ex(drv, gpu);
  probe::run_options opts;
  opts.only = std::move(only);
  return probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
}

TEST(DeviceQuery, RecordsDeviceAndMemoryDisagreement) {
  fake_driver drv;
  testing::temp_dir dir;
  std::ofstream(dir / "meminfo") << "MemTotal:       130000000 kB\nMemAvailable:   100000000 kB\n";
  std::ofstream(dir / "version") << "NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  580.95.05\nGCC\n";
  const auto q = cuda::query_driver(&drv, "", 0, {dir / "meminfo", dir / "version"});
  ASSERT_TRUE(q.device) << q.driver.error;
  EXPECT_TRUE(q.driver.available);
  EXPECT_EQ(q.driver.cuda_version, "13.0");
  EXPECT_EQ(q.driver.nvidia_version_file.rfind("NVRM version", 0), 0u);
  EXPECT_EQ(q.device->name, "Fake GB10");
  EXPECT_EQ(q.device->cc_major, 12);
  EXPECT_EQ(q.device->uuid, "GPU-10111213-1415-1617-1819-1a1b1c1d1e1f");
  EXPECT_EQ(q.device->pci_bus_id, "0000:0f:00.0");
  EXPECT_EQ(q.device->attribute("multiprocessor_count"), 48);
  EXPECT_EQ(q.device->attribute("shared_memory_per_block_optin_bytes"), 101376);
  EXPECT_EQ(q.device->free_memory_bytes, 4ull << 30);
  EXPECT_EQ(q.device->system_mem_available_bytes, 100000000ull * 1024);
  EXPECT_NE(q.device->memory_note.find("MemAvailable"), std::string::npos) << "4 GiB free vs 95 GiB available";
  for (const auto& spec : cuda::device_attribute_table())
    EXPECT_TRUE(q.device->attributes.count(std::string(spec.key))) << spec.key;
}

TEST(DeviceQuery, NoDriverNoDeviceBadOrdinal) {
  auto q = cuda::query_driver(nullptr, "libcuda.so.1 not found", 0);
  EXPECT_FALSE(q.device);
  EXPECT_EQ(q.driver.error, "libcuda.so.1 not found");
  fake_driver none;
  none.device_count = 0;
  q = cuda::query_driver(&none, "", 0);
  EXPECT_FALSE(q.device);
  EXPECT_NE(q.driver.error.find("no CUDA devices"), std::string::npos);
  fake_driver one;
  q = cuda::query_driver(&one, "", 3);
  EXPECT_FALSE(q.device);
  EXPECT_NE(q.driver.error.find("device 3"), std::string::npos);
  fake_driver broken;
  broken.init_result = CUDA_ERROR_NO_DEVICE;
  q = cuda::query_driver(&broken, "", 0);
  EXPECT_NE(q.driver.error.find("CUDA_ERROR_NO_DEVICE"), std::string::npos);
}

TEST(DevicePath, CorrectResultsAreNativeWithRunEvidence) {
  fake_driver drv;
  reference_gpu gpu(drv);
  const auto r = run_mma(drv, gpu);
  EXPECT_EQ(r.mode, report::run_mode::device);
  EXPECT_EQ(r.target, "sm_121");
  ASSERT_TRUE(r.device);
  for (const auto& p : r.probes) {
    EXPECT_EQ(p.result, verdict::native) << p.id << ": " << p.reason;
    EXPECT_EQ(p.basis, report::evidence::run);
    ASSERT_EQ(p.attempts.size(), 2u);
    for (const auto& a : p.attempts) {
      ASSERT_TRUE(a.passed()) << p.id << " " << a.variant;
      ASSERT_EQ(a.stages.size(), 4u);
      EXPECT_EQ(a.stages[3].stage, stage_kind::verify);
      EXPECT_EQ(a.mismatches, 0u);
    }
    EXPECT_EQ(p.attempts[0].target, "sm_121");
    EXPECT_EQ(p.attempts[1].target, "compute_80");
  }
  // Native attempts load a cubin, sm80-ptx attempts load PTX for the driver's JIT.
  ASSERT_EQ(drv.loaded_ptx.size(), r.probes.size() * 2);
  for (std::size_t i = 0; i < drv.loaded_ptx.size(); ++i) EXPECT_EQ(drv.loaded_ptx[i], i % 2 == 1);
  EXPECT_EQ(testing::schema_errors(report::to_json(r), std::string(SM121PROBE_SOURCE_DIR) + "/docs/report.schema.json"),
            "");
}

TEST(DevicePath, LoadFailureMovesOnToTheNextVariant) {
  fake_driver drv;
  drv.on_load = [](bool is_ptx) { return is_ptx ? CUDA_SUCCESS : CUDA_ERROR_NO_BINARY_FOR_GPU; };
  reference_gpu gpu(drv);
  const auto r = run_mma(drv, gpu, {"mma.f16"});
  const auto& p = find(r, "mma.f16");
  EXPECT_EQ(p.result, verdict::fallback);
  const auto& native = p.attempts.at(0);
  ASSERT_EQ(native.stages.size(), 2u);
  EXPECT_EQ(native.stages[1].stage, stage_kind::load);
  EXPECT_EQ(native.stages[1].error, "CUDA_ERROR_NO_BINARY_FOR_GPU");
  EXPECT_NE(native.stages[1].log.find("fake: no image"), std::string::npos) << "JIT error log captured";
  EXPECT_TRUE(p.attempts.at(1).passed());
  EXPECT_NE(p.reason.find("CUDA_ERROR_NO_BINARY_FOR_GPU"), std::string::npos);
  EXPECT_TRUE(p.worse_than_expected);
  EXPECT_EQ(r.totals.worse_than_expected, 1);
}

TEST(DevicePath, WrongResultsFailVerifyWithMetrics) {
  fake_driver drv;
  reference_gpu gpu(drv);
  gpu.corrupt = [](const std::string& id, std::vector<double>& v) {
    if (id == "mma.f16") v[5] += 2.0;  // one element off by two
  };
  const auto r = run_mma(drv, gpu, {"mma.f16", "mma.bf16"});
  const auto& bad = find(r, "mma.f16");
  EXPECT_EQ(bad.result, verdict::failing);
  for (const auto& a : bad.attempts) {
    const auto* f = a.first_failure();
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->stage, stage_kind::verify);
    EXPECT_EQ(f->error, "mismatch");
    EXPECT_EQ(a.mismatches, 1u);
    EXPECT_DOUBLE_EQ(*a.max_abs_err, 2.0);
    EXPECT_GT(*a.max_rel_err, 0.0);
    EXPECT_NE(f->log.find("element 5"), std::string::npos) << f->log;
  }
  EXPECT_EQ(find(r, "mma.bf16").result, verdict::native) << "other probes unaffected";
}

TEST(DevicePath, LaunchErrorsAreRecorded) {
  fake_driver drv;
  reference_gpu gpu(drv);
  gpu.install();
  drv.on_launch = [](fake_driver&, const std::string&, void**) { return CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES; };
  tracking_executor ex(drv, gpu);
  probe::run_options opts;
  opts.only = {"cuda.fma"};
  const auto r = probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
  const auto& p = find(r, "cuda.fma");
  EXPECT_EQ(p.result, verdict::failing);
  const auto* f = p.attempts.at(0).first_failure();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->stage, stage_kind::launch);
  EXPECT_EQ(f->error, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES");
}

TEST(DevicePath, StickyErrorInProcessStopsLaterAttempts) {
  fake_driver drv;
  reference_gpu gpu(drv);
  gpu.install();
  drv.sync_result = CUDA_ERROR_ILLEGAL_ADDRESS;
  tracking_executor ex(drv, gpu);
  probe::run_options opts;
  opts.only = {"cuda.fma", "mma.f16"};
  const auto r = probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
  const auto& first = find(r, "cuda.fma").attempts.at(0);
  EXPECT_EQ(first.first_failure()->error, "CUDA_ERROR_ILLEGAL_ADDRESS");
  const auto& later = find(r, "mma.f16").attempts.at(0);
  EXPECT_EQ(later.first_failure()->error, "not_run");
  EXPECT_NE(later.first_failure()->log.find("--no-isolate"), std::string::npos);
  EXPECT_EQ(drv.launches, 1) << "nothing launched on a poisoned context";
}

TEST(DevicePath, NonexistentDeviceOrdinalIsAUsageError) {
  fake_driver drv;
  probe::in_process_executor ex(&drv);
  probe::run_options opts;
  opts.only = {"cuda.fma"};
  opts.device = 2;
  try {
    (void)probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
    FAIL() << "a missing device must not silently become an offline run";
  } catch (const probe::selection_error& e) {
    EXPECT_NE(std::string(e.what()).find("--device 2"), std::string::npos) << e.what();
  }
}

TEST(DevicePath, NoDeviceFallsBackToOfflineWithNotice) {
  struct capture final : probe::run_observer {
    std::vector<std::string> lines;
    void notice(const std::string& l) override { lines.push_back(l); }
    void progress(std::size_t, std::size_t, const std::string&) override {}
  } obs;
  probe::in_process_executor ex(nullptr, "libcuda.so.1 not found (no NVIDIA driver installed)");
  probe::run_options opts;
  opts.only = {"cuda.fma"};
  const auto r = probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, &obs);
  EXPECT_EQ(r.mode, report::run_mode::offline);
  EXPECT_EQ(r.target, "sm_121");
  EXPECT_EQ(r.probes.at(0).basis, report::evidence::compile);
  ASSERT_EQ(obs.lines.size(), 1u);
  EXPECT_NE(obs.lines[0].find("libcuda.so.1 not found"), std::string::npos);
  EXPECT_NE(obs.lines[0].find("offline"), std::string::npos);
}

TEST(DevicePath, UnifiedMemoryKindsArePlacedAndReadBack) {
  fake_driver drv;
  report::attempt_result out;
  probe::probe p;
  p.id = "um.test";
  p.make_case = [](const probe::exec_facts&) {
    probe::test_case tc;
    tc.buffers = {{"m", std::vector<std::byte>(16, std::byte{1}), probe::memory_kind::managed},
                  {"p", std::vector<std::byte>(16, std::byte{2}), probe::memory_kind::pageable},
                  {"r", std::vector<std::byte>(16, std::byte{3}), probe::memory_kind::registered}};
    tc.args = {probe::kernel_arg::buffer(0), probe::kernel_arg::buffer(1), probe::kernel_arg::buffer(2)};
    return tc;
  };
  p.reference = [](const probe::test_case&) {
    std::vector<probe::expectation> e;
    for (std::size_t b = 0; b < 3; ++b) e.push_back({b, probe::elem_type::u8, std::vector<double>(16, 9.0), {}});
    return e;
  };
  drv.on_launch = testing::reference_kernel(p, probe::exec_facts{});
  const std::vector<std::byte> image{std::byte{0x7f}, std::byte{'E'}, std::byte{'L'}, std::byte{'F'}};
  probe::variant v{"native", probe::target_spec::native(), false, {}};
  probe::run_attempt(drv, 0, nullptr, {&p, &v, 0, image}, out);
  ASSERT_TRUE(out.passed()) << (out.first_failure() ? out.first_failure()->log : "");
  drv.host_register_result = CUDA_ERROR_NOT_SUPPORTED;
  report::attempt_result out2;
  probe::run_attempt(drv, 0, nullptr, {&p, &v, 0, image}, out2);
  const auto* f = out2.first_failure();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->error, "CUDA_ERROR_NOT_SUPPORTED");
  EXPECT_NE(f->log.find("cuMemHostRegister"), std::string::npos);
}

}  // namespace
}  // namespace sm121probe
