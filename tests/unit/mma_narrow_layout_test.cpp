// Simulated warps for the narrow-format MMA fragments of
// kernels/mma_narrow_layout.cuh (the code the probe kernels run):
//  * m16n8k32 .kind::f8f6f4 with one byte container per element (FP4 in the
//    middle four bits, FP6 in the low six, FP8 whole);
//  * m16n8k64 block-scaled (kind::mxf4 / mxf4nvf4) with dense 4-bit elements,
//    and the scale-factor registers selected by byte-id / thread-id
//    (1X, 2X, 4X);
//  * the sm80-dequant path (m16n8k16 f16 fragments of decoded, scaled values).
// 32 lanes build their registers with the header; a model of the tensor core,
// written here from the PTX ISA text (fragment tables, block-scaling selector
// rules) and from the CuTe layouts in CUTLASS mma_traits_sm120.hpp, gathers the
// matrices back, multiplies and scatters D; the lanes store D with the header.
// The result must equal a plain GEMM of the decoded matrices.
#include "mma_narrow_layout.cuh"
#include "narrow_model.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <random>
#include <set>
#include <utility>
#include <vector>

namespace {

using sm121::narrow_format;
using namespace sm121probe::narrow_model;

std::vector<std::uint8_t> random_codes(std::mt19937& rng, narrow_format f, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  const unsigned count = 1u << sm121::info(f).bits;
  for (auto& x : v) {
    unsigned c;
    do c = rng() % count;
    while (sm121::is_nan_code(f, c) || sm121::is_inf_code(f, c));
    x = static_cast<std::uint8_t>(c);
  }
  return v;
}

// Plain GEMM of decoded values with optional block scales (nullptr: none).
std::vector<double> gemm(narrow_format fa, narrow_format fb, int k_dim, const std::vector<std::uint8_t>& a,
                         const std::vector<std::uint8_t>& b, const std::vector<float>& c, narrow_format fs = narrow_format::ue8m0,
                         const std::vector<std::uint8_t>* sfa = nullptr, const std::vector<std::uint8_t>* sfb = nullptr,
                         int vec = 1) {
  std::vector<double> d(16 * 8);
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) {
      double s = c[static_cast<std::size_t>(i * 8 + j)];
      for (int k = 0; k < k_dim; ++k) {
        const int chunk = k / (k_dim / vec);
        const double sa = sfa ? sm121::to_float(fs, (*sfa)[static_cast<std::size_t>(i * vec + chunk)]) : 1.0;
        const double sb = sfb ? sm121::to_float(fs, (*sfb)[static_cast<std::size_t>(chunk * 8 + j)]) : 1.0;
        s += sm121::to_float(fa, a[static_cast<std::size_t>(i * k_dim + k)]) * sa *
             sm121::to_float(fb, b[static_cast<std::size_t>(k * 8 + j)]) * sb;
      }
      d[static_cast<std::size_t>(i * 8 + j)] = s;
    }
  return d;
}

std::vector<float> random_c(std::mt19937& rng) {
  std::vector<float> c(16 * 8);
  for (auto& x : c) x = static_cast<float>(static_cast<int>(rng() % 17) - 8);
  return c;
}

// --- m16n8k32 kind::f8f6f4 ------------------------------------------------------------

void simulate_f8f6f4(narrow_format fa, narrow_format fb, unsigned seed) {
  std::mt19937 rng(seed);
  const auto A = random_codes(rng, fa, 16 * 32), B = random_codes(rng, fb, 32 * 8);
  const auto C = random_c(rng);
  std::vector<unsigned> a_hw(A.size(), 0xffffu), b_hw(B.size(), 0xffffu);
  std::set<std::pair<int, int>> seen_a, seen_b;
  for (int lane = 0; lane < 32; ++lane) {
    unsigned ra[4], rb[2];
    for (int r = 0; r < 4; ++r) ra[r] = sm121::pack_a_f8f6f4(fa, A.data(), lane, r);
    for (int r = 0; r < 2; ++r) rb[r] = sm121::pack_b_f8f6f4(fb, B.data(), lane, r);
    for (int i = 0; i < 16; ++i) {
      const auto [row, col] = model_a_k32(lane, i);
      ASSERT_TRUE(seen_a.insert({row, col}).second);
      a_hw[static_cast<std::size_t>(row * 32 + col)] = model_uncontain(fa, (ra[i / 4] >> (8 * (i % 4))) & 0xffu);
    }
    for (int i = 0; i < 8; ++i) {
      const auto [row, col] = model_b_k32(lane, i);
      ASSERT_TRUE(seen_b.insert({row, col}).second);
      b_hw[static_cast<std::size_t>(row * 8 + col)] = model_uncontain(fb, (rb[i / 4] >> (8 * (i % 4))) & 0xffu);
    }
  }
  ASSERT_EQ(seen_a.size(), A.size());
  ASSERT_EQ(seen_b.size(), B.size());
  std::vector<std::uint8_t> a8(a_hw.begin(), a_hw.end()), b8(b_hw.begin(), b_hw.end());
  const auto D = scatter_and_store(gemm(fa, fb, 32, a8, b8, C));
  EXPECT_EQ(D, gemm(fa, fb, 32, A, B, C));
}

TEST(NarrowWarp, M16N8K32_Fp4InTheMiddleBitsOfItsByte) { simulate_f8f6f4(narrow_format::e2m1, narrow_format::e2m1, 1); }
TEST(NarrowWarp, M16N8K32_Fp6InTheLowSixBits) {
  simulate_f8f6f4(narrow_format::e3m2, narrow_format::e3m2, 2);
  simulate_f8f6f4(narrow_format::e2m3, narrow_format::e2m3, 3);
}
TEST(NarrowWarp, M16N8K32_Fp8AndMixedTypes) {
  simulate_f8f6f4(narrow_format::e4m3, narrow_format::e4m3, 4);
  simulate_f8f6f4(narrow_format::e5m2, narrow_format::e5m2, 5);
  simulate_f8f6f4(narrow_format::e4m3, narrow_format::e2m1, 6);  // mma.mxf8f6f4's operand pair
}

// --- m16n8k64 block-scaled ---------------------------------------------------------

struct scaled_case {
  int vec;
  narrow_format sf;
  unsigned byte_id_a, thread_id_a, byte_id_b, thread_id_b;
};

// Returns the simulated D; `a_byte_id_model` etc. let a test read the scales
// with a deliberately wrong selector.
std::vector<double> simulate_k64(const scaled_case& s, unsigned seed, const scaled_case& model) {
  std::mt19937 rng(seed);
  const auto A = random_codes(rng, narrow_format::e2m1, 16 * 64), B = random_codes(rng, narrow_format::e2m1, 64 * 8);
  const auto C = random_c(rng);
  std::vector<std::uint8_t> SFA(static_cast<std::size_t>(16 * s.vec)), SFB(static_cast<std::size_t>(s.vec * 8));
  // Distinct, valid scales; the filler is a valid scale no element uses.
  for (auto& x : SFA) x = static_cast<std::uint8_t>(s.sf == narrow_format::ue8m0 ? 124 + rng() % 7 : 0x30 + rng() % 16);
  for (auto& x : SFB) x = static_cast<std::uint8_t>(s.sf == narrow_format::ue8m0 ? 124 + rng() % 7 : 0x30 + rng() % 16);
  const unsigned filler = s.sf == narrow_format::ue8m0 ? 140u : 0x58u;
  std::vector<unsigned> a_hw(A.size(), 0xffu), b_hw(B.size(), 0xffu), sfa_regs(32), sfb_regs(32);
  std::set<std::pair<int, int>> seen_a, seen_b;
  for (int lane = 0; lane < 32; ++lane) {
    unsigned ra[4], rb[2];
    for (int r = 0; r < 4; ++r) ra[r] = sm121::pack_a_k64(A.data(), lane, r);
    for (int r = 0; r < 2; ++r) rb[r] = sm121::pack_b_k64(B.data(), lane, r);
    sfa_regs[static_cast<std::size_t>(lane)] =
        sm121::scale_a_reg(SFA.data(), s.vec, lane, s.byte_id_a, s.thread_id_a, filler);
    sfb_regs[static_cast<std::size_t>(lane)] =
        sm121::scale_b_reg(SFB.data(), s.vec, lane, s.byte_id_b, s.thread_id_b, filler);
    for (int i = 0; i < 32; ++i) {
      const auto [row, col] = model_a_k64(lane, i);
      EXPECT_TRUE(seen_a.insert({row, col}).second);
      a_hw[static_cast<std::size_t>(row * 64 + col)] = (ra[i / 8] >> (4 * (i % 8))) & 0xfu;  // low nibble first
    }
    for (int i = 0; i < 16; ++i) {
      const auto [row, col] = model_b_k64(lane, i);
      EXPECT_TRUE(seen_b.insert({row, col}).second);
      b_hw[static_cast<std::size_t>(row * 8 + col)] = (rb[i / 8] >> (4 * (i % 8))) & 0xfu;
    }
  }
  EXPECT_EQ(seen_a.size(), A.size());
  EXPECT_EQ(seen_b.size(), B.size());
  std::vector<std::uint8_t> sfa_hw(SFA.size()), sfb_hw(SFB.size());
  for (int m = 0; m < 16; ++m)
    for (int j = 0; j < s.vec; ++j)
      sfa_hw[static_cast<std::size_t>(m * s.vec + j)] =
          static_cast<std::uint8_t>(model_sf_a(sfa_regs, m, j, model.byte_id_a, model.thread_id_a));
  for (int n = 0; n < 8; ++n)
    for (int j = 0; j < s.vec; ++j)
      sfb_hw[static_cast<std::size_t>(j * 8 + n)] =
          static_cast<std::uint8_t>(model_sf_b(sfb_regs, n, j, model.byte_id_b, model.thread_id_b));
  std::vector<std::uint8_t> a8(a_hw.begin(), a_hw.end()), b8(b_hw.begin(), b_hw.end());
  const auto D = scatter_and_store(
      gemm(narrow_format::e2m1, narrow_format::e2m1, 64, a8, b8, C, s.sf, &sfa_hw, &sfb_hw, s.vec));
  const auto want = gemm(narrow_format::e2m1, narrow_format::e2m1, 64, A, B, C, s.sf, &SFA, &SFB, s.vec);
  return D == want ? std::vector<double>{} : D;  // empty: equal
}

TEST(NarrowWarp, M16N8K64_BlockScaled2XEverySelector) {
  for (unsigned bid : {0u, 2u})
    for (unsigned ta : {0u, 1u})
      for (unsigned tb : {0u, 1u, 2u, 3u}) {
        const scaled_case s{2, narrow_format::ue8m0, bid, ta, bid, tb};
        EXPECT_TRUE(simulate_k64(s, 10 + bid + 3 * ta + 7 * tb, s).empty()) << bid << " " << ta << " " << tb;
      }
}

TEST(NarrowWarp, M16N8K64_BlockScaled4XUe4m3) {
  for (unsigned ta : {0u, 1u})
    for (unsigned tb : {0u, 1u, 2u, 3u}) {
      const scaled_case s{4, narrow_format::ue4m3, 0, ta, 0, tb};
      EXPECT_TRUE(simulate_k64(s, 40 + ta + 5 * tb, s).empty()) << ta << " " << tb;
    }
}

TEST(NarrowWarp, M16N8K64_WrongSelectorIsVisible) {
  // The probes rely on unselected bytes and lanes holding other scales: a
  // hardware (here: model) reading the wrong lane pair or byte pair must see a
  // different result.
  const scaled_case s{2, narrow_format::ue8m0, 2, 1, 2, 2};
  EXPECT_FALSE(simulate_k64(s, 77, {2, narrow_format::ue8m0, 0, 1, 2, 2}).empty()) << "byte-id a";
  EXPECT_FALSE(simulate_k64(s, 77, {2, narrow_format::ue8m0, 2, 0, 2, 2}).empty()) << "thread-id a";
  EXPECT_FALSE(simulate_k64(s, 77, {2, narrow_format::ue8m0, 2, 1, 2, 3}).empty()) << "thread-id b";
  EXPECT_TRUE(simulate_k64(s, 77, s).empty());
}

TEST(NarrowWarp, ScaleRegisters1XBytesAndLanes) {
  // 1X (mxf8f6f4): one byte per register, byte-id 0..3, thread-id-a 0..1, thread-id-b 0..3.
  std::vector<std::uint8_t> sfa(16), sfb(8);
  for (int i = 0; i < 16; ++i) sfa[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(100 + i);
  for (int i = 0; i < 8; ++i) sfb[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(50 + i);
  for (unsigned bid = 0; bid < 4; ++bid)
    for (unsigned tid = 0; tid < 4; ++tid) {
      std::vector<unsigned> ra(32), rb(32);
      for (int lane = 0; lane < 32; ++lane) {
        ra[static_cast<std::size_t>(lane)] = sm121::scale_a_reg(sfa.data(), 1, lane, bid, tid % 2, 0xee);
        rb[static_cast<std::size_t>(lane)] = sm121::scale_b_reg(sfb.data(), 1, lane, bid, tid, 0xee);
      }
      for (int m = 0; m < 16; ++m) EXPECT_EQ(model_sf_a(ra, m, 0, bid, tid % 2), 100u + static_cast<unsigned>(m));
      for (int n = 0; n < 8; ++n) EXPECT_EQ(model_sf_b(rb, n, 0, bid, tid), 50u + static_cast<unsigned>(n));
      // Every other byte of every lane is filler.
      int filler_bytes = 0;
      for (int lane = 0; lane < 32; ++lane)
        for (int b = 0; b < 4; ++b) filler_bytes += ((ra[static_cast<std::size_t>(lane)] >> (8 * b)) & 0xffu) == 0xee;
      EXPECT_EQ(filler_bytes, 32 * 4 - 16);
    }
}

// --- the sm80-dequant path: m16n8k16 f16 fragments of decoded, scaled values -----

TEST(NarrowWarp, DequantFragmentsCarryDecodedScaledValues) {
  std::mt19937 rng(99);
  const narrow_format f = narrow_format::e2m1;
  const auto A = random_codes(rng, f, 16 * 64), B = random_codes(rng, f, 64 * 8);
  const auto scale = [](int r, int k) { return static_cast<float>(1 + (r + k / 16) % 3); };
  for (int k0 = 0; k0 < 64; k0 += 16)
    for (int lane = 0; lane < 32; ++lane) {
      for (int reg = 0; reg < 4; ++reg) {
        const unsigned v = sm121::dequant_a_f16(f, A.data(), 64, k0, lane, reg, scale);
        for (int h = 0; h < 2; ++h) {
          const auto [row, col] = model_a_k16(lane, reg * 2 + h);
          const float want = sm121::to_float(f, A[static_cast<std::size_t>(row * 64 + k0 + col)]) * scale(row, k0 + col);
          EXPECT_EQ((v >> (16 * h)) & 0xffffu, sm121::float_to_half_bits(want));
        }
      }
      for (int reg = 0; reg < 2; ++reg) {
        const unsigned v = sm121::dequant_b_f16(f, B.data(), k0, lane, reg, scale);
        for (int h = 0; h < 2; ++h) {
          const auto [k, n] = model_b_k16(lane, reg * 2 + h);
          const float want = sm121::to_float(f, B[static_cast<std::size_t>((k0 + k) * 8 + n)]) * scale(k0 + k, n);
          EXPECT_EQ((v >> (16 * h)) & 0xffffu, sm121::float_to_half_bits(want));
        }
      }
    }
}

}  // namespace
