// Probe cluster.dsmem: distributed shared memory. Clusters of 4 blocks; each
// block fills its shared array with values derived from its block index,
// synchronises the cluster (barrier.cluster with release/acquire), maps the
// same array of the next block in the cluster (rank + 1 mod 4) with mapa, and
// reads it with ld.shared::cluster. A second cluster barrier keeps every block
// alive until its neighbour has finished reading. Each thread writes the value
// it read.
//
// Expected on sm_121: unknown (public claims conflict: the programming guide
// lists DSMEM for 12.x, some GB10 write-ups say "no"; mapa and
// ld.shared::cluster compile for plain sm_121). No fallback: sm_90+.
extern "C" __global__ void probe_kernel(unsigned* out) {
  __shared__ unsigned values[64];
  unsigned rank, nrank;
  asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(rank));
  asm volatile("mov.u32 %0, %%cluster_nctarank;" : "=r"(nrank));
  values[threadIdx.x] = blockIdx.x * 1000u + threadIdx.x + 7u;
  asm volatile("barrier.cluster.arrive.release.aligned;\n barrier.cluster.wait.acquire.aligned;" ::: "memory");
  const unsigned local = static_cast<unsigned>(__cvta_generic_to_shared(&values[threadIdx.x]));
  const unsigned peer = (rank + 1) % nrank;
  unsigned remote, v;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"(local), "r"(peer));
  asm volatile("ld.shared::cluster.u32 %0, [%1];" : "=r"(v) : "r"(remote) : "memory");
  asm volatile("barrier.cluster.arrive.release.aligned;\n barrier.cluster.wait.acquire.aligned;" ::: "memory");
  out[blockIdx.x * blockDim.x + threadIdx.x] = v;
}
