// Shared-memory operand layout and descriptors of the asynchronous tensor-core
// instructions (Hopper wgmma, datacenter-Blackwell tcgen05.mma), shared by the
// probe kernels (compiled by NVRTC) and host tests.
//
// Layout: K-major ("no transpose") operands without swizzling, in the PTX ISA's
// canonical form: the matrix is cut into core matrices of 8 rows x 16 bytes
// (8 rows x 8 f16), each stored as 128 contiguous bytes (row after row). Two
// strides place the core matrices:
//   LBO (leading dimension byte offset): between core matrices adjacent in K;
//   SBO (stride dimension byte offset):  between core matrices adjacent in M / N.
// The probes use LBO = 128 and SBO = 256 (a 16-wide K slice: the two K core
// matrices of a row block sit next to each other, row blocks follow).
// Sources: PTX ISA "Matrix Descriptor Format" (wgmma), "Shared Memory Descriptor"
// and "Instruction descriptor" (tcgen05); cross-checked against CUTLASS's
// canonical K-major INTERLEAVE layout ((8,m),(T,2)):((1T,SBO),(1,LBO)).
//
// No includes: NVRTC gets this file as an embedded header.
#pragma once

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define SM121F_HD __host__ __device__ __forceinline__
#else
#define SM121F_HD inline
#endif

namespace sm121feat {

constexpr unsigned kLbo = 128;  // bytes between K-adjacent core matrices
constexpr unsigned kSbo = 256;  // bytes between M/N-adjacent core matrices

// Element offset (in 16-bit elements) of (row, k) of a K-major operand with
// K = 16 in the canonical no-swizzle layout above.
SM121F_HD unsigned kmajor_offset(unsigned row, unsigned k) {
  return (row / 8) * (kSbo / 2) + (k / 8) * (kLbo / 2) + (row % 8) * 8 + (k % 8);
}

// wgmma matrix descriptor (sm_90a): start address >> 4 in bits 0-13, LBO >> 4
// in 16-29, SBO >> 4 in 32-45, base offset 0 in 49-51, layout type in 62-63
// (0 = no swizzle, "interleave").
SM121F_HD unsigned long long wgmma_desc(unsigned smem_address, unsigned lbo, unsigned sbo) {
  return static_cast<unsigned long long>((smem_address & 0x3ffffu) >> 4) |
         (static_cast<unsigned long long>((lbo >> 4) & 0x3fffu) << 16) |
         (static_cast<unsigned long long>((sbo >> 4) & 0x3fffu) << 32);
}

// tcgen05 shared memory descriptor (sm_100a): as wgmma for bits 0-45, plus the
// fixed value 0b001 in bits 46-48 (descriptor version), base offset 0 in 49-51,
// LBO mode 0 (relative) in bit 52, swizzle mode in 61-63 (0 = none).
SM121F_HD unsigned long long tcgen05_smem_desc(unsigned smem_address, unsigned lbo, unsigned sbo) {
  return wgmma_desc(smem_address, lbo, sbo) | (1ull << 46);
}

// tcgen05.mma .kind::f16 instruction descriptor: dense, D format in bits 4-5
// (1 = f32), A and B formats in 7-9 / 10-12 (0 = f16), no negation, A and B
// K-major (bits 15, 16 = 0), N >> 3 in bits 17-22, M >> 4 in bits 24-28.
SM121F_HD unsigned tcgen05_idesc_f16_f32(unsigned m, unsigned n) {
  return (1u << 4) | (((n >> 3) & 0x3fu) << 17) | (((m >> 4) & 0x1fu) << 24);
}

// wgmma m64nNk16 accumulator fragment: row and column of accumulator register
// i of thread `tid` (0..127) of the warpgroup. Warp w owns rows 16w..16w+15;
// inside a warp the layout is that of mma.m16n8: row = w*16 + lane/4 (+8),
// column = 2*(lane%4) + i%2 (+8 for every further group of four registers).
SM121F_HD unsigned wgmma_acc_row(unsigned tid, unsigned i) { return (tid / 32) * 16 + (tid % 32) / 4 + 8 * ((i >> 1) & 1); }
SM121F_HD unsigned wgmma_acc_col(unsigned tid, unsigned i) { return 2 * (tid % 4) + (i & 1) + 8 * (i >> 2); }

}  // namespace sm121feat
