// Simulates one warp on the CPU: 32 lanes pack their fragments with the shared
// header (kernels/mma_layout.cuh, the same code the kernels run), a model of
// the tensor core written from the PTX ISA fragment tables multiplies, and the
// lanes store D with the header. The result must equal a plain GEMM.
#include "mma_layout.cuh"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <utility>
#include <vector>

namespace {

using sm121::mma_shape;

// --- the "hardware": positions as the PTX ISA tables state them ---------------
// (written independently of the header's arithmetic, case by case)
std::pair<int, int> spec_a(mma_shape s, int lane, int i) {
  const int group = lane / 4, tig = lane % 4;
  switch (s) {
    case mma_shape::m16n8k16_b16: {
      const int row = (i == 0 || i == 1 || i == 4 || i == 5) ? group : group + 8;
      const int col = i < 4 ? tig * 2 + (i % 2) : tig * 2 + (i % 2) + 8;
      return {row, col};
    }
    case mma_shape::m16n8k8_tf32: {
      const int row = (i == 0 || i == 2) ? group : group + 8;
      const int col = (i == 0 || i == 1) ? tig : tig + 4;
      return {row, col};
    }
    case mma_shape::m16n8k32_b8: {
      const int row = (i < 4 || (i >= 8 && i < 12)) ? group : group + 8;
      const int col = i < 8 ? tig * 4 + (i % 4) : tig * 4 + (i % 4) + 16;
      return {row, col};
    }
    case mma_shape::m8n8k32_b4:
      return {group, tig * 8 + i};
  }
  return {-1, -1};
}

std::pair<int, int> spec_b(mma_shape s, int lane, int i) {
  const int group = lane / 4, tig = lane % 4;
  switch (s) {
    case mma_shape::m16n8k16_b16: return {i < 2 ? tig * 2 + (i % 2) : tig * 2 + (i % 2) + 8, group};
    case mma_shape::m16n8k8_tf32: return {i == 0 ? tig : tig + 4, group};
    case mma_shape::m16n8k32_b8: return {i < 4 ? tig * 4 + (i % 4) : tig * 4 + (i % 4) + 16, group};
    case mma_shape::m8n8k32_b4: return {tig * 8 + i, group};
  }
  return {-1, -1};
}

std::pair<int, int> spec_c(mma_shape s, int lane, int i) {
  const int group = lane / 4, tig = lane % 4;
  if (s == mma_shape::m8n8k32_b4) return {group, tig * 2 + i};
  return {i < 2 ? group : group + 8, tig * 2 + (i % 2)};
}

struct dims {
  int m, n, k, bits, a_elems, b_elems, c_elems;
};

dims dims_of(mma_shape s) {
  switch (s) {
    case mma_shape::m16n8k16_b16: return {16, 8, 16, 16, 8, 4, 4};
    case mma_shape::m16n8k8_tf32: return {16, 8, 8, 32, 4, 2, 4};
    case mma_shape::m16n8k32_b8: return {16, 8, 32, 8, 16, 8, 4};
    case mma_shape::m8n8k32_b4: return {8, 8, 32, 4, 8, 8, 2};
  }
  return {};
}

// Matrices in the header's container convention, filled with values that fit `bits`.
template <typename T>
std::vector<T> random_matrix(int rows, int cols, int bits, std::mt19937& rng) {
  const std::uint64_t mask = bits >= 32 ? 0xffffffffull : ((1ull << bits) - 1);
  std::vector<T> m(static_cast<std::size_t>(rows * cols));
  for (auto& x : m) x = static_cast<T>(rng() & mask);
  return m;
}

template <typename Elem>
void simulate(mma_shape s) {
  const dims d = dims_of(s);
  ASSERT_EQ(sm121::info(s).m, d.m);
  ASSERT_EQ(sm121::info(s).a_elems, d.a_elems);
  std::mt19937 rng(static_cast<unsigned>(d.bits * 100 + d.k));
  const auto A = random_matrix<Elem>(d.m, d.k, d.bits, rng);
  const auto B = random_matrix<Elem>(d.k, d.n, d.bits, rng);
  std::vector<std::uint32_t> C(static_cast<std::size_t>(d.m * d.n));
  for (auto& x : C) x = rng() % 1000;

  const int per_reg = 32 / d.bits;
  const std::uint64_t mask = d.bits >= 32 ? 0xffffffffull : ((1ull << d.bits) - 1);
  // Lanes pack their operands with the header.
  std::vector<std::vector<unsigned>> ra(32), rb(32);
  std::vector<std::vector<std::uint32_t>> rc(32);
  for (int lane = 0; lane < 32; ++lane) {
    for (int r = 0; r < d.a_elems / per_reg; ++r) ra[lane].push_back(sm121::pack_a(s, A.data(), lane, r));
    for (int r = 0; r < d.b_elems / per_reg; ++r) rb[lane].push_back(sm121::pack_b(s, B.data(), lane, r));
    rc[lane].resize(static_cast<std::size_t>(d.c_elems));
    sm121::load_c32(s, C.data(), lane, rc[lane].data());
  }
  // The tensor core gathers the matrices back per the spec; every element exactly once.
  std::vector<std::uint64_t> a_hw(A.size()), b_hw(B.size()), c_hw(C.size());
  std::set<std::pair<int, int>> seen_a, seen_b, seen_c;
  for (int lane = 0; lane < 32; ++lane) {
    for (int i = 0; i < d.a_elems; ++i) {
      const auto [row, col] = spec_a(s, lane, i);
      ASSERT_TRUE(seen_a.insert({row, col}).second) << "A element mapped twice";
      a_hw[static_cast<std::size_t>(row * d.k + col)] =
          (ra[lane][static_cast<std::size_t>(i / per_reg)] >> (d.bits * (i % per_reg))) & mask;
    }
    for (int i = 0; i < d.b_elems; ++i) {
      const auto [row, col] = spec_b(s, lane, i);
      ASSERT_TRUE(seen_b.insert({row, col}).second) << "B element mapped twice";
      b_hw[static_cast<std::size_t>(row * d.n + col)] =
          (rb[lane][static_cast<std::size_t>(i / per_reg)] >> (d.bits * (i % per_reg))) & mask;
    }
    for (int i = 0; i < d.c_elems; ++i) {
      const auto [row, col] = spec_c(s, lane, i);
      ASSERT_TRUE(seen_c.insert({row, col}).second) << "C element mapped twice";
      c_hw[static_cast<std::size_t>(row * d.n + col)] = rc[lane][static_cast<std::size_t>(i)];
    }
  }
  ASSERT_EQ(seen_a.size(), A.size());
  ASSERT_EQ(seen_b.size(), B.size());
  ASSERT_EQ(seen_c.size(), C.size());
  // D = A*B + C in the tensor core, scattered back to the lanes per the spec.
  std::vector<std::vector<std::uint64_t>> rd(32, std::vector<std::uint64_t>(static_cast<std::size_t>(d.c_elems)));
  for (int lane = 0; lane < 32; ++lane)
    for (int i = 0; i < d.c_elems; ++i) {
      const auto [row, col] = spec_c(s, lane, i);
      std::uint64_t acc = c_hw[static_cast<std::size_t>(row * d.n + col)];
      for (int kk = 0; kk < d.k; ++kk)
        acc += a_hw[static_cast<std::size_t>(row * d.k + kk)] * b_hw[static_cast<std::size_t>(kk * d.n + col)];
      rd[lane][static_cast<std::size_t>(i)] = acc;
    }
  // Lanes store D with the header.
  std::vector<std::uint64_t> D(C.size(), ~0ull);
  for (int lane = 0; lane < 32; ++lane) sm121::store_d32(s, D.data(), lane, rd[lane].data());
  // Plain GEMM on the original matrices.
  for (int i = 0; i < d.m; ++i)
    for (int j = 0; j < d.n; ++j) {
      std::uint64_t ref = C[static_cast<std::size_t>(i * d.n + j)];
      for (int kk = 0; kk < d.k; ++kk)
        ref += static_cast<std::uint64_t>(A[static_cast<std::size_t>(i * d.k + kk)]) *
               static_cast<std::uint64_t>(B[static_cast<std::size_t>(kk * d.n + j)]);
      ASSERT_EQ(D[static_cast<std::size_t>(i * d.n + j)], ref) << "D[" << i << "][" << j << "]";
    }
}

TEST(SimulatedWarp, M16N8K16_16bit) { simulate<std::uint16_t>(mma_shape::m16n8k16_b16); }
TEST(SimulatedWarp, M16N8K8_tf32) { simulate<std::uint32_t>(mma_shape::m16n8k8_tf32); }
TEST(SimulatedWarp, M16N8K32_8bit) { simulate<std::uint8_t>(mma_shape::m16n8k32_b8); }
TEST(SimulatedWarp, M8N8K32_4bit) { simulate<std::uint8_t>(mma_shape::m8n8k32_b4); }

TEST(SimulatedWarp, F16AccumulatorsPackLowIndexInLowHalf) {
  // C/D held as f16x2: element 2r in the low half of register r (PTX ISA).
  const mma_shape s = mma_shape::m16n8k16_b16;
  std::vector<std::uint16_t> C(16 * 8), D(16 * 8, 0);
  for (std::size_t i = 0; i < C.size(); ++i) C[i] = static_cast<std::uint16_t>(0x3c00 + i);
  for (int lane = 0; lane < 32; ++lane) {
    unsigned regs[2];
    sm121::load_c16(s, C.data(), lane, regs);
    for (int i = 0; i < 4; ++i) {
      const auto [row, col] = spec_c(s, lane, i);
      const unsigned half = (regs[i / 2] >> (16 * (i % 2))) & 0xffffu;
      EXPECT_EQ(half, C[static_cast<std::size_t>(row * 8 + col)]);
    }
    sm121::store_d16(s, D.data(), lane, regs);
  }
  EXPECT_EQ(D, C);
}

}  // namespace
