#pragma once
// Private to src/probes: factories of the architecture-feature probes
// (issue 3), registered one per line in feature_registry.cpp.

#include "sm121probe/probe/probe.hpp"

#include <string>
#include <vector>

namespace sm121probe::probe {

// feature_tensor_core.cpp: one instruction set each, native or failing.
probe make_tcgen05_alloc();
probe make_tcgen05_mma();
probe make_tcgen05_ld();
probe make_wgmma_mma_async();

// feature_image_load.cpp: the images of the image.load.* probes, in report
// order ("sm_120", ..., "compute_80"), and the probe for one of them.
const std::vector<std::string>& image_load_targets();
probe make_image_load(const std::string& target);

// feature_tma.cpp
probe make_tma_bulk();
probe make_tma_tensor();

// feature_cluster.cpp
probe make_cluster_launch();
probe make_cluster_dsmem();

// feature_smem.cpp
probe make_smem_max();

// feature_warp.cpp
probe make_cp_async();
probe make_stmatrix();
probe make_elect_sync();
probe make_redux_sync();

// feature_um.cpp
probe make_um_managed();
probe make_um_pageable();
probe make_um_registered();

}  // namespace sm121probe::probe
