// The descriptors of the asynchronous tensor-core probes (wgmma.f16,
// tcgen05.mma), decoded the way the hardware reads them (issue 10).
//
// The decoders below are written from the PTX ISA's bit tables, not from
// kernels/feature_tc_layout.cuh:
//  * "Matrix Descriptor Format" (wgmma, #asynchronous-warpgroup-level-matrix-shared-memory-layout-matrix-descriptor):
//    start address bits 0-13, leading dimension byte offset 16-29, stride
//    dimension byte offset 32-45 (each the byte value >> 4), base offset
//    49-51, swizzle mode 62-63 (0 = none);
//  * "Shared Memory Descriptor" (tcgen05, #tcgen05-shared-memory-desc-layout):
//    the same three address fields, the fixed value 0b001 in 46-48, base
//    offset 49-51, LBO mode 52, zeros in 53-60, swizzle mode 61-63 (0 = none);
//  * "Instruction descriptor" for .kind::f16 (#tcgen05-instruction-descriptor):
//    sparsity selector 0-1, sparsity 2, saturate 3, D type 4-5 (1 = f32),
//    A type 7-9 and B type 10-12 (0 = f16), negate A/B 13/14, transpose
//    (major-ness) A/B 15/16 (0 = K-major), N >> 3 in 17-22, M >> 4 in 24-28,
//    reserved 6, 23, 29; max shift 30-31 (.ws only, 0).
// For the no-swizzle K-major canonical layout the PTX ISA places core
// matrices of 8 rows x 16 bytes, each 128 contiguous bytes (row after row),
// LBO apart along K and SBO apart along M / N. A simulated tensor core reads
// the operands the kernels staged through the decoded descriptors; it must
// see A and B as the probe defined them.
#include "feature_tc_layout.cuh"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <vector>

namespace {

std::uint64_t bits(std::uint64_t v, int lo, int hi) { return (v >> lo) & ((std::uint64_t{1} << (hi - lo + 1)) - 1); }

struct smem_desc {
  std::uint32_t start = 0, lbo = 0, sbo = 0;  // bytes
  unsigned base_offset = 0, swizzle = 0, version = 0, lbo_mode = 0, fixed_zero = 0, unused = 0;
};

smem_desc decode_wgmma(std::uint64_t d) {
  smem_desc s;
  s.start = static_cast<std::uint32_t>(bits(d, 0, 13) << 4);
  s.lbo = static_cast<std::uint32_t>(bits(d, 16, 29) << 4);
  s.sbo = static_cast<std::uint32_t>(bits(d, 32, 45) << 4);
  s.base_offset = static_cast<unsigned>(bits(d, 49, 51));
  s.swizzle = static_cast<unsigned>(bits(d, 62, 63));
  s.unused = static_cast<unsigned>(bits(d, 14, 15) | bits(d, 30, 31) | bits(d, 46, 48) | bits(d, 52, 61));
  return s;
}

smem_desc decode_tcgen05(std::uint64_t d) {
  smem_desc s;
  s.start = static_cast<std::uint32_t>(bits(d, 0, 13) << 4);
  s.lbo = static_cast<std::uint32_t>(bits(d, 16, 29) << 4);
  s.sbo = static_cast<std::uint32_t>(bits(d, 32, 45) << 4);
  s.version = static_cast<unsigned>(bits(d, 46, 48));
  s.base_offset = static_cast<unsigned>(bits(d, 49, 51));
  s.lbo_mode = static_cast<unsigned>(bits(d, 52, 52));
  s.fixed_zero = static_cast<unsigned>(bits(d, 53, 60));
  s.swizzle = static_cast<unsigned>(bits(d, 61, 63));
  s.unused = static_cast<unsigned>(bits(d, 14, 15) | bits(d, 30, 31));
  return s;
}

struct instr_desc {
  unsigned sparse_sel, sparse, saturate, d_type, a_type, b_type, neg_a, neg_b, major_a, major_b, n, m, reserved,
      max_shift;
};

instr_desc decode_idesc(std::uint32_t d) {
  return {static_cast<unsigned>(bits(d, 0, 1)),   static_cast<unsigned>(bits(d, 2, 2)),
          static_cast<unsigned>(bits(d, 3, 3)),   static_cast<unsigned>(bits(d, 4, 5)),
          static_cast<unsigned>(bits(d, 7, 9)),   static_cast<unsigned>(bits(d, 10, 12)),
          static_cast<unsigned>(bits(d, 13, 13)), static_cast<unsigned>(bits(d, 14, 14)),
          static_cast<unsigned>(bits(d, 15, 15)), static_cast<unsigned>(bits(d, 16, 16)),
          static_cast<unsigned>(bits(d, 17, 22) << 3), static_cast<unsigned>(bits(d, 24, 28) << 4),
          static_cast<unsigned>(bits(d, 6, 6) | bits(d, 23, 23) | bits(d, 29, 29)),
          static_cast<unsigned>(bits(d, 30, 31))};
}

// Byte address of element (mn, k) (16-bit elements) of a K-major operand
// without swizzling, as the PTX ISA's canonical layout defines it.
std::uint32_t canonical_address(const smem_desc& s, unsigned mn, unsigned k) {
  return s.start + (mn / 8) * s.sbo + (k / 8) * s.lbo + (mn % 8) * 16 + (k % 8) * 2;
}

// Shared memory as the kernel stages it: element e of the probe's matrix at
// 16-bit index kmajor_offset(row, k) from `base` (as in wgmma_f16.cu and tcgen05_mma.cu).
using smem = std::map<std::uint32_t, int>;

smem stage_a(std::uint32_t base, unsigned rows) {  // A: rows x 16, row-major, value = index
  smem m;
  for (unsigned e = 0; e < rows * 16; ++e) m[base + 2 * sm121feat::kmajor_offset(e / 16, e % 16)] = static_cast<int>(e);
  return m;
}
smem stage_b(std::uint32_t base, unsigned n) {  // B: 16 x n, row-major, staged as n rows of K
  smem m;
  for (unsigned e = 0; e < 16 * n; ++e) m[base + 2 * sm121feat::kmajor_offset(e % n, e / n)] = static_cast<int>(e);
  return m;
}

// The simulated tensor core reads every element of an operand through the descriptor.
void expect_reads_a(const smem_desc& s, const smem& mem, unsigned rows, const char* what) {
  for (unsigned r = 0; r < rows; ++r)
    for (unsigned k = 0; k < 16; ++k) {
      const auto it = mem.find(canonical_address(s, r, k));
      ASSERT_NE(it, mem.end()) << what << ": A(" << r << "," << k << ") read from an address the kernel never wrote";
      EXPECT_EQ(it->second, static_cast<int>(r * 16 + k)) << what << ": A(" << r << "," << k << ")";
    }
}
void expect_reads_b(const smem_desc& s, const smem& mem, unsigned n, const char* what) {
  for (unsigned j = 0; j < n; ++j)
    for (unsigned k = 0; k < 16; ++k) {
      const auto it = mem.find(canonical_address(s, j, k));
      ASSERT_NE(it, mem.end()) << what << ": B(" << k << "," << j << ") read from an address the kernel never wrote";
      EXPECT_EQ(it->second, static_cast<int>(k * n + j)) << what << ": B(" << k << "," << j << ")";
    }
}

TEST(TcDescriptor, WgmmaDescriptorDecodesToTheStagedLayout) {
  const std::uint32_t a_base = 0x400, b_base = 0xc00;  // 1024-byte aligned tiles
  const smem_desc da = decode_wgmma(sm121feat::wgmma_desc(a_base, sm121feat::kLbo, sm121feat::kSbo));
  const smem_desc db = decode_wgmma(sm121feat::wgmma_desc(b_base, sm121feat::kLbo, sm121feat::kSbo));
  for (const auto* d : {&da, &db}) {
    EXPECT_EQ(d->swizzle, 0u) << "no swizzle";
    EXPECT_EQ(d->base_offset, 0u);
    EXPECT_EQ(d->unused, 0u) << "bits outside the PTX ISA's fields";
  }
  EXPECT_EQ(da.start, a_base);
  EXPECT_EQ(db.start, b_base);
  expect_reads_a(da, stage_a(a_base, 64), 64, "wgmma m64n8k16");
  expect_reads_b(db, stage_b(b_base, 8), 8, "wgmma m64n8k16");
}

TEST(TcDescriptor, Tcgen05SmemDescriptorDecodesToTheStagedLayout) {
  const std::uint32_t a_base = 0x400, b_base = 0x1400;
  const smem_desc da = decode_tcgen05(sm121feat::tcgen05_smem_desc(a_base, sm121feat::kLbo, sm121feat::kSbo));
  const smem_desc db = decode_tcgen05(sm121feat::tcgen05_smem_desc(b_base, sm121feat::kLbo, sm121feat::kSbo));
  for (const auto* d : {&da, &db}) {
    EXPECT_EQ(d->version, 1u) << "bits 46-48 hold the fixed value 0b001";
    EXPECT_EQ(d->swizzle, 0u);
    EXPECT_EQ(d->base_offset, 0u);
    EXPECT_EQ(d->lbo_mode, 0u) << "relative LBO";
    EXPECT_EQ(d->fixed_zero, 0u);
    EXPECT_EQ(d->unused, 0u);
  }
  expect_reads_a(da, stage_a(a_base, 128), 128, "tcgen05 m128n16k16");
  expect_reads_b(db, stage_b(b_base, 16), 16, "tcgen05 m128n16k16");
}

TEST(TcDescriptor, Tcgen05InstructionDescriptorSaysM128N16F16F32KMajor) {
  const instr_desc d = decode_idesc(sm121feat::tcgen05_idesc_f16_f32(128, 16));
  EXPECT_EQ(d.m, 128u);
  EXPECT_EQ(d.n, 16u);
  EXPECT_EQ(d.d_type, 1u) << "f32 accumulator";
  EXPECT_EQ(d.a_type, 0u) << "f16";
  EXPECT_EQ(d.b_type, 0u) << "f16";
  EXPECT_EQ(d.major_a, 0u) << "K-major";
  EXPECT_EQ(d.major_b, 0u) << "K-major";
  EXPECT_EQ(d.sparse | d.sparse_sel | d.saturate | d.neg_a | d.neg_b | d.reserved | d.max_shift, 0u);
  const instr_desc small = decode_idesc(sm121feat::tcgen05_idesc_f16_f32(64, 8));
  EXPECT_EQ(small.m, 64u);
  EXPECT_EQ(small.n, 8u);
  EXPECT_EQ(small.reserved, 0u);
}

// The decoders themselves, on descriptors composed by hand from the tables.
TEST(TcDescriptor, DecodersReadTheTables) {
  const std::uint64_t d = (std::uint64_t{0x40} << 0) | (std::uint64_t{8} << 16) | (std::uint64_t{16} << 32) |
                          (std::uint64_t{1} << 46) | (std::uint64_t{2} << 61);
  const smem_desc s = decode_tcgen05(d);
  EXPECT_EQ(s.start, 0x400u);
  EXPECT_EQ(s.lbo, 128u);
  EXPECT_EQ(s.sbo, 256u);
  EXPECT_EQ(s.version, 1u);
  EXPECT_EQ(s.swizzle, 2u);
  const instr_desc i = decode_idesc((1u << 4) | (2u << 17) | (8u << 24) | (1u << 15));
  EXPECT_EQ(i.n, 16u);
  EXPECT_EQ(i.m, 128u);
  EXPECT_EQ(i.major_a, 1u);
}

}  // namespace
