// Thread-block clusters: cluster.launch (custom program: a cluster-2 launch,
// then the largest cluster size cuOccupancyMaxActiveClusters grants, launched
// and verified) and cluster.dsmem (distributed shared memory through mapa +
// ld.shared::cluster, standard program with a cluster launch).
#include "probes.hpp"
#include "sm121probe/probe/program.hpp"
#include "sm121probe/probes/registration.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace sm121probe::probe {

namespace {

constexpr unsigned launch_blocks = 32;  // a multiple of every candidate cluster size
constexpr unsigned candidate_sizes[] = {2, 4, 8, 16};
constexpr unsigned portable_limit = 8;  // larger clusters need the non-portable attribute

test_case with_cluster(const test_case& tc, unsigned size) {
  test_case out = tc;
  out.launch.cluster = {size, 1, 1};
  return out;
}

// Asks the driver how many clusters of each candidate size can be co-resident
// and returns the largest size it grants (0 if none). Every answer becomes a note.
unsigned largest_granted_cluster(session& s, const test_case& tc) {
  unsigned largest = 0;
  std::string answers;
  for (const unsigned size : candidate_sizes) {
    std::string answer;
    if (size > portable_limit) {
      const CUresult r = s.api().func_set_attribute(s.function(), CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1);
      if (r != CUDA_SUCCESS) {
        answers += fmt::format("{}{}: non-portable sizes refused ({} from cuFuncSetAttribute)",
                               answers.empty() ? "" : ", ", size, s.name(r));
        continue;
      }
    }
    CUlaunchAttribute attr{};
    attr.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
    attr.value.clusterDim.x = size;
    attr.value.clusterDim.y = 1;
    attr.value.clusterDim.z = 1;
    CUlaunchConfig cfg{};
    cfg.gridDimX = launch_blocks;
    cfg.gridDimY = cfg.gridDimZ = 1;
    cfg.blockDimX = tc.launch.block.x;
    cfg.blockDimY = tc.launch.block.y;
    cfg.blockDimZ = tc.launch.block.z;
    cfg.sharedMemBytes = tc.launch.dynamic_smem_bytes;
    cfg.attrs = &attr;
    cfg.numAttrs = 1;
    int clusters = 0;
    const CUresult r = s.api().occupancy_max_active_clusters(&clusters, s.function(), &cfg);
    if (r != CUDA_SUCCESS) answer = s.name(r);
    else answer = fmt::format("{} active", clusters);
    if (r == CUDA_SUCCESS && clusters > 0) largest = size;
    answers += fmt::format("{}{}: {}", answers.empty() ? "" : ", ", size, answer);
  }
  note(s, fmt::format("cuOccupancyMaxActiveClusters by cluster size: {}; largest granted: {}", answers,
                               largest ? std::to_string(largest) : std::string("none")));
  return largest;
}

// Launches `tc` (cluster dims included) on the already placed buffers and verifies it.
bool launch_and_verify(session& s, const test_case& tc, const probe& p, std::vector<placed_buffer>& placed,
                       bool place_first) {
  const bool launched = s.stage(report::stage_kind::launch, [&]() -> stage_outcome {
    if (place_first) {
      if (auto placed_ok = place_all(s, tc, placed); !placed_ok.ok) return placed_ok;
    } else if (const CUresult r = reset_device_buffers(s, tc, placed); r != CUDA_SUCCESS) {
      return stage_outcome::failure(s.name(r), "resetting the output buffer failed");
    }
    param_block params(tc, placed);
    stage_outcome o = launch_and_wait(s, tc.launch, params.data());
    o.log = fmt::format("cluster size {}, {} blocks{}{}", tc.launch.cluster.x, tc.launch.grid.x,
                        o.log.empty() ? "" : ": ", o.log);
    return o;
  });
  if (!launched) return false;
  return s.stage(report::stage_kind::verify,
                 [&]() -> stage_outcome { return verify_outputs(s, tc, placed, p.reference(tc)); });
}

void cluster_launch_program(session& s, const test_case& tc, const probe& p) {
  if (!s.load(tc.entry)) return;
  int supported = 0;
  if (s.api().device_get_attribute(&supported, CU_DEVICE_ATTRIBUTE_CLUSTER_LAUNCH, s.device()) == CUDA_SUCCESS)
    note(s, fmt::format("device attribute cluster_launch = {}", supported));
  std::vector<placed_buffer> placed;
  if (!launch_and_verify(s, tc, p, placed, true)) return;
  if (s.context_poisoned()) return;
  const unsigned largest = largest_granted_cluster(s, tc);
  if (largest <= tc.launch.cluster.x) return;  // nothing larger to launch
  (void)launch_and_verify(s, with_cluster(tc, largest), p, placed, false);
}

}  // namespace

static probe make_cluster_launch() {
  probe p;
  p.id = "cluster.launch";
  p.category = "cluster";
  p.description = "Thread-block cluster launch: size 2, then the largest size cuOccupancyMaxActiveClusters grants";
  p.details =
      "Launches a kernel in clusters of 2 with cuLaunchKernelEx and checks the cluster special registers "
      "(%cluster_ctarank, %cluster_nctarank, %clusterid, %nclusterid) of every block after a cluster barrier; then "
      "asks cuOccupancyMaxActiveClusters about clusters of 2, 4, 8 and 16 (16 with the non-portable-size "
      "attribute), launches the largest granted size and checks it the same way. The answers are in the notes. "
      "Clusters are how Hopper- and Blackwell-era kernels share work between blocks; for GB10 public claims "
      "conflict (the programming guide lists clusters for 12.x, some DGX Spark write-ups say they are missing) "
      "and no GB10 run of a cluster kernel was found, so this probe settles it on the device. The portable "
      "maximum is 8; 16 is documented as non-portable for B200 only.";
  p.kernel = "kernels/cluster_launch.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"skipped", "skipped", "skipped", "native", "native", "native", "unknown"}, "clusters"};
  p.variants = native_only();
  p.skip_reason = needs_sm90("thread-block clusters");
  p.program = cluster_launch_program;
  p.runtime_only = true;  // what the driver grants is a run-time question
  p.make_case = [](const exec_facts&) {
    test_case tc;
    tc.launch.grid = {launch_blocks, 1, 1};
    tc.launch.block = {32, 1, 1};
    tc.launch.cluster = {2, 1, 1};
    tc.buffers = {{"registers", poisoned(launch_blocks * 4 * sizeof(std::uint32_t))}};
    tc.args = {kernel_arg::buffer(0)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const unsigned size = std::max(tc.launch.cluster.x, 1u), blocks = tc.launch.grid.x;
    expectation e{0, elem_type::u32, {}, {}};
    for (unsigned b = 0; b < blocks; ++b) {
      e.values.push_back(b % size);       // %cluster_ctarank
      e.values.push_back(size);           // %cluster_nctarank
      e.values.push_back(b / size);       // %clusterid.x
      e.values.push_back(blocks / size);  // %nclusterid.x
    }
    return std::vector<expectation>{e};
  };
  return p;
}

static probe make_cluster_dsmem() {
  probe p;
  p.id = "cluster.dsmem";
  p.category = "cluster";
  p.description = "Distributed shared memory: read the next block's shared memory via mapa + ld.shared::cluster";
  p.details =
      "Clusters of 4 blocks: every block fills its shared memory with values derived from its block index, "
      "synchronises the cluster, maps the same array of the next block in the cluster with mapa and reads it "
      "with ld.shared::cluster; each value read must be the neighbour's. Distributed shared memory lets the "
      "blocks of a cluster exchange data without global memory (used by split-K and attention kernels on "
      "Hopper). For GB10 the claims conflict: the programming guide lists DSMEM for 12.x and an RTX 5090 "
      "(sm_120) test passes, while some DGX Spark write-ups and an issue title say GB10 lacks it; none showed a "
      "failing test.";
  p.kernel = "kernels/cluster_dsmem.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"skipped", "skipped", "skipped", "native", "native", "native", "unknown"}, "clusters"};
  p.variants = native_only();
  p.skip_reason = needs_sm90("thread-block clusters");
  p.make_case = [](const exec_facts&) {
    test_case tc;
    tc.launch.grid = {8, 1, 1};
    tc.launch.block = {64, 1, 1};
    tc.launch.cluster = {4, 1, 1};
    tc.buffers = {{"neighbour", poisoned(8 * 64 * sizeof(std::uint32_t))}};
    tc.args = {kernel_arg::buffer(0)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const unsigned size = tc.launch.cluster.x, blocks = tc.launch.grid.x, threads = tc.launch.block.x;
    expectation e{0, elem_type::u32, {}, {}};
    for (unsigned b = 0; b < blocks; ++b) {
      const unsigned peer = b / size * size + (b % size + 1) % size;
      for (unsigned t = 0; t < threads; ++t) e.values.push_back(peer * 1000u + t + 7u);
    }
    return std::vector<expectation>{e};
  };
  return p;
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(530, make_cluster_launch);
SM121PROBE_FAMILY(531, make_cluster_dsmem);

}  // namespace sm121probe::probe
