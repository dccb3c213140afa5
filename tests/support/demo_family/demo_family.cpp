// A probe family that exists only for the tests: the second of its two files
// (the first is demo_axpy.cu). It declares its probe, with the expected
// verdicts and their source, and registers it with one line; tests/CMakeLists.txt
// links it into `sm121-probe-demo`, and tests/cli/demo_family_test.cpp finds it
// in `list`, in an offline report with its expectation and in the generated
// probe docs.
#include "sm121probe/probe/probe.hpp"
#include "sm121probe/probes/registration.hpp"

namespace sm121probe::demo {

namespace {

using namespace probe;

probe::probe make_demo_axpy() {
  probe::probe p;
  p.id = "demo.axpy";
  p.category = "demo";
  p.description = "Test-only family: y = a*x + y over 1024 floats";
  p.details = "Proves that a new probe family is two files: a kernel and a family file.";
  p.kernel = "kernels/demo_axpy.cu";
  p.variants = {variant{"native", target_spec::native(), false, {}},
                variant{"sm80-ptx", target_spec::fixed("compute_80"), true, {}}};
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121, and why.
  p.expected = {{"native", "native", "native", "native", "native", "native", "native"}, "demo-source"};
  p.make_case = [](const exec_facts&) {
    constexpr int n = 1024;
    std::vector<float> x(n), y(n);
    for (int i = 0; i < n; ++i) {
      x[static_cast<std::size_t>(i)] = static_cast<float>(i % 17) / 4.0f;
      y[static_cast<std::size_t>(i)] = static_cast<float>(i % 5);
    }
    test_case tc;
    tc.launch.grid = {n / 256, 1, 1};
    tc.launch.block = {256, 1, 1};
    tc.buffers = {{"x", to_bytes(x)}, {"y", to_bytes(y)}};
    tc.args = {kernel_arg::scalar(2.5f), kernel_arg::buffer(0), kernel_arg::buffer(1), kernel_arg::scalar(n)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const auto x = from_bytes<float>(tc.buffers[0].init);
    const auto y = from_bytes<float>(tc.buffers[1].init);
    expectation e;
    e.buffer_index = 1;
    e.type = elem_type::f32;
    for (std::size_t i = 0; i < x.size(); ++i) e.values.push_back(2.5 * x[i] + y[i]);
    e.tol = {0.0, 0.0};  // exact: quarters times 2.5 plus small integers
    return std::vector<expectation>{e};
  };
  return p;
}

}  // namespace

// Registration: one line (the key places it after every built-in probe).
SM121PROBE_FAMILY(9000, make_demo_axpy);
SM121PROBE_SOURCE("demo-source", "A source that only the test-only demo family cites", "docs/architecture.md");

}  // namespace sm121probe::demo
