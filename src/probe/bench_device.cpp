// `bench`, device side: every measurement through the driver interface, timed
// with CUDA events after warm-up (docs/bench.md). Runs inside a worker
// process (bench_run.cpp), and in the tests against the driver double with a
// scripted clock.
#include "sm121probe/probe/bench.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace sm121probe::probe {

namespace {

struct driver_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

void check(cuda::driver_api& api, CUresult r, const char* what) {
  if (r != CUDA_SUCCESS) throw driver_failure(fmt::format("{} failed: {}", what, cuda::error_name(&api, r)));
}

// The primary context, current for the lifetime of the guard.
class context_guard {
 public:
  context_guard(cuda::driver_api& a, CUdevice d) : api(a), dev(d) {
    check(api, api.init(0), "cuInit");
    CUcontext ctx = nullptr;
    check(api, api.primary_ctx_retain(&ctx, dev), "cuDevicePrimaryCtxRetain");
    retained = true;
    check(api, api.ctx_set_current(ctx), "cuCtxSetCurrent");
  }
  ~context_guard() {
    if (retained) (void)api.primary_ctx_release(dev);
  }
  context_guard(const context_guard&) = delete;
  context_guard& operator=(const context_guard&) = delete;

 private:
  cuda::driver_api& api;
  CUdevice dev;
  bool retained = false;
};

class module_guard {
 public:
  module_guard(cuda::driver_api& a, std::span<const std::byte> image) : api(a) {
    check(api, api.module_load_data_ex(&mod, image.data(), 0, nullptr, nullptr), "cuModuleLoadDataEx");
  }
  ~module_guard() { (void)api.module_unload(mod); }
  module_guard(const module_guard&) = delete;
  module_guard& operator=(const module_guard&) = delete;
  CUfunction function(const char* name) {
    CUfunction f = nullptr;
    check(api, api.module_get_function(&f, mod, name), "cuModuleGetFunction");
    return f;
  }

 private:
  cuda::driver_api& api;
  CUmodule mod = nullptr;
};

class device_buffer {
 public:
  device_buffer(cuda::driver_api& a, std::size_t bytes) : api(a) {
    check(api, api.mem_alloc(&ptr, std::max<std::size_t>(bytes, 16)), "cuMemAlloc");
  }
  ~device_buffer() { (void)api.mem_free(ptr); }
  device_buffer(const device_buffer&) = delete;
  device_buffer& operator=(const device_buffer&) = delete;
  CUdeviceptr get() const { return ptr; }

 private:
  cuda::driver_api& api;
  CUdeviceptr ptr = 0;
};

class event_pair {
 public:
  explicit event_pair(cuda::driver_api& a) : api(a) {
    check(api, api.event_create(&start, CU_EVENT_DEFAULT), "cuEventCreate");
    check(api, api.event_create(&end, CU_EVENT_DEFAULT), "cuEventCreate");
  }
  ~event_pair() {
    if (start) (void)api.event_destroy(start);
    if (end) (void)api.event_destroy(end);
  }
  event_pair(const event_pair&) = delete;
  event_pair& operator=(const event_pair&) = delete;

  // Elapsed milliseconds of `work` between two events on the default stream;
  // the end event is waited for before its time is read.
  template <typename Fn>
  double time(Fn&& work) {
    check(api, api.event_record(start, nullptr), "cuEventRecord");
    work();
    check(api, api.event_record(end, nullptr), "cuEventRecord");
    check(api, api.event_synchronize(end), "cuEventSynchronize");
    float ms = 0;
    check(api, api.event_elapsed_time(&ms, start, end), "cuEventElapsedTime");
    return ms;
  }

 private:
  cuda::driver_api& api;
  CUevent start = nullptr, end = nullptr;
};

int attribute(cuda::driver_api& api, CUdevice dev, CUdevice_attribute a) {
  int v = 0;
  if (api.device_get_attribute(&v, a, dev) != CUDA_SUCCESS) return 0;
  return v;
}

int repetitions(const bench_budget& b, double per_rep_ms) {
  const double want = b.seconds * 1000.0 / std::max(per_rep_ms, 1e-6);
  return static_cast<int>(std::clamp(want, static_cast<double>(b.min_reps), static_cast<double>(b.max_reps)));
}

constexpr unsigned bench_threads = 256;

}  // namespace

report::bench_snapshot take_snapshot(cuda::nvml_api* nvml) {
  report::bench_snapshot s;
  if (!nvml) return s;
  if (auto v = nvml->sm_clock_mhz()) s.sm_clock_mhz = static_cast<int>(*v);
  if (auto v = nvml->mem_clock_mhz()) s.mem_clock_mhz = static_cast<int>(*v);
  if (auto v = nvml->power_mw()) s.power_w = *v / 1000.0;
  if (auto v = nvml->power_limit_mw()) s.power_limit_w = *v / 1000.0;
  if (auto v = nvml->temperature_c()) s.temperature_c = *v;
  if (auto v = nvml->clocks_event_reasons()) {
    s.throttle_reported = true;
    // Idle is what a GPU between kernels reports; it is not a slowdown.
    for (auto& n : cuda::clocks_event_reason_names(*v))
      if (n != "gpu_idle") s.throttle_reasons.push_back(n);
  }
  return s;
}

void run_tensor_bench(cuda::driver_api& api, CUdevice dev, const bench_tensor_spec& spec,
                      std::span<const std::byte> image, const bench_budget& budget, report::bench_tensor& row) {
  row.timing.reset();
  row.throughput.reset();
  try {
    context_guard ctx(api, dev);
    module_guard mod(api, image);
    CUfunction fn = mod.function("bench_kernel");
    const int sms = std::max(1, attribute(api, dev, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT));
    const unsigned base_blocks = static_cast<unsigned>(sms) * 4;
    unsigned blocks = base_blocks;
    const bench_case c = spec.make_case(bench_seed);
    const auto upload = [&](const std::vector<std::byte>& v) {
      auto b = std::make_unique<device_buffer>(api, v.size());
      if (!v.empty()) check(api, api.memcpy_htod(b->get(), v.data(), v.size()), "cuMemcpyHtoD");
      return b;
    };
    const auto a = upload(c.a), b = upload(c.b), sfa = upload(c.sfa), sfb = upload(c.sfb), cc = upload(c.c);
    const auto d_bytes = [&] { return static_cast<std::size_t>(blocks) * (bench_threads / 32) * 128 * 4; };
    auto d = std::make_unique<device_buffer>(api, d_bytes());
    CUdeviceptr pa = a->get(), pb = b->get(), psa = sfa->get(), psb = sfb->get(), pc = cc->get(), pd = d->get();
    int iterations = 64;
    unsigned filler = c.filler;
    void* params[] = {&pa, &pb, &psa, &psb, &pc, &pd, &iterations, &filler};
    const auto launch = [&] {
      check(api, api.launch_kernel(fn, blocks, 1, 1, bench_threads, 1, 1, 0, nullptr, params, nullptr), "cuLaunchKernel");
    };
    event_pair ev(api);
    // Size the launch: one warm launch, one timed, then scale the iterations
    // (up to the spec's limit, which keeps the accumulated sums checkable) and
    // beyond that the grid (whole waves of blocks), so that a launch lasts
    // about its share of the budget.
    launch();
    check(api, api.ctx_synchronize(), "cuCtxSynchronize");
    const double probe_ms = ev.time(launch);
    if (!(probe_ms > 0) || !std::isfinite(probe_ms))
      throw driver_failure(fmt::format("the sizing launch took {} ms: the event timer is unusable", probe_ms));
    const double per_launch_ms = budget.seconds * 1000.0 / std::max(budget.min_reps, 1);
    const double wanted = std::max(1.0, std::floor(64.0 * per_launch_ms / probe_ms));
    iterations = static_cast<int>(std::min<double>(wanted, static_cast<double>(spec.max_iterations)));
    const auto waves = static_cast<unsigned>(std::clamp(std::ceil(wanted / iterations), 1.0, 64.0));
    if (waves > 1) {
      blocks = base_blocks * waves;
      d = std::make_unique<device_buffer>(api, d_bytes());
      pd = d->get();
    }
    const std::int64_t warps = static_cast<std::int64_t>(blocks) * (bench_threads / 32);
    for (int i = 0; i < budget.warmup; ++i) launch();
    check(api, api.ctx_synchronize(), "cuCtxSynchronize");
    const int reps = repetitions(budget, probe_ms * iterations * waves / 64.0);
    std::vector<double> samples;
    for (int r = 0; r < reps; ++r) samples.push_back(ev.time(launch));
    check(api, api.ctx_synchronize(), "cuCtxSynchronize");
    std::vector<std::byte> out(d_bytes());
    check(api, api.memcpy_dtoh(out.data(), pd, out.size()), "cuMemcpyDtoH");

    row.iterations = iterations;
    row.warps = warps;
    row.ops_per_launch = static_cast<double>(warps) * bench_unroll * iterations * spec.ops_per_mma();
    const std::string bad = check_tensor_result(c, out, warps, bench_unroll, iterations, spec.relative_tolerance);
    if (!bad.empty()) {
      row.status = report::bench_status::rejected;
      row.verify = bad;
      row.reason = "the timed loop's result is wrong, so its time says nothing: " + bad;
      return;
    }
    row.verify = fmt::format("ok: {} tiles of 16x8 match the CPU", warps);
    try {
      row.timing = summarize_timing(samples, budget.warmup);
    } catch (const std::invalid_argument& e) {
      row.status = report::bench_status::rejected;
      row.reason = fmt::format("unusable timing: {}", e.what());
      return;
    }
    row.throughput = tera_ops_per_s(row.ops_per_launch, row.timing->median_ms);
    row.status = report::bench_status::measured;
  } catch (const driver_failure& e) {
    row.status = report::bench_status::failed;
    row.reason = e.what();
  }
}

namespace {

constexpr std::uint32_t pattern_seed = 0x5eed;
std::uint32_t pattern(std::uint64_t word, std::uint32_t seed) {
  return static_cast<std::uint32_t>(word) * 2654435761u + seed;
}

}  // namespace

std::vector<report::bench_memory> run_memory_bench(cuda::driver_api& api, CUdevice dev,
                                                   std::span<const std::byte> image, const std::string& memory,
                                                   const bench_budget& budget) {
  std::vector<report::bench_memory> rows;
  for (const char* op : {"read", "write", "copy"}) {
    report::bench_memory m;
    m.id = fmt::format("memory.{}.{}", memory, op);
    m.memory = memory;
    m.op = op;
    if (memory == "device" && m.op == "read") m.anchor = "gb10-dram-read";
    rows.push_back(std::move(m));
  }
  const auto fail_all = [&](report::bench_status s, const std::string& why) {
    for (auto& r : rows) {
      r.status = s;
      r.reason = why;
    }
    return rows;
  };
  try {
    context_guard ctx(api, dev);
    if (memory == "pageable-host" && attribute(api, dev, CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS) != 1)
      return fail_all(report::bench_status::skipped,
                      "the device cannot access pageable host memory (pageableMemoryAccess = 0)");
    module_guard mod(api, image);
    CUfunction f_read = mod.function("bench_read"), f_write = mod.function("bench_write"),
               f_copy = mod.function("bench_copy");
    const std::uint64_t l2 = static_cast<std::uint64_t>(attribute(api, dev, CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE));
    std::size_t free_b = 0, total_b = 0;
    (void)api.mem_get_info(&free_b, &total_b);
    std::uint64_t bytes = budget.memory_bytes;
    if (bytes == 0) {
      bytes = std::max<std::uint64_t>(256ull << 20, 32 * l2);
      if (free_b > 0) bytes = std::min<std::uint64_t>(bytes, free_b / 4);
    }
    bytes = bytes / 16 * 16;
    if (bytes < 16) return fail_all(report::bench_status::failed, "no memory for the buffers");
    const std::uint64_t n_vec = bytes / 16, words = bytes / 4;

    // Two buffers of the kind under test.
    std::vector<std::unique_ptr<device_buffer>> dev_bufs;
    std::vector<CUdeviceptr> managed;
    std::vector<void*> host;
    struct cleanup {
      cuda::driver_api& api;
      std::vector<CUdeviceptr>& managed;
      std::vector<void*>& host;
      ~cleanup() {
        for (auto p : managed) (void)api.mem_free(p);
        for (auto* p : host) std::free(p);
      }
    } guard{api, managed, host};
    CUdeviceptr src = 0, dst = 0;
    for (CUdeviceptr* p : {&src, &dst}) {
      if (memory == "device") {
        dev_bufs.push_back(std::make_unique<device_buffer>(api, bytes));
        *p = dev_bufs.back()->get();
      } else if (memory == "managed") {
        check(api, api.mem_alloc_managed(p, bytes, CU_MEM_ATTACH_GLOBAL), "cuMemAllocManaged");
        managed.push_back(*p);
      } else {
        void* h = std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
        if (!h) throw driver_failure("cannot allocate pageable host memory");
        host.push_back(h);
        *p = reinterpret_cast<CUdeviceptr>(h);
      }
    }
    // Host views (device memory is read through copies).
    const auto fill_src = [&] {
      std::vector<std::uint32_t> v(words);
      for (std::uint64_t i = 0; i < words; ++i) v[i] = pattern(i, pattern_seed);
      if (memory == "device") check(api, api.memcpy_htod(src, v.data(), bytes), "cuMemcpyHtoD");
      else std::memcpy(reinterpret_cast<void*>(src), v.data(), bytes);
    };
    const auto read_words = [&](CUdeviceptr p) {
      std::vector<std::uint32_t> v(words);
      if (memory == "device") check(api, api.memcpy_dtoh(v.data(), p, bytes), "cuMemcpyDtoH");
      else std::memcpy(v.data(), reinterpret_cast<const void*>(p), bytes);
      return v;
    };
    fill_src();
    const int sms = std::max(1, attribute(api, dev, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT));
    const unsigned blocks = static_cast<unsigned>(sms) * 8;
    const std::uint64_t threads = static_cast<std::uint64_t>(blocks) * bench_threads;
    device_buffer fold(api, threads * 4);
    CUdeviceptr p_fold = fold.get();
    unsigned long long nv = n_vec;
    unsigned seed = 7;
    void* read_params[] = {&src, &nv, &p_fold};
    void* write_params[] = {&dst, &nv, &seed};
    void* copy_params[] = {&src, &dst, &nv};
    event_pair ev(api);
    const auto measure = [&](report::bench_memory& row, CUfunction fn, void** params, std::uint64_t moved,
                             const std::function<std::string()>& verify) {
      const auto launch = [&] {
        check(api, api.launch_kernel(fn, blocks, 1, 1, bench_threads, 1, 1, 0, nullptr, params, nullptr),
              "cuLaunchKernel");
      };
      for (int i = 0; i < budget.warmup; ++i) launch();
      check(api, api.ctx_synchronize(), "cuCtxSynchronize");
      const double first = ev.time(launch);
      std::vector<double> samples{first};
      const int reps = repetitions(budget, first);
      for (int r = 1; r < reps; ++r) samples.push_back(ev.time(launch));
      check(api, api.ctx_synchronize(), "cuCtxSynchronize");
      row.buffer_bytes = bytes;
      row.bytes_per_launch = moved;
      row.verify = verify();
      if (!row.verify.starts_with("ok")) {
        row.status = report::bench_status::rejected;
        row.reason = "the kernel's result is wrong, so its time says nothing: " + row.verify;
        return;
      }
      try {
        row.timing = summarize_timing(samples, budget.warmup);
      } catch (const std::invalid_argument& e) {
        row.status = report::bench_status::rejected;
        row.reason = fmt::format("unusable timing: {}", e.what());
        return;
      }
      row.gb_per_s = gb_per_s(static_cast<double>(moved), row.timing->median_ms);
      row.status = report::bench_status::measured;
      if (l2 > 0 && bytes < 8 * l2)
        row.verify += fmt::format("; the buffer is only {:.1f}x the L2 cache: part of the traffic may be cache hits",
                                  static_cast<double>(bytes) / static_cast<double>(l2));
    };
    const auto sample_ok = [&](const std::vector<std::uint32_t>& got, std::uint32_t seed_used) -> std::string {
      const std::uint64_t step = std::max<std::uint64_t>(1, words / 4096);
      for (std::uint64_t i = 0; i < words; i += step)
        if (got[i] != pattern(i, seed_used))
          return fmt::format("word {}: got 0x{:08x}, expected 0x{:08x}", i, got[i], pattern(i, seed_used));
      if (got[words - 1] != pattern(words - 1, seed_used)) return fmt::format("word {} (the last) is wrong", words - 1);
      return "ok";
    };
    measure(rows[0], f_read, read_params, bytes, [&] {
      std::vector<std::uint32_t> got(threads);
      check(api, api.memcpy_dtoh(got.data(), p_fold, threads * 4), "cuMemcpyDtoH");
      std::vector<std::uint32_t> want(threads, 0);
      for (std::uint64_t v = 0; v < n_vec; ++v)
        for (int k = 0; k < 4; ++k) want[v % threads] ^= pattern(4 * v + static_cast<std::uint64_t>(k), pattern_seed);
      for (std::uint64_t t = 0; t < threads; ++t)
        if (got[t] != want[t]) return fmt::format("fold of thread {}: got 0x{:08x}, expected 0x{:08x}", t, got[t], want[t]);
      return std::string("ok");
    });
    measure(rows[1], f_write, write_params, bytes, [&] { return sample_ok(read_words(dst), seed); });
    measure(rows[2], f_copy, copy_params, 2 * bytes, [&] { return sample_ok(read_words(dst), pattern_seed); });

    // The fraction of the theoretical bandwidth (device memory only).
    const auto peak = theoretical_bandwidth_gb_s(attribute(api, dev, CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE),
                                                 attribute(api, dev, CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH));
    char name[256] = {};
    (void)api.device_get_name(name, sizeof name - 1, dev);
    for (auto& r : rows) {
      if (memory != "device") {
        r.peak_source = "no fraction: only device memory is compared with the DRAM peak";
        continue;
      }
      if (peak) {
        r.peak_gb_per_s = *peak;
        r.peak_source = "2 x memory clock x bus width (cuDeviceGetAttribute)";
      } else if (std::string(name).find("GB10") != std::string::npos) {
        r.peak_gb_per_s = 273.0;
        r.peak_source = "documented DGX Spark figure: LPDDR5X-8533, 256-bit (docs/bench.md)";
      } else {
        r.peak_source = "the driver reports no memory clock or bus width, and no figure is documented for this GPU";
      }
      if (r.peak_gb_per_s && r.gb_per_s) r.fraction_of_peak = *r.gb_per_s / *r.peak_gb_per_s;
    }
  } catch (const driver_failure& e) {
    for (auto& r : rows)
      if (r.status != report::bench_status::measured && r.status != report::bench_status::rejected) {
        r.status = report::bench_status::failed;
        r.reason = e.what();
      }
  }
  return rows;
}

std::vector<report::bench_latency> run_launch_bench(cuda::driver_api& api, CUdevice dev,
                                                    std::span<const std::byte> image, const bench_budget& budget,
                                                    bench_clock& clock) {
  report::bench_latency events, roundtrip;
  events.id = "launch.back-to-back";
  events.description = "empty kernel, 1000 launches queued back to back: time per launch";
  events.unit = "us";
  events.clock = "CUDA events";
  roundtrip.id = "launch.round-trip";
  roundtrip.description = "empty kernel: launch and cuCtxSynchronize, one at a time";
  roundtrip.unit = "us";
  roundtrip.clock = "host steady_clock around launch + synchronise";
  try {
    context_guard ctx(api, dev);
    module_guard mod(api, image);
    CUfunction fn = mod.function("bench_empty");
    const auto launch = [&] {
      check(api, api.launch_kernel(fn, 1, 1, 1, 32, 1, 1, 0, nullptr, nullptr, nullptr), "cuLaunchKernel");
    };
    for (int i = 0; i < std::max(budget.warmup, 1) * 10; ++i) launch();
    check(api, api.ctx_synchronize(), "cuCtxSynchronize");
    event_pair ev(api);
    constexpr int batch = 1000;
    std::vector<double> per_launch_ms;
    for (int r = 0; r < std::max(budget.min_reps, 1); ++r)
      per_launch_ms.push_back(ev.time([&] {
        for (int i = 0; i < batch; ++i) launch();
      }) / batch);
    events.timing = summarize_timing(per_launch_ms, budget.warmup);
    events.value = events.timing->median_ms * 1000.0;
    events.status = report::bench_status::measured;

    std::vector<double> rt;
    for (int r = 0; r < 100; ++r) {
      const double t0 = clock.now_ms();
      launch();
      check(api, api.ctx_synchronize(), "cuCtxSynchronize");
      rt.push_back(clock.now_ms() - t0);
    }
    roundtrip.timing = summarize_timing(rt, budget.warmup);
    roundtrip.value = roundtrip.timing->median_ms * 1000.0;
    roundtrip.status = report::bench_status::measured;
  } catch (const std::exception& e) {
    for (auto* l : {&events, &roundtrip})
      if (l->status != report::bench_status::measured) {
        l->status = dynamic_cast<const std::invalid_argument*>(&e) ? report::bench_status::rejected
                                                                  : report::bench_status::failed;
        l->reason = e.what();
      }
  }
  return {events, roundtrip};
}

std::vector<report::bench_latency> run_module_load_bench(cuda::driver_api& api, CUdevice dev,
                                                         std::span<const std::byte> cubin,
                                                         std::span<const std::byte> ptx, const bench_budget& budget,
                                                         bench_clock& clock) {
  std::vector<report::bench_latency> rows;
  const auto make = [&](const char* id, const char* what) {
    report::bench_latency l;
    l.id = id;
    l.description = what;
    l.unit = "ms";
    l.clock = "host steady_clock around cuModuleLoadDataEx (synchronous)";
    rows.push_back(l);
  };
  make("module.load.ptx.cold", "the compute_80 PTX of the f16 benchmark, first load: the driver JIT-compiles it (empty JIT cache)");
  make("module.load.cubin.cold", "the same kernel as a cubin, first load");
  make("module.load.ptx.warm", "the PTX again: the JIT cache answers");
  make("module.load.cubin.warm", "the cubin again");
  try {
    context_guard ctx(api, dev);
    const auto load_ms = [&](std::span<const std::byte> image) {
      CUmodule m = nullptr;
      const double t0 = clock.now_ms();
      check(api, api.module_load_data_ex(&m, image.data(), 0, nullptr, nullptr), "cuModuleLoadDataEx");
      const double t1 = clock.now_ms();
      (void)api.module_unload(m);
      return t1 - t0;
    };
    const int reps = std::max(budget.min_reps, 1);
    const auto settle = [&](report::bench_latency& row, std::vector<double> samples) {
      try {
        row.timing = summarize_timing(std::move(samples), 0);
        row.value = row.timing->median_ms;
        row.status = report::bench_status::measured;
      } catch (const std::invalid_argument& e) {
        row.status = report::bench_status::rejected;
        row.reason = fmt::format("unusable timing: {}", e.what());
      }
    };
    settle(rows[0], {load_ms(ptx)});
    settle(rows[1], {load_ms(cubin)});
    std::vector<double> warm_ptx, warm_cubin;
    for (int r = 0; r < reps; ++r) {
      warm_ptx.push_back(load_ms(ptx));
      warm_cubin.push_back(load_ms(cubin));
    }
    settle(rows[2], warm_ptx);
    settle(rows[3], warm_cubin);
  } catch (const driver_failure& e) {
    for (auto& r : rows)
      if (r.status != report::bench_status::measured) {
        r.status = report::bench_status::failed;
        r.reason = e.what();
      }
  }
  return rows;
}

void fill_ratios(std::vector<report::bench_tensor>& rows) {
  for (auto& native : rows) {
    if (native.path != "native" || !native.throughput) continue;
    for (const auto& fb : rows)
      if (fb.format == native.format && fb.path == "fallback" && fb.throughput && *fb.throughput > 0)
        native.native_over_fallback = *native.throughput / *fb.throughput;
  }
}

namespace {
class steady final : public bench_clock {
 public:
  double now_ms() override {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
  }
};
}  // namespace

bench_clock& steady_bench_clock() {
  static steady clock;
  return clock;
}

}  // namespace sm121probe::probe
