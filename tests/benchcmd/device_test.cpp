// Device-mode `bench` through the driver double with a scripted clock: CUDA
// events answer scripted elapsed times, the "kernels" are simulated on the
// host. What is tested is the timing, statistics and throughput arithmetic,
// and that a device whose results are wrong gets no figure. No real GPU and
// no real time is involved.
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/bench.hpp"
#include "sm121probe/report/bench_render.hpp"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/report/bench_json.hpp"
#include "support/fake_driver.hpp"
#include "support/schema.hpp"
#include "support/toolchain.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace sm121probe {
namespace {

using report::bench_status;
using testing::fake_driver;

// --- statistics --------------------------------------------------------------------------

TEST(BenchStats, MedianMinMaxAndSpread) {
  auto t = probe::summarize_timing({10.0, 12.0, 9.0, 11.0, 10.5}, 3);
  EXPECT_EQ(t.median_ms, 10.5);
  EXPECT_EQ(t.min_ms, 9.0);
  EXPECT_EQ(t.max_ms, 12.0);
  EXPECT_NEAR(t.spread_pct, 3.0 / 10.5 * 100.0, 1e-12);
  EXPECT_EQ(t.warmup, 3);
  EXPECT_EQ(t.samples.size(), 5u);
  t = probe::summarize_timing({4.0, 1.0, 3.0, 2.0}, 0);
  EXPECT_EQ(t.median_ms, 2.5);  // even count: mean of the middle two
  EXPECT_EQ(probe::summarize_timing({7.0}, 0).spread_pct, 0.0);
}

TEST(BenchStats, ZeroNegativeOrMissingTimesAreRejected) {
  // What an unsynchronised timer produces (nothing elapsed) is not a time.
  EXPECT_THROW((void)probe::summarize_timing({1.0, 0.0, 1.0}, 0), std::invalid_argument);
  EXPECT_THROW((void)probe::summarize_timing({-1.0}, 0), std::invalid_argument);
  EXPECT_THROW((void)probe::summarize_timing({NAN}, 0), std::invalid_argument);
  EXPECT_THROW((void)probe::summarize_timing({}, 0), std::invalid_argument);
}

TEST(BenchStats, ThroughputAndBandwidthArithmetic) {
  EXPECT_DOUBLE_EQ(probe::tera_ops_per_s(2e12, 1000.0), 2.0);    // 2e12 ops in one second
  EXPECT_DOUBLE_EQ(probe::tera_ops_per_s(1e9, 1.0), 1.0);        // 1e9 ops in a millisecond
  EXPECT_DOUBLE_EQ(probe::gb_per_s(1e9, 1000.0), 1.0);
  EXPECT_DOUBLE_EQ(probe::gb_per_s(273e6, 1.0), 273.0);
  // LPDDR5X-8533 on a 256-bit bus, as a driver would report it (kHz, bits).
  EXPECT_NEAR(*probe::theoretical_bandwidth_gb_s(4266500, 256), 273.056, 1e-9);
  EXPECT_FALSE(probe::theoretical_bandwidth_gb_s(0, 256).has_value());
  EXPECT_FALSE(probe::theoretical_bandwidth_gb_s(4266500, 0).has_value());
}

// --- tensor throughput ------------------------------------------------------------------------

// Elapsed times in the order they are asked for; the last one repeats.
std::function<float(int, int)> script(std::vector<float> ms) {
  auto calls = std::make_shared<std::size_t>(0);
  return [ms, calls](int, int) {
    const float v = ms[std::min(*calls, ms.size() - 1)];
    ++*calls;
    return v;
  };
}

// The bench kernel as a device that computes correctly: every warp's tile is
// C + unroll * iterations * (A x B). `corrupt` damages one element.
void simulate_tensor(fake_driver& f, const probe::bench_tensor_spec& spec, bool corrupt, double error = 1.0) {
  const probe::bench_case c = spec.make_case(probe::bench_seed);
  f.on_launch = [c, corrupt, error](fake_driver& drv, const std::string& entry, void** params) {
    if (entry != "bench_kernel") return CUDA_ERROR_INVALID_VALUE;
    int iterations = 0;
    std::memcpy(&iterations, params[6], sizeof iterations);
    auto& d = drv.buffer(fake_driver::param_ptr(params, 5));
    const std::size_t warps = d.size() / (128 * 4);
    for (std::size_t w = 0; w < warps; ++w)
      for (std::size_t e = 0; e < 128; ++e) {
        const double times = static_cast<double>(probe::bench_unroll) * iterations;
        std::byte* at = d.data() + (w * 128 + e) * 4;
        if (c.integer) {
          std::int32_t c0;
          std::memcpy(&c0, c.c.data() + e * 4, 4);
          const auto v = static_cast<std::int32_t>(c0 + static_cast<std::int64_t>(c.product[e] * times));
          std::memcpy(at, &v, 4);
        } else {
          float c0;
          std::memcpy(&c0, c.c.data() + e * 4, 4);
          float v = static_cast<float>(c0 + c.product[e] * times);
          if (corrupt && w == 7 && e == 33) v += static_cast<float>(error);
          std::memcpy(at, &v, 4);
        }
      }
    return CUDA_SUCCESS;
  };
}

probe::bench_budget small_budget() {
  probe::bench_budget b;
  b.seconds = 0.05;  // 50 ms: 5 repetitions of 10 ms
  b.warmup = 2;
  b.min_reps = 5;
  b.max_reps = 7;
  b.memory_bytes = 64 * 1024;
  return b;
}

const probe::bench_tensor_spec& spec(const std::string& id) {
  const auto* s = cli::builtin_bench_catalogue().find(id);
  if (!s) throw std::runtime_error("no benchmark " + id);
  return *s;
}

const std::vector<std::byte> fake_image = {std::byte{0x7f}, std::byte{'E'}, std::byte{'L'}, std::byte{'F'}};

TEST(BenchDevice, ThroughputIsOpsOverTheMedianEventTime) {
  fake_driver f;  // 48 SMs: 192 blocks of 8 warps
  simulate_tensor(f, spec("tensor.f16.native"), false);
  // The sizing launch (64 iterations) takes 1 ms: a 10 ms launch needs 640 iterations.
  f.on_elapsed = script({1.0f, 10.0f, 12.0f, 9.0f, 11.0f, 10.5f});
  report::bench_tensor row;
  row.id = "tensor.f16.native";
  probe::run_tensor_bench(f, 0, spec("tensor.f16.native"), fake_image, small_budget(), row);
  ASSERT_EQ(row.status, bench_status::measured) << row.reason;
  EXPECT_EQ(row.iterations, 640);
  EXPECT_EQ(row.warps, 48 * 4 * 8);
  ASSERT_TRUE(row.timing);
  EXPECT_EQ(row.timing->samples, (std::vector<double>{10.0, 12.0, 9.0, 11.0, 10.5}));
  EXPECT_EQ(row.timing->median_ms, 10.5);
  EXPECT_EQ(row.timing->warmup, 2);
  const double ops = 1536.0 * 8 * 640 * (2.0 * 16 * 8 * 16);
  EXPECT_DOUBLE_EQ(row.ops_per_launch, ops);
  ASSERT_TRUE(row.throughput);
  EXPECT_NEAR(*row.throughput, ops / 10.5e-3 / 1e12, 1e-9);
  EXPECT_EQ(row.verify.rfind("ok", 0), 0u) << row.verify;
  // Every timed launch is bracketed by events, and the warm-up is not timed.
  EXPECT_EQ(f.elapsed_queries, 6);
  EXPECT_EQ(f.launches, 1 + 1 + 2 + 5);  // warm, sizing, warm-up, repetitions
  EXPECT_EQ(f.events_created, f.events_destroyed);
}

TEST(BenchDevice, AWrongResultRejectsTheFigure) {
  fake_driver f;
  simulate_tensor(f, spec("tensor.bf16.native"), true);
  f.on_elapsed = script({1.0f, 10.0f});
  report::bench_tensor row;
  row.id = "tensor.bf16.native";
  row.unit = "TFLOP/s";
  row.anchor = "gb10-bf16-dense";
  probe::run_tensor_bench(f, 0, spec("tensor.bf16.native"), fake_image, small_budget(), row);
  EXPECT_EQ(row.status, bench_status::rejected);
  EXPECT_FALSE(row.throughput.has_value());
  EXPECT_FALSE(row.timing.has_value());
  EXPECT_NE(row.verify.find("warp 7 element (4, 1)"), std::string::npos) << row.verify;
  EXPECT_NE(row.verify.find("1 of 196608 elements wrong"), std::string::npos) << row.verify;

  // Rendered: no figure, the rejection instead, and no anchor to compare against.
  report::bench_report r;
  r.nothing_timed = false;
  r.tensor.push_back(row);
  std::ostringstream text;
  report::render_bench_text(r, text);
  EXPECT_EQ(text.str().find("TFLOP/s ("), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("rejected"), std::string::npos) << text.str();
  EXPECT_EQ(report::render_bench_markdown(r).find("TFLOP/s ("), std::string::npos);
  EXPECT_TRUE(report::bench_failed(r));
}

TEST(BenchDevice, NarrowFormatsGetALooserBoundButStillCatchWrongResults) {
  // The narrow-format instructions may accumulate with fewer bits than f32:
  // 0.01% of the largest possible sum passes, 5% does not. The loop is held at
  // 256 iterations; the launch grows by whole waves of blocks instead.
  const auto& nvf4 = spec("tensor.nvf4.native");
  const double times = 8.0 * 256, largest = nvf4.make_case(probe::bench_seed).magnitude * times;
  for (const auto& [error, status] : std::vector<std::pair<double, bench_status>>{
           {1e-4 * largest, bench_status::measured}, {0.05 * largest, bench_status::rejected}}) {
    fake_driver f;
    simulate_tensor(f, nvf4, true, error);
    f.on_elapsed = script({1.0f, 10.0f});
    report::bench_tensor row;
    probe::run_tensor_bench(f, 0, nvf4, fake_image, small_budget(), row);
    EXPECT_EQ(row.status, status) << error << " " << row.verify;
    EXPECT_EQ(row.iterations, 256);    // 640 wanted (1 ms for 64, 10 ms per launch)
    EXPECT_EQ(row.warps, 1536 * 3);    // ceil(640 / 256) waves
  }
  // The f32-accumulating fallback of the same format keeps the tight bound.
  fake_driver f;
  simulate_tensor(f, spec("tensor.nvf4.fallback"), true, 1e-4 * largest);
  f.on_elapsed = script({1.0f, 10.0f});
  report::bench_tensor row;
  probe::run_tensor_bench(f, 0, spec("tensor.nvf4.fallback"), fake_image, small_budget(), row);
  EXPECT_EQ(row.status, bench_status::rejected) << row.verify;
}

// The result bounds are wide enough for a correct path under its accumulator
// model: f32 for the f16/bf16/tf32 paths and every fallback, and a 13-bit
// mantissa (FP22, the narrowest reported for FP8 MMA on other GPUs) for the
// narrow-format instructions, each for its longest loop (spec.max_iterations).
double round_to_bits(double x, int mantissa_bits) {
  if (x == 0) return 0;
  int e = 0;
  const double m = std::frexp(x, &e);  // x = m * 2^e, 0.5 <= |m| < 1
  return std::ldexp(std::nearbyint(std::ldexp(m, mantissa_bits + 1)), e - mantissa_bits - 1);
}

TEST(BenchTolerance, CorrectPathsPassUnderTheirAccumulatorModels) {
  for (const auto& s : cli::builtin_bench_catalogue().tensor) {
    const probe::bench_case c = s.make_case(probe::bench_seed);
    if (c.integer) continue;  // s32: exact
    const bool narrow = s.path == "native" && s.relative_tolerance > 0x1p-20;
    const int bits = narrow ? 13 : 23;
    const std::int64_t t = s.max_iterations;
    std::vector<std::byte> d(128 * 4);
    for (std::size_t e = 0; e < 128; ++e) {
      double acc = 0;
      for (std::int64_t i = 0; i < t; ++i) acc = round_to_bits(acc + c.product[e], bits);
      float c0;
      std::memcpy(&c0, c.c.data() + e * 4, 4);
      float v = c0;
      for (int u = 0; u < probe::bench_unroll; ++u) v += static_cast<float>(acc);
      std::memcpy(d.data() + e * 4, &v, 4);
    }
    EXPECT_EQ(probe::check_tensor_result(c, d, 1, probe::bench_unroll, t, s.relative_tolerance), "") << s.id();
    // ... and narrow enough that a result off by 5% of the largest sum is caught.
    float v0;
    std::memcpy(&v0, d.data(), 4);
    v0 += static_cast<float>(0.05 * probe::bench_unroll * t * c.magnitude);
    std::memcpy(d.data(), &v0, 4);
    EXPECT_NE(probe::check_tensor_result(c, d, 1, probe::bench_unroll, t, s.relative_tolerance), "") << s.id();
  }
}

TEST(BenchWorker, MalformedRequestsAreRefused) {
  const auto& cat = cli::builtin_bench_catalogue();
  std::istringstream not_json("not json\n");
  std::ostringstream out;
  EXPECT_EQ(probe::bench_worker_main(cat, not_json, out), 2);
  std::istringstream short_image(R"({"measurement": "tensor", "image_bytes": [100]})" "\nonly a few bytes");
  EXPECT_EQ(probe::bench_worker_main(cat, short_image, out), 2);
  EXPECT_EQ(out.str(), "");
}

TEST(BenchDevice, AKernelThatDoesNothingIsRejected) {
  fake_driver f;  // on_launch does nothing: D keeps the allocator's garbage
  f.on_elapsed = script({1.0f, 0.001f});  // and looks absurdly fast
  report::bench_tensor row;
  probe::run_tensor_bench(f, 0, spec("tensor.nvf4.native"), fake_image, small_budget(), row);
  EXPECT_EQ(row.status, bench_status::rejected);
  EXPECT_FALSE(row.throughput.has_value());
}

TEST(BenchDevice, IntegerResultsAreComparedExactly) {
  fake_driver f;
  simulate_tensor(f, spec("tensor.s8.native"), false);
  f.on_elapsed = script({2.0f, 20.0f});
  report::bench_tensor row;
  probe::run_tensor_bench(f, 0, spec("tensor.s8.native"), fake_image, small_budget(), row);
  ASSERT_EQ(row.status, bench_status::measured) << row.reason;
  EXPECT_EQ(row.iterations, 320);
  EXPECT_NEAR(*row.throughput, 1536.0 * 8 * 320 * 8192 / 20e-3 / 1e12, 1e-9);
}

TEST(BenchDevice, AnUnusableTimerRejectsTheFigure) {
  fake_driver f;
  simulate_tensor(f, spec("tensor.f16.native"), false);
  f.on_elapsed = script({1.0f, 10.0f, 0.0f});  // an event pair with nothing between them
  report::bench_tensor row;
  probe::run_tensor_bench(f, 0, spec("tensor.f16.native"), fake_image, small_budget(), row);
  EXPECT_EQ(row.status, bench_status::rejected);
  EXPECT_NE(row.reason.find("unusable timing"), std::string::npos) << row.reason;
  EXPECT_FALSE(row.throughput.has_value());
}

TEST(BenchDevice, DriverErrorsFailTheMeasurement) {
  fake_driver f;
  f.event_result = CUDA_ERROR_NOT_SUPPORTED;  // a driver without events: no figure from another clock
  report::bench_tensor row;
  probe::run_tensor_bench(f, 0, spec("tensor.f16.native"), fake_image, small_budget(), row);
  EXPECT_EQ(row.status, bench_status::failed);
  EXPECT_NE(row.reason.find("cuEventCreate failed"), std::string::npos) << row.reason;
  EXPECT_FALSE(row.throughput.has_value());
}

// --- memory ------------------------------------------------------------------------------------

std::byte* memory_of(fake_driver& f, CUdeviceptr p) {
  try {
    return f.buffer(p).data();
  } catch (const std::out_of_range&) {
    return reinterpret_cast<std::byte*>(p);  // managed or host memory: a host pointer
  }
}

std::uint32_t pattern(std::uint64_t w, std::uint32_t seed) { return static_cast<std::uint32_t>(w) * 2654435761u + seed; }

// bench_read / bench_write / bench_copy as documented in kernels/bench_memory.cu.
void simulate_memory(fake_driver& f, bool broken_copy) {
  f.on_launch = [broken_copy](fake_driver& drv, const std::string& entry, void** params) {
    const auto& rec = drv.launch_log.back();
    const std::uint64_t threads = static_cast<std::uint64_t>(rec.grid[0]) * rec.block[0];
    unsigned long long n_vec = 0;
    if (entry == "bench_read") {
      std::memcpy(&n_vec, params[1], sizeof n_vec);
      const auto* src = reinterpret_cast<const std::uint32_t*>(memory_of(drv, fake_driver::param_ptr(params, 0)));
      auto* fold = reinterpret_cast<std::uint32_t*>(memory_of(drv, fake_driver::param_ptr(params, 2)));
      for (std::uint64_t t = 0; t < threads; ++t) fold[t] = 0;
      for (std::uint64_t v = 0; v < n_vec; ++v)
        fold[v % threads] ^= src[4 * v] ^ src[4 * v + 1] ^ src[4 * v + 2] ^ src[4 * v + 3];
    } else if (entry == "bench_write") {
      std::memcpy(&n_vec, params[1], sizeof n_vec);
      unsigned seed = 0;
      std::memcpy(&seed, params[2], sizeof seed);
      auto* dst = reinterpret_cast<std::uint32_t*>(memory_of(drv, fake_driver::param_ptr(params, 0)));
      for (std::uint64_t w = 0; w < 4 * n_vec; ++w) dst[w] = pattern(w, seed);
    } else if (entry == "bench_copy") {
      std::memcpy(&n_vec, params[2], sizeof n_vec);
      if (!broken_copy)
        std::memcpy(memory_of(drv, fake_driver::param_ptr(params, 1)), memory_of(drv, fake_driver::param_ptr(params, 0)),
                    16 * n_vec);
    } else {
      return CUDA_ERROR_INVALID_VALUE;
    }
    return CUDA_SUCCESS;
  };
}

TEST(BenchMemory, BandwidthIsBytesOverTheMedianAndCopyCountsBothWays) {
  fake_driver f;
  f.attrs[CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE] = 1024;
  f.attrs[CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE] = 4266500;
  f.attrs[CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH] = 256;
  simulate_memory(f, false);
  f.on_elapsed = script({0.5f});
  const auto rows = probe::run_memory_bench(f, 0, fake_image, "device", small_budget());
  ASSERT_EQ(rows.size(), 3u);
  for (const auto& r : rows) {
    SCOPED_TRACE(r.id);
    ASSERT_EQ(r.status, bench_status::measured) << r.reason << r.verify;
    EXPECT_EQ(r.buffer_bytes, 64u * 1024);
    EXPECT_EQ(r.timing->median_ms, 0.5);
    EXPECT_NEAR(*r.peak_gb_per_s, 273.056, 1e-9);
    EXPECT_NEAR(*r.fraction_of_peak, *r.gb_per_s / 273.056, 1e-12);
  }
  EXPECT_EQ(rows[0].id, "memory.device.read");
  EXPECT_EQ(rows[0].anchor, "gb10-dram-read");
  EXPECT_NEAR(*rows[0].gb_per_s, 65536.0 / 0.5e-3 / 1e9, 1e-12);
  EXPECT_NEAR(*rows[1].gb_per_s, 65536.0 / 0.5e-3 / 1e9, 1e-12);
  EXPECT_EQ(rows[2].bytes_per_launch, 2u * 65536);
  EXPECT_NEAR(*rows[2].gb_per_s, 2 * 65536.0 / 0.5e-3 / 1e9, 1e-12);
}

TEST(BenchMemory, ABrokenCopyIsRejectedAndASmallBufferIsFlagged) {
  fake_driver f;
  f.attrs[CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE] = 32 * 1024;  // the 64 KiB buffer is only 2x L2
  simulate_memory(f, true);
  f.on_elapsed = script({0.25f});
  const auto rows = probe::run_memory_bench(f, 0, fake_image, "managed", small_budget());
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].status, bench_status::measured) << rows[0].reason;
  EXPECT_NE(rows[0].verify.find("only 2.0x the L2 cache"), std::string::npos) << rows[0].verify;
  EXPECT_FALSE(rows[0].fraction_of_peak.has_value());  // managed memory is not compared with the DRAM peak
  EXPECT_EQ(rows[2].status, bench_status::rejected);
  EXPECT_FALSE(rows[2].gb_per_s.has_value());
  EXPECT_NE(rows[2].reason.find("word 0"), std::string::npos) << rows[2].reason;
}

TEST(BenchMemory, PageableHostMemoryNeedsTheDeviceToReachIt) {
  fake_driver f;
  simulate_memory(f, false);
  f.on_elapsed = script({1.0f});
  auto rows = probe::run_memory_bench(f, 0, fake_image, "pageable-host", small_budget());
  for (const auto& r : rows) {
    EXPECT_EQ(r.status, bench_status::skipped) << r.id;
    EXPECT_NE(r.reason.find("pageableMemoryAccess = 0"), std::string::npos);
  }
  f.attrs[CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS] = 1;  // GB10: ATS
  rows = probe::run_memory_bench(f, 0, fake_image, "pageable-host", small_budget());
  for (const auto& r : rows) EXPECT_EQ(r.status, bench_status::measured) << r.id << r.reason << r.verify;
}

// --- launch latency, module load, conditions -------------------------------------------------

// A host clock that advances by the next scripted duration on every second reading.
class scripted_clock final : public probe::bench_clock {
 public:
  explicit scripted_clock(std::vector<double> d) : durations(std::move(d)) {}
  double now_ms() override {
    if (reads++ % 2 == 1) t += durations[std::min(next++, durations.size() - 1)];
    return t;
  }

 private:
  std::vector<double> durations;
  std::size_t next = 0, reads = 0;
  double t = 1000.0;
};

TEST(BenchLatency, EventsPerBatchAndARoundTripOnTheHostClock) {
  fake_driver f;
  f.on_elapsed = script({5.0f, 6.0f, 4.0f, 5.0f, 5.5f});  // ms per 1000 launches
  scripted_clock clock({0.02});
  const auto rows = probe::run_launch_bench(f, 0, fake_image, small_budget(), clock);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].status, bench_status::measured) << rows[0].reason;
  EXPECT_NEAR(*rows[0].value, 5.0, 1e-9);  // median 5 ms / 1000 launches = 5 us
  EXPECT_EQ(rows[0].unit, "us");
  EXPECT_EQ(rows[1].status, bench_status::measured) << rows[1].reason;
  EXPECT_NEAR(*rows[1].value, 20.0, 1e-9);
  EXPECT_EQ(rows[1].timing->samples.size(), 100u);
}

TEST(BenchLatency, ModuleLoadColdAndWarm) {
  fake_driver f;
  // Loads in order: PTX cold, cubin cold, then (PTX, cubin) warm pairs.
  scripted_clock clock({120.0, 3.0, 8.0, 1.0, 6.0, 1.5, 7.0, 1.0, 9.0, 2.0, 8.0, 1.0});
  const auto rows = probe::run_module_load_bench(f, 0, fake_image, fake_image, small_budget(), clock);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].id, "module.load.ptx.cold");
  EXPECT_EQ(*rows[0].value, 120.0);
  EXPECT_EQ(*rows[1].value, 3.0);
  EXPECT_EQ(rows[2].id, "module.load.ptx.warm");
  EXPECT_EQ(*rows[2].value, 8.0);   // median of 8, 6, 7, 9, 8
  EXPECT_EQ(*rows[3].value, 1.0);   // median of 1, 1.5, 1, 2, 1
  EXPECT_EQ(f.loads, 12);
}

class fake_nvml final : public cuda::nvml_api {
 public:
  std::optional<unsigned> sm, mem, power, limit, temp;
  std::optional<unsigned long long> reasons;
  std::string open(const std::string&) override { return {}; }
  std::optional<unsigned> sm_clock_mhz() override { return sm; }
  std::optional<unsigned> mem_clock_mhz() override { return mem; }
  std::optional<unsigned> power_mw() override { return power; }
  std::optional<unsigned> power_limit_mw() override { return limit; }
  std::optional<unsigned> temperature_c() override { return temp; }
  std::optional<unsigned long long> clocks_event_reasons() override { return reasons; }
};

TEST(BenchConditions, ThrottlingIsVisibleAndMissingFiguresSayNotReported) {
  fake_nvml n;
  n.sm = 2418;
  n.power = 98500;
  n.limit = 100000;
  n.reasons = 0x1 | 0x4 | 0x40;
  report::bench_snapshot s = probe::take_snapshot(&n);
  EXPECT_EQ(s.sm_clock_mhz, 2418);
  EXPECT_FALSE(s.mem_clock_mhz.has_value());  // GB10's NVML does not expose it
  EXPECT_DOUBLE_EQ(*s.power_w, 98.5);
  EXPECT_TRUE(s.throttle_reported);
  EXPECT_EQ(s.throttle_reasons, (std::vector<std::string>{"sw_power_cap", "hw_thermal_slowdown"}));

  report::bench_report r;
  r.nothing_timed = false;
  r.conditions = report::bench_conditions{"ok", s, probe::take_snapshot(nullptr), "NVML"};
  std::ostringstream text;
  report::render_bench_text(r, text);
  EXPECT_NE(text.str().find("SM 2418 MHz, memory clock not reported, 98.5 W (limit 100.0 W), throttled: "
                            "sw_power_cap hw_thermal_slowdown"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("after:  SM clock not reported, memory clock not reported, power not reported, "
                            "throttle reasons not reported"),
            std::string::npos)
      << text.str();
  EXPECT_EQ(cuda::clocks_event_reason_names(0x200000000ull), (std::vector<std::string>{"0x200000000"}));
}

TEST(BenchRatio, NativeOverFallbackOnlyWhenBothWereMeasured) {
  std::vector<report::bench_tensor> rows(4);
  rows[0].format = rows[1].format = "nvf4";
  rows[0].path = "native";
  rows[1].path = "fallback";
  rows[0].throughput = 80.0;
  rows[1].throughput = 20.0;
  rows[2].format = rows[3].format = "bf16";
  rows[2].path = "native";
  rows[3].path = "fallback";
  rows[2].throughput = 90.0;  // fallback rejected: no ratio
  probe::fill_ratios(rows);
  EXPECT_DOUBLE_EQ(*rows[0].native_over_fallback, 4.0);
  EXPECT_FALSE(rows[1].native_over_fallback.has_value());
  EXPECT_FALSE(rows[2].native_over_fallback.has_value());
}

// --- the whole run in device mode, in process ---------------------------------------------

// run_bench with the driver double as "the GPU": the device query goes through an
// in-process executor and every measurement request is answered in this process
// (what `__worker bench` does), with simulated kernels and scripted events.
struct device_run {
  fake_driver f;
  fake_nvml nvml;
  scripted_clock clock{{0.05}};
  bool wrong_fallback = false;

  report::bench_report run(const std::vector<std::string>& only) {
    f.attrs[CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE] = 1024;
    nvml.sm = 2400;
    nvml.reasons = 0x1;
    const auto& cat = cli::builtin_bench_catalogue();
    probe::in_process_executor exec(&f);
    probe::bench_options o;
    o.only = only;
    o.budget = small_budget();
    o.query_executor = &exec;
    o.in_process = [&](const nlohmann::json& rq, const std::vector<std::span<const std::byte>>& images) {
      const std::string what = rq.value("measurement", "");
      if (what == "tensor") {
        const std::string id = rq["row"]["id"];
        const bool fallback = id.ends_with(".fallback");
        simulate_tensor(f, spec(id), fallback && wrong_fallback, 1e6);
        f.on_elapsed = script({1.0f, fallback ? 20.0f : 10.0f});
      } else if (what == "memory") {
        simulate_memory(f, false);
        f.on_elapsed = script({0.5f});
      } else {
        f.on_launch = [](fake_driver&, const std::string&, void**) { return CUDA_SUCCESS; };  // bench_empty
        f.on_elapsed = script({5.0f});
      }
      return probe::answer_bench_request(cat, f, rq, images, &nvml, "", clock);
    };
    return probe::run_bench(o, cat, testing::tools(), nullptr);
  }
};

TEST(BenchRun, DeviceModeEndToEndThroughTheDriverDouble) {
  device_run d;
  const report::bench_report r =
      d.run({"tensor.bf16.*", "memory.device.*", "memory.pageable-host.read", "launch.*", "module.load.*"});
  EXPECT_EQ(r.mode, report::run_mode::device);
  EXPECT_FALSE(r.nothing_timed);
  EXPECT_EQ(r.target, "sm_121");
  ASSERT_EQ(r.tensor.size(), 2u);
  for (const auto& t : r.tensor) {
    ASSERT_EQ(t.status, bench_status::measured) << t.id << ": " << t.reason;
    EXPECT_TRUE(t.sass.expected_found) << t.sass.note;
  }
  // Same work, median 10 ms vs 20 ms.
  ASSERT_TRUE(r.tensor[0].native_over_fallback);
  EXPECT_DOUBLE_EQ(*r.tensor[0].native_over_fallback, 2.0);
  EXPECT_NEAR(*r.tensor[0].throughput, 1536.0 * 8 * 640 * 4096 / 10e-3 / 1e12, 1e-9);
  ASSERT_EQ(r.memory.size(), 4u);
  for (const auto& m : r.memory) EXPECT_NE(m.status, bench_status::failed) << m.id << m.reason;
  EXPECT_EQ(r.memory[3].id, "memory.pageable-host.read");
  EXPECT_EQ(r.memory[3].status, bench_status::skipped);  // the double has no pageable memory access
  ASSERT_EQ(r.latency.size(), 6u);
  for (const auto& l : r.latency) EXPECT_EQ(l.status, bench_status::measured) << l.id << l.reason;
  ASSERT_TRUE(r.conditions && r.conditions->before && r.conditions->after);
  EXPECT_EQ(r.conditions->nvml, "ok");
  EXPECT_EQ(r.conditions->before->sm_clock_mhz, 2400);
  EXPECT_FALSE(report::bench_failed(r));
  EXPECT_EQ(testing::schema_errors(report::to_json(r), std::string(SM121PROBE_SOURCE_DIR) + "/docs/bench.schema.json"),
            "");
  std::ostringstream text;
  report::render_bench_text(r, text);
  EXPECT_NE(text.str().find("public anchor: ~91-92 TFLOP/s"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("2.00x the fallback"), std::string::npos) << text.str();
  EXPECT_EQ(text.str().find("NOTHING WAS TIMED"), std::string::npos);
}

// Measurements in real worker processes (a shell standing in for `__worker
// bench`): a crash or a hang costs that measurement only, and says why.
TEST(BenchRun, AWorkerThatCrashesOrHangsCostsOneMeasurement) {
  for (const auto& [script_text, why] : std::vector<std::pair<std::string, std::string>>{
           {"kill -SEGV $$", "worker process killed by SIGSEGV"},
           {"exec sleep 30", "timeout: worker killed after 300 ms"},
           {"echo '{\"error\": \"the driver cannot open the device\"}'", "the driver cannot open the device"}}) {
    fake_driver f;
    probe::in_process_executor exec(&f);
    probe::bench_options o;
    o.only = {"tensor.f16.native", "launch.round-trip"};
    o.budget = small_budget();
    o.query_executor = &exec;
    o.worker_argv = {"/bin/sh", "-c", script_text, "sh"};
    o.timeout = std::chrono::milliseconds(300);
    const auto r = probe::run_bench(o, cli::builtin_bench_catalogue(), testing::tools(), nullptr);
    ASSERT_EQ(r.tensor.size(), 1u);
    EXPECT_EQ(r.tensor[0].status, bench_status::failed);
    EXPECT_EQ(r.tensor[0].reason, why);
    EXPECT_FALSE(r.tensor[0].throughput.has_value());
    ASSERT_EQ(r.latency.size(), 1u);
    EXPECT_EQ(r.latency[0].status, bench_status::failed);
    ASSERT_TRUE(r.conditions);
    EXPECT_EQ(r.conditions->nvml, "not reported: " + why);
    EXPECT_TRUE(report::bench_failed(r));
  }
}

TEST(BenchRun, AWrongFallbackIsRejectedAndHasNoRatio) {
  device_run d;
  d.wrong_fallback = true;
  const report::bench_report r = d.run({"tensor.f16.*"});
  ASSERT_EQ(r.tensor.size(), 2u);
  EXPECT_EQ(r.tensor[0].status, bench_status::measured) << r.tensor[0].reason;
  EXPECT_EQ(r.tensor[1].status, bench_status::rejected);
  EXPECT_FALSE(r.tensor[1].throughput.has_value());
  EXPECT_FALSE(r.tensor[0].native_over_fallback.has_value());
  EXPECT_TRUE(report::bench_failed(r));
}

}  // namespace
}  // namespace sm121probe
