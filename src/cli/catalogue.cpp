#include "sm121probe/cli/catalogue.hpp"

#include "sm121probe/probes/bench.hpp"
#include "sm121probe/probes/registration.hpp"

namespace sm121probe::cli {

const probe::catalogue& builtin_catalogue() {
  static const probe::catalogue c = [] {
    probe::catalogue out;
    out.probes = probes::registered_probes();
    for (const auto& f : probes::kernel_files()) (f.path.ends_with(".cuh") ? out.headers : out.kernels).push_back(f);
    out.sass_classes = probes::sass_classes();
    out.sources = probes::expectation_sources();
    return out;
  }();
  return c;
}

const probe::bench_catalogue& builtin_bench_catalogue() {
  static const probe::bench_catalogue c = [] {
    probe::bench_catalogue out;
    out.tensor = probes::bench_tensor_specs();
    out.memory_kernel = "kernels/bench_memory.cu";
    out.kernels = builtin_catalogue().kernels;
    out.headers = builtin_catalogue().headers;
    out.sass_classes = probes::sass_classes();
    out.anchors = probes::bench_anchors();
    return out;
  }();
  return c;
}

}  // namespace sm121probe::cli
