#pragma once
/// The benchmark catalogue of `sm121-probe bench` (src/probes/bench_kernels.cpp):
/// the tensor benchmarks (format x path) with their inputs and CPU results,
/// and the public anchors printed beside the figures (docs/bench.md).

#include "sm121probe/probe/bench.hpp"

#include <vector>

namespace sm121probe::probes {

/// Every tensor benchmark, in report order (native before fallback per format).
[[nodiscard]] std::vector<probe::bench_tensor_spec> bench_tensor_specs();

/// The public figures the report prints beside ours (never our measurements).
[[nodiscard]] std::vector<report::bench_anchor> bench_anchors();

}  // namespace sm121probe::probes
