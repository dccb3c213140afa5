// Probe tma.gather4: TMA row gather (cp.async.bulk.tensor.2d ... .tile::gather4),
// the load DeepSeek-style MoE and paged-attention kernels use to fetch four
// arbitrary rows in one instruction. The host describes a 40 x 24 matrix of
// 32-bit words with cuTensorMapEncodeTiled, box 16 x 1 (gather4 loads four
// rows of one box width). Block b gathers rows {1, 3, 22, 7} + b starting at
// column 32 * b into a 4 x 16 shared tile (poisoned first), waits on an
// mbarrier and writes the tile out. Block 1 reaches past column 40: the right
// half of each of its rows must read as zero.
//
// The destination is .shared::cta: ptxas 13.0 accepts that form for plain
// sm_121 but rejects `.tile::gather4` with a .shared::cluster destination on
// every sm_12x target (and on sm_90a); the sm_100a/f forms accept both
// (measured, docs/numerics.md). Expected on sm_121: unknown until a GPU runs it.
#include "feature_async.cuh"

struct alignas(64) tensor_map_param {
  unsigned long long words[16];  // CUtensorMap: 128 opaque bytes
};

extern "C" __global__ void probe_kernel(const __grid_constant__ tensor_map_param tmap, unsigned* out) {
  constexpr unsigned box_w = 16, rows = 4, words = box_w * rows;
  __shared__ __align__(128) unsigned tile[words];
  __shared__ __align__(8) unsigned long long bar;
  const unsigned b = sm121feat::smem_addr(&bar), dst = sm121feat::smem_addr(tile);
  sm121feat::poison_smem(tile, words);  // only what the gather writes (zero fill included) can match
  sm121feat::mbar_init_for_block(b);
  if (threadIdx.x == 0) {
    const int x = static_cast<int>(blockIdx.x * 32), r = static_cast<int>(blockIdx.x);
    sm121feat::mbar_arrive_expect_tx(b, words * 4);
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cta.global.tile::gather4.mbarrier::complete_tx::bytes [%0], "
        "[%1, {%2, %3, %4, %5, %6}], [%7];" ::"r"(dst),
        "l"(&tmap), "r"(x), "r"(1 + r), "r"(3 + r), "r"(22 + r), "r"(7 + r), "r"(b)
        : "memory");
  }
  sm121feat::mbar_wait(b, 0);
  for (unsigned i = threadIdx.x; i < words; i += blockDim.x) out[blockIdx.x * words + i] = tile[i];
}
