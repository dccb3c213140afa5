// Registration of the architecture-feature probes (tcgen05, wgmma, image
// loading, TMA, clusters, shared memory, unified memory, warp ops): one line per probe.
#include "probes.hpp"

namespace sm121probe::probe {

void add_feature_probes(std::vector<probe>& list) {
  (void)list;  // populated by the Blackwell battery (issue 3)
}

}  // namespace sm121probe::probe
