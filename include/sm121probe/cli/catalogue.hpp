#pragma once
/// The catalogue the CLI hands to the framework: every registered probe family
/// (src/probes), the embedded kernels, the SASS class catalogue and the sources
/// of the expected verdicts.

#include "sm121probe/probe/bench.hpp"
#include "sm121probe/probe/catalogue.hpp"

namespace sm121probe::cli {

/// Built once, on first use, from the registrations linked into this binary.
[[nodiscard]] const probe::catalogue& builtin_catalogue();

/// The benchmarks of `sm121-probe bench` (src/probes/bench_kernels.cpp) with
/// the embedded kernels and the SASS class catalogue.
[[nodiscard]] const probe::bench_catalogue& builtin_bench_catalogue();

}  // namespace sm121probe::cli
