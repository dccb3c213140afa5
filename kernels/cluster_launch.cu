// Probe cluster.launch: a thread-block-cluster launch (cuLaunchKernelEx with
// the cluster-dimension attribute). Every block synchronises with the rest of
// its cluster (barrier.cluster.arrive/wait) and thread 0 records the cluster
// special registers: %cluster_ctarank, %cluster_nctarank, %clusterid.x and
// %nclusterid.x. The host program launches with clusters of 2, then asks the
// driver (cuOccupancyMaxActiveClusters) which of 2, 4, 8 and 16 it grants
// (16 needs the non-portable-size attribute) and launches again with the
// largest granted size.
//
// Expected on sm_121: unknown (public claims conflict; clusters compile for
// plain sm_121). No fallback: clusters are sm_90+.
extern "C" __global__ void probe_kernel(unsigned* out) {
  unsigned rank, nrank, cluster, nclusters;
  asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(rank));
  asm volatile("mov.u32 %0, %%cluster_nctarank;" : "=r"(nrank));
  asm volatile("mov.u32 %0, %%clusterid.x;" : "=r"(cluster));
  asm volatile("mov.u32 %0, %%nclusterid.x;" : "=r"(nclusters));
  asm volatile("barrier.cluster.arrive.release.aligned;\n barrier.cluster.wait.acquire.aligned;" ::: "memory");
  if (threadIdx.x == 0) {
    out[blockIdx.x * 4 + 0] = rank;
    out[blockIdx.x * 4 + 1] = nrank;
    out[blockIdx.x * 4 + 2] = cluster;
    out[blockIdx.x * 4 + 3] = nclusters;
  }
}
