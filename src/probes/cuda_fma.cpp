#include "probes.hpp"
#include "sm121probe/probes/registration.hpp"

#include <cmath>

namespace sm121probe::probe {

static probe make_cuda_fma() {
  probe p;
  p.id = "cuda.fma";
  p.category = "sanity";
  p.description = "Plain fused multiply-add kernel: compile, load, launch and verify work at all";
  p.details =
      "Launches a trivial kernel (y = a*x + b over 4096 floats) through every stage: NVRTC compile, driver "
      "load, launch, copy back, comparison with the CPU. If this fails nothing else can work: the toolkit "
      "cannot target the GPU, or the driver cannot load or run code on it.";
  p.kernel = "kernels/cuda_fma.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"native", "native", "native", "native", "native", "native", "native"}, "cuda-guide"};
  p.variants = native_and_sm80_ptx();
  p.make_case = [](const exec_facts&) {
    constexpr int n = 4096;
    lcg rng(1);
    std::vector<float> a(n), x(n), b(n);
    for (int i = 0; i < n; ++i) {
      a[static_cast<std::size_t>(i)] = static_cast<float>(rng.uniform(-1000, 1000)) / 64.0f;
      x[static_cast<std::size_t>(i)] = static_cast<float>(rng.uniform(-1000, 1000)) / 128.0f;
      b[static_cast<std::size_t>(i)] = static_cast<float>(rng.uniform(-1000, 1000)) / 32.0f;
    }
    test_case tc;
    tc.launch.grid = {n / 256, 1, 1};
    tc.launch.block = {256, 1, 1};
    tc.buffers = {{"a", to_bytes(a)}, {"x", to_bytes(x)}, {"b", to_bytes(b)},
                  {"y", poisoned(n * sizeof(float))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1), kernel_arg::buffer(2), kernel_arg::buffer(3),
               kernel_arg::scalar(n)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const auto a = from_bytes<float>(tc.buffers[0].init);
    const auto x = from_bytes<float>(tc.buffers[1].init);
    const auto b = from_bytes<float>(tc.buffers[2].init);
    expectation e;
    e.buffer_index = 3;
    e.type = elem_type::f32;
    for (std::size_t i = 0; i < a.size(); ++i)
      e.values.push_back(static_cast<double>(a[i]) * x[i] + b[i]);
    // fmaf rounds the exact result once: within half an ulp of float.
    e.tol = {1e-30, 0x1p-24};
    return std::vector<expectation>{e};
  };
  return p;
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(100, make_cuda_fma);

}  // namespace sm121probe::probe
