#pragma once
// The "hardware" side of the narrow-format simulated-warp tests: fragment
// positions, container decoding and scale-factor selection written from the
// PTX ISA text (and, for which row a scale-supplying lane carries, from the
// CuTe layouts of CUTLASS include/cute/atom/mma_traits_sm120.hpp), case by
// case and independently of kernels/mma_narrow_layout.cuh.

#include "mma_layout.cuh"
#include "narrow_formats.cuh"

#include <gtest/gtest.h>

#include <array>
#include <utility>
#include <vector>

namespace sm121probe::narrow_model {

using sm121::narrow_format;

// --- the model: positions as the PTX ISA tables state them ------------------------

// m16n8k32, 8-bit elements: A element i (0..15) of a lane.
inline std::pair<int, int> model_a_k32(int lane, int i) {
  const int group = lane / 4, tig = lane % 4;
  const int row = (i < 4 || (i >= 8 && i < 12)) ? group : group + 8;
  const int col = i < 8 ? tig * 4 + (i % 4) : tig * 4 + (i % 4) + 16;
  return {row, col};
}
// m16n8k32, 8-bit elements: B element i (0..7).
inline std::pair<int, int> model_b_k32(int lane, int i) {
  const int group = lane / 4, tig = lane % 4;
  return {i < 4 ? tig * 4 + (i % 4) : tig * 4 + (i % 4) + 16, group};
}
// m16n8k64, 4-bit elements: A element i (0..31).
inline std::pair<int, int> model_a_k64(int lane, int i) {
  const int group = lane / 4, tig = lane % 4;
  const int row = (i < 8 || (i >= 16 && i < 24)) ? group : group + 8;
  const int col = i < 16 ? tig * 8 + (i & 7) : tig * 8 + (i & 7) + 32;
  return {row, col};
}
// m16n8k64, 4-bit elements: B element i (0..15).
inline std::pair<int, int> model_b_k64(int lane, int i) {
  const int group = lane / 4, tig = lane % 4;
  return {i < 8 ? tig * 8 + (i & 7) : tig * 8 + (i & 7) + 32, group};
}
// m16n8k16, 16-bit elements (the dequant path): A element i (0..7), B element i (0..3).
inline std::pair<int, int> model_a_k16(int lane, int i) {
  const int group = lane / 4, tig = lane % 4;
  const int row = (i == 0 || i == 1 || i == 4 || i == 5) ? group : group + 8;
  return {row, i < 4 ? tig * 2 + (i % 2) : tig * 2 + (i % 2) + 8};
}
inline std::pair<int, int> model_b_k16(int lane, int i) {
  const int group = lane / 4, tig = lane % 4;
  return {i < 2 ? tig * 2 + (i % 2) : tig * 2 + (i % 2) + 8, group};
}
// Accumulators (every m16n8 shape here).
inline std::pair<int, int> model_c(int lane, int i) {
  const int group = lane / 4, tig = lane % 4;
  return {i < 2 ? group : group + 8, tig * 2 + (i % 2)};
}

// The code inside a kind::f8f6f4 byte container, per the PTX ISA; the padding
// bits must be zero.
// Scatters a 16x8 result to the lanes per the model and stores it with the header.
inline std::vector<double> scatter_and_store(const std::vector<double>& d_hw) {
  std::vector<double> D(16 * 8, -12345.0);
  for (int lane = 0; lane < 32; ++lane) {
    double frag[4];
    for (int i = 0; i < 4; ++i) {
      const auto [row, col] = model_c(lane, i);
      frag[i] = d_hw[static_cast<std::size_t>(row * 8 + col)];
    }
    sm121::store_d32(sm121::mma_shape::m16n8k32_b8, D.data(), lane, frag);
  }
  return D;
}

inline unsigned model_uncontain(narrow_format f, unsigned byte) {
  if (f == narrow_format::e2m1) {
    EXPECT_EQ(byte & 0xc3u, 0u) << "FP4 padding bits (7..6 and 1..0) must be zero";
    return (byte >> 2) & 0xfu;
  }
  if (f == narrow_format::e3m2 || f == narrow_format::e2m3) {
    EXPECT_EQ(byte & 0xc0u, 0u) << "FP6 padding bits (7..6) must be zero";
    return byte & 0x3fu;
  }
  return byte & 0xffu;
}

// A CuTe layout ((s0,s1,s2),V) : (d0,d1,d2),dv evaluated at thread t, value v.
inline int cute_eval(const std::array<int, 3>& shape, const std::array<int, 3>& stride, int value_stride, int t, int v) {
  int off = 0;
  for (int m = 0; m < 3; ++m) {
    off += (t % shape[static_cast<std::size_t>(m)]) * stride[static_cast<std::size_t>(m)];
    t /= shape[static_cast<std::size_t>(m)];
  }
  return off + v * value_stride;
}

// Scale factor SF_A(m, chunk) as the hardware reads it: thread-id-a picks the
// lane pair (PTX: 0 -> lanes % 4 in {0,1}, 1 -> {2,3}); within the lanes, the
// row is given by CUTLASS' SFALayout ((2,2,8),K):((8,0,1),16) (the stride-0
// mode is the pair selection); byte-id + chunk picks the byte (PTX Figure 45).
inline unsigned model_sf_a(const std::vector<unsigned>& regs, int m, int chunk, unsigned byte_id, unsigned thread_id) {
  for (int lane = 0; lane < 32; ++lane) {
    if ((lane % 4) / 2 != static_cast<int>(thread_id)) continue;
    const int mk = cute_eval({2, 2, 8}, {8, 0, 1}, 16, lane, 0);  // m + 16 * k at value 0
    if (mk % 16 != m) continue;
    return (regs[static_cast<std::size_t>(lane)] >> (8 * (static_cast<int>(byte_id) + chunk))) & 0xffu;
  }
  ADD_FAILURE() << "no lane supplies row " << m;
  return 0;
}

// SF_B(chunk, n): thread-id-b picks one lane per quad (PTX: lane % 4 == thread-id-b);
// CUTLASS SFBLayout ((4,8),K):((0,1),8) gives the column.
inline unsigned model_sf_b(const std::vector<unsigned>& regs, int n, int chunk, unsigned byte_id, unsigned thread_id) {
  for (int lane = 0; lane < 32; ++lane) {
    if (lane % 4 != static_cast<int>(thread_id)) continue;
    std::array<int, 3> shape{4, 8, 1}, stride{0, 1, 0};
    if (cute_eval(shape, stride, 8, lane, 0) % 8 != n) continue;
    return (regs[static_cast<std::size_t>(lane)] >> (8 * (static_cast<int>(byte_id) + chunk))) & 0xffu;
  }
  ADD_FAILURE() << "no lane supplies column " << n;
  return 0;
}

}  // namespace sm121probe::narrow_model
