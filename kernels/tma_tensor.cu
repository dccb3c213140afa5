// Probe tma.tensor: 2-D tiled loads by the Tensor Memory Accelerator. The host
// describes a 40 x 24 (columns x rows) matrix of 32-bit words with
// cuTensorMapEncodeTiled (box 16 x 8, no swizzle, out-of-bounds elements
// filled with zeros); the map reaches the kernel as a __grid_constant__
// parameter. Block (bx, by) loads the box at column 16*bx, row 8*by with
// cp.async.bulk.tensor.2d ... mbarrier::complete_tx::bytes, waits on the
// mbarrier, and writes the 128 words to its slot of `out`. The boxes of the
// last block column reach past column 40: their right half must read as zero.
// The tile starts as 0xFFFFFFFF words (poison), so only words the TMA unit
// really wrote, zero fill included, can match.
//
// Expected on sm_121: native (TMA tile loads compile for plain sm_121 and are
// reported working on GB10). No fallback variant: TMA is sm_90+.
#include "feature_async.cuh"

struct alignas(64) tensor_map_param {
  unsigned long long words[16];  // CUtensorMap: 128 opaque bytes
};

extern "C" __global__ void probe_kernel(const __grid_constant__ tensor_map_param tmap, unsigned* out) {
  constexpr unsigned box_w = 16, box_h = 8, box_words = box_w * box_h;
  __shared__ __align__(128) unsigned tile[box_words];
  __shared__ __align__(8) unsigned long long bar;
  const unsigned b = sm121feat::smem_addr(&bar), dst = sm121feat::smem_addr(tile);
  sm121feat::poison_smem(tile, box_words);  // the zero fill must be written, not left over
  sm121feat::mbar_init_for_block(b);
  if (threadIdx.x == 0) {
    const int x = static_cast<int>(blockIdx.x * box_w), y = static_cast<int>(blockIdx.y * box_h);
    // The whole box counts towards the transaction bytes, filled elements included.
    sm121feat::mbar_arrive_expect_tx(b, box_words * 4);
    asm volatile(
        "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%2, %3}], "
        "[%4];" ::"r"(dst),
        "l"(&tmap), "r"(x), "r"(y), "r"(b)
        : "memory");
  }
  sm121feat::mbar_wait(b, 0);
  const unsigned slot = blockIdx.y * gridDim.x + blockIdx.x;
  for (unsigned i = threadIdx.x; i < box_words; i += blockDim.x) out[slot * box_words + i] = tile[i];
}
