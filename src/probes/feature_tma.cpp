// The Tensor Memory Accelerator: 1-D bulk copies (tma.bulk) and 2-D tiled
// tensor loads through a tensor map (tma.tensor, custom host program: the map
// is encoded with cuTensorMapEncodeTiled from the placed buffer's address).
#include "probes.hpp"
#include "sm121probe/probe/program.hpp"
#include "sm121probe/probes/registration.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <cstring>

namespace sm121probe::probe {

namespace {

// The 2-D tensor of tma.tensor: 40 columns x 24 rows of 32-bit words, loaded
// in boxes of 16 x 8; the third box column reaches past column 40.
constexpr unsigned tensor_w = 40, tensor_h = 24, box_w = 16, box_h = 8;
constexpr unsigned tiles_x = (tensor_w + box_w - 1) / box_w, tiles_y = (tensor_h + box_h - 1) / box_h;

// The host program of tma.tensor and tma.gather4: encodes the tensor map of
// buffer 0 (box bw x bh) and passes it as argument 0.
program_fn tensor_map_program(unsigned bw, unsigned bh) {
  return [bw, bh](session& s, const test_case& tc, const probe& p) {
  if (!s.load(tc.entry)) return;
  std::vector<placed_buffer> placed;
  const bool launched = s.stage(report::stage_kind::launch, [&]() -> stage_outcome {
    if (auto placed_ok = place_all(s, tc, placed); !placed_ok.ok) return placed_ok;
    CUtensorMap map{};
    const cuuint64_t dims[2] = {tensor_w, tensor_h};
    const cuuint64_t strides[1] = {tensor_w * sizeof(std::uint32_t)};  // bytes between rows
    const cuuint32_t box[2] = {bw, bh};
    const cuuint32_t element_strides[2] = {1, 1};
    const CUresult r = s.api().tensor_map_encode_tiled(
        &map, CU_TENSOR_MAP_DATA_TYPE_UINT32, 2, reinterpret_cast<void*>(placed.at(0).device_address), dims, strides,
        box, element_strides, CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_NONE,
        CU_TENSOR_MAP_L2_PROMOTION_NONE, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (r != CUDA_SUCCESS)
      return stage_outcome::failure(
          s.name(r), fmt::format("cuTensorMapEncodeTiled failed for a 2-D uint32 tensor of {} x {} with a {} x {} "
                                 "box (no interleave, no swizzle, zero fill)",
                                 tensor_w, tensor_h, bw, bh));
    std::vector<std::byte> map_bytes(sizeof map);
    std::memcpy(map_bytes.data(), &map, sizeof map);
    param_block params(tc, placed, {std::move(map_bytes)});
    return launch_and_wait(s, tc.launch, params.data());
  });
  if (!launched) return;
  s.stage(report::stage_kind::verify,
          [&]() -> stage_outcome { return verify_outputs(s, tc, placed, p.reference(tc)); });
  };
}

}  // namespace

static probe make_tma_bulk() {
  probe p;
  p.id = "tma.bulk";
  p.category = "data-movement";
  p.description = "1-D bulk copies: cp.async.bulk global->shared with an mbarrier transaction count, and back";
  p.details =
      "One thread arms an mbarrier with the byte count and starts a 4 KiB cp.async.bulk from global to shared "
      "memory; the block waits on the barrier phase, transforms the words, fences them for the asynchronous proxy "
      "and copies them back with a bulk store. The bulk-copy engine (TMA) is what Hopper- and Blackwell-class "
      "kernels use to stream operands; on DGX Spark it compiles for plain sm_121 and is reported working (the "
      "ThunderKittens port and CUTLASS's SM120 path use it on GB10).";
  p.kernel = "kernels/tma_bulk.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"skipped", "skipped", "skipped", "native", "native", "native", "native"}, "ptx-tma"};
  p.variants = native_only();
  p.skip_reason = needs_sm90("the bulk-copy engine (TMA) and transaction-count mbarriers");
  p.make_case = [](const exec_facts&) {
    std::vector<std::uint32_t> in(1024);
    lcg rng(0xb01c);
    for (auto& v : in) v = rng.next();
    test_case tc;
    tc.launch.block = {128, 1, 1};
    tc.buffers = {{"in", to_bytes(in)}, {"out", poisoned(in.size() * sizeof(std::uint32_t))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const auto in = from_bytes<std::uint32_t>(tc.buffers[0].init);
    expectation e{1, elem_type::u32, std::vector<double>(in.size()), {}};
    for (std::size_t i = 0; i < in.size(); ++i) e.values[i] = static_cast<std::uint32_t>(3u * in[i] + 1u);
    return std::vector<expectation>{e};
  };
  return p;
}

static probe make_tma_tensor() {
  probe p;
  p.id = "tma.tensor";
  p.category = "data-movement";
  p.description = "2-D TMA tile loads: cp.async.bulk.tensor.2d through a cuTensorMapEncodeTiled map, zero fill past the edge";
  p.details = fmt::format(
      "The host encodes a tensor map for a {} x {} matrix of 32-bit words (box {} x {}, no swizzle, zero fill) "
      "with cuTensorMapEncodeTiled and passes it as a __grid_constant__ parameter; each block loads one box with "
      "cp.async.bulk.tensor.2d and an mbarrier and writes it out. The last column of boxes reaches past the "
      "matrix, so the hardware's out-of-bounds zero fill is checked too. Tensor-map TMA is the load path of "
      "CUTLASS 3.x, FlashAttention-3 and Triton's Hopper/Blackwell kernels; on DGX Spark it compiles for plain "
      "sm_121 and is reported working, while TMA multicast (not probed) draws a ptxas performance advisory on "
      "every sm_12x target.",
      tensor_w, tensor_h, box_w, box_h);
  p.kernel = "kernels/tma_tensor.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"skipped", "skipped", "skipped", "native", "native", "native", "native"}, "ptx-tma"};
  p.variants = native_only();
  p.skip_reason = needs_sm90("the bulk-copy engine (TMA) and transaction-count mbarriers");
  p.program = tensor_map_program(box_w, box_h);
  p.make_case = [](const exec_facts&) {
    std::vector<std::uint32_t> in(tensor_w * tensor_h);
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint32_t>(0x10000u + i * 3u);
    test_case tc;
    tc.launch.grid = {tiles_x, tiles_y, 1};
    tc.launch.block = {128, 1, 1};
    tc.buffers = {{"tensor", to_bytes(in)},
                  {"boxes", poisoned(tiles_x * tiles_y * box_w * box_h * sizeof(std::uint32_t))}};
    // Argument 0 is the tensor map (128 bytes), encoded by the program from buffer 0's device address.
    tc.args = {kernel_arg::scalar(std::array<std::byte, sizeof(CUtensorMap)>{}), kernel_arg::buffer(1)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const auto in = from_bytes<std::uint32_t>(tc.buffers[0].init);
    expectation e{1, elem_type::u32, {}, {}};
    for (unsigned by = 0; by < tiles_y; ++by)
      for (unsigned bx = 0; bx < tiles_x; ++bx)
        for (unsigned r = 0; r < box_h; ++r)
          for (unsigned c = 0; c < box_w; ++c) {
            const unsigned x = bx * box_w + c, y = by * box_h + r;
            e.values.push_back(x < tensor_w && y < tensor_h ? in[y * tensor_w + x] : 0.0);
          }
    return std::vector<expectation>{e};
  };
  return p;
}

static probe make_tma_gather4() {
  probe p;
  p.id = "tma.gather4";
  p.category = "data-movement";
  p.description = "TMA row gather: cp.async.bulk.tensor.2d .tile::gather4 (four rows per instruction, .shared::cta)";
  p.details =
      "Four arbitrary rows of a 2-D tensor in one TMA instruction (cp.async.bulk.tensor.2d.shared::cta.global"
      ".tile::gather4), through a cuTensorMapEncodeTiled map with a 16 x 1 box; the second block's rows reach past "
      "the last column, so zero fill is checked too (the tile is poisoned first). Gather4 feeds MoE and paged "
      "attention kernels on datacenter Blackwell. Users report it rejected for sm_121a: ptxas 13.0 indeed "
      "rejects it with a .shared::cluster destination on every sm_12x target, but accepts the .shared::cta form "
      "this probe uses for plain sm_121; whether GB10 executes it only a run can tell.";
  p.kernel = "kernels/tma_gather4.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why:
  // gather4 is a Blackwell TMA mode (ptxas rejects it for sm_90a); the sm_12x cells are open.
  p.expected = {{"skipped", "skipped", "skipped", "failing", "native", "unknown", "unknown"}, "ptx-tma-gather4"};
  p.variants = native_only();
  p.skip_reason = needs_sm90("the bulk-copy engine (TMA) and transaction-count mbarriers");
  p.program = tensor_map_program(16, 1);
  p.make_case = [](const exec_facts&) {
    std::vector<std::uint32_t> in(tensor_w * tensor_h);
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint32_t>(0x20000u + i * 5u);
    test_case tc;
    tc.launch.grid = {2, 1, 1};
    tc.launch.block = {64, 1, 1};
    tc.buffers = {{"tensor", to_bytes(in)}, {"rows", poisoned(2 * 4 * 16 * sizeof(std::uint32_t))}};
    tc.args = {kernel_arg::scalar(std::array<std::byte, sizeof(CUtensorMap)>{}), kernel_arg::buffer(1)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const auto in = from_bytes<std::uint32_t>(tc.buffers[0].init);
    expectation e{1, elem_type::u32, {}, {}};
    for (unsigned blk = 0; blk < 2; ++blk)
      for (unsigned row : {1u + blk, 3u + blk, 22u + blk, 7u + blk})
        for (unsigned c = 0; c < 16; ++c) {
          const unsigned x = 32 * blk + c;
          e.values.push_back(x < tensor_w ? in[row * tensor_w + x] : 0.0);
        }
    return std::vector<expectation>{e};
  };
  return p;
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(520, make_tma_bulk);
SM121PROBE_FAMILY(521, make_tma_tensor);
SM121PROBE_FAMILY(522, make_tma_gather4);
SM121PROBE_SOURCE("ptx-tma-gather4",
                  "PTX ISA, cp.async.bulk.tensor .tile::gather4: a Blackwell TMA load mode (sm_100a/f); ptxas 13.0 "
                  "rejects it for sm_90a, and for sm_12x with a .shared::cluster destination, but accepts the "
                  ".shared::cta form for sm_120/sm_121 (measured); users report it rejected on sm_121a",
                  "https://docs.nvidia.com/cuda/parallel-thread-execution/#data-movement-and-conversion-instructions-cp-async-bulk-tensor");

}  // namespace sm121probe::probe
