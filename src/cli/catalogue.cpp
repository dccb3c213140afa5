#include "sm121probe/cli/catalogue.hpp"

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

}  // namespace sm121probe::cli
