// Registration of the architecture-feature probes (tcgen05, wgmma, image
// loading, TMA, clusters, shared memory, unified memory, warp ops): one line per probe.
#include "feature_probes.hpp"
#include "probes.hpp"

namespace sm121probe::probe {

void add_feature_probes(std::vector<probe>& list) {
  list.push_back(make_tcgen05_alloc());
  list.push_back(make_tcgen05_mma());
  list.push_back(make_tcgen05_ld());
  list.push_back(make_wgmma_mma_async());
  for (const auto& target : image_load_targets()) list.push_back(make_image_load(target));
  list.push_back(make_tma_bulk());
  list.push_back(make_tma_tensor());
  list.push_back(make_cluster_launch());
  list.push_back(make_cluster_dsmem());
  list.push_back(make_smem_max());
  list.push_back(make_cp_async());
  list.push_back(make_stmatrix());
  list.push_back(make_elect_sync());
  list.push_back(make_redux_sync());
  list.push_back(make_um_managed());
  list.push_back(make_um_pageable());
  list.push_back(make_um_registered());
}

}  // namespace sm121probe::probe
