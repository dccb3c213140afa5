// Fragment layouts of the Blackwell narrow-format warp MMAs, next to
// mma_layout.cuh (whose m16n8k32 8-bit layout the kind::f8f6f4 / mxf8f6f4
// forms reuse with one byte container per element):
//
//  * m16n8k64 with dense 4-bit elements (kind::mxf4 / kind::mxf4nvf4 e2m1, and
//    s4/u4): PTX ISA "Matrix Fragments for mma.m16n8k64"
//    (https://docs.nvidia.com/cuda/parallel-thread-execution/#warp-level-matrix-fragment-mma-16864);
//  * the scale-factor registers of block-scaled mma.sync: PTX ISA "Block
//    Scaling for mma.sync" (#warp-level-block-scaling) for the selectors, and
//    CUTLASS include/cute/atom/mma_traits_sm120.hpp (SFALayout / SFBLayout) for
//    the row each supplying lane carries.
//
// Matrix conventions as in mma_layout.cuh: A is M x K row-major, B is K x N
// row-major, one byte per element in memory holding the element's code in the
// low bits. Scale matrices: scale_A is M x V row-major (V = 1, 2 or 4 scale
// factors per row, one per K/V-wide chunk of the row); scale_B is V x N
// row-major (one per chunk of each column). Codes are one byte each.
//
// No includes: NVRTC receives this file as an embedded header.
#pragma once

#include "mma_layout.cuh"
#include "narrow_formats.cuh"

namespace sm121 {

// --- m16n8k64, 4-bit elements packed eight per register ------------------------
// A: four registers, elements a0..a31 (low nibble of register 0 first);
// B: two registers, b0..b15; C/D as m16n8k32 (c_pos of mma_layout.cuh).

// Row and column (k) of element i (0..31) of this lane's A fragment.
SM121_HD rc a_pos_k64(int lane, int i) {
  const int g = lane >> 2, t = lane & 3;
  return {g + 8 * ((i >> 3) & 1), 8 * t + (i & 7) + 32 * (i >> 4)};
}

// Row (k) and column (n) of element i (0..15) of this lane's B fragment.
SM121_HD rc b_pos_k64(int lane, int i) {
  const int g = lane >> 2, t = lane & 3;
  return {8 * t + (i & 7) + 32 * (i >> 3), g};
}

// Register `reg` (0..3) of the A fragment from a 16 x 64 matrix of 4-bit codes.
SM121_HD unsigned pack_a_k64(const unsigned char* a, int lane, int reg) {
  unsigned r = 0;
  for (int j = 0; j < 8; ++j) {
    const rc p = a_pos_k64(lane, reg * 8 + j);
    r |= (static_cast<unsigned>(a[p.row * 64 + p.col]) & 0xfu) << (4 * j);
  }
  return r;
}

// Register `reg` (0..1) of the B fragment from a 64 x 8 matrix of 4-bit codes.
SM121_HD unsigned pack_b_k64(const unsigned char* b, int lane, int reg) {
  unsigned r = 0;
  for (int j = 0; j < 8; ++j) {
    const rc p = b_pos_k64(lane, reg * 8 + j);
    r |= (static_cast<unsigned>(b[p.row * 8 + p.col]) & 0xfu) << (4 * j);
  }
  return r;
}

// --- m16n8k32 with one byte container per element (kind::f8f6f4, mxf8f6f4) ----

// Register `reg` (0..3) of the A fragment from a 16 x 32 matrix of codes of format f.
SM121_HD unsigned pack_a_f8f6f4(narrow_format f, const unsigned char* a, int lane, int reg) {
  unsigned r = 0;
  for (int j = 0; j < 4; ++j) {
    const rc p = a_pos(mma_shape::m16n8k32_b8, lane, reg * 4 + j);
    r |= f8f6f4_container(f, a[p.row * 32 + p.col]) << (8 * j);
  }
  return r;
}

// Register `reg` (0..1) of the B fragment from a 32 x 8 matrix of codes of format f.
SM121_HD unsigned pack_b_f8f6f4(narrow_format f, const unsigned char* b, int lane, int reg) {
  unsigned r = 0;
  for (int j = 0; j < 4; ++j) {
    const rc p = b_pos(mma_shape::m16n8k32_b8, lane, reg * 4 + j);
    r |= f8f6f4_container(f, b[p.row * 8 + p.col]) << (8 * j);
  }
  return r;
}

// --- scale factors of block-scaled mma.sync -------------------------------------
// scale-a-data / scale-b-data are one 32-bit register per lane; the hardware
// reads only some lanes and bytes:
//  * thread-id-a picks a lane pair of every quad: lanes with lane % 4 equal to
//    2*thread-id-a or 2*thread-id-a + 1 supply the A scales; such a lane
//    carries row (lane / 4) + 8 * (lane % 2);
//  * thread-id-b picks one lane of every quad: lane % 4 == thread-id-b supplies
//    the B scales of column lane / 4;
//  * byte-id picks the bytes: 1X one byte (0..3), 2X the byte pair starting at
//    byte-id (0 or 2) holding the scales of K chunks 0 and 1, 4X all four bytes
//    (byte-id 0) holding chunks 0..3.
// Bytes and lanes the hardware does not read are set to `filler`, so a kernel
// can make a wrong selection visible in the result.

// The row whose A scales this lane supplies for thread-id-a = tid, or -1.
SM121_HD int scale_a_row(int lane, unsigned tid) {
  const int t = lane & 3;
  if ((t >> 1) != static_cast<int>(tid)) return -1;
  return (lane >> 2) + 8 * (t & 1);
}

// The column whose B scales this lane supplies for thread-id-b = tid, or -1.
SM121_HD int scale_b_col(int lane, unsigned tid) {
  return (lane & 3) == static_cast<int>(tid) ? (lane >> 2) : -1;
}

// scale-a-data of this lane. sfa: 16 x vec codes, row-major.
SM121_HD unsigned scale_a_reg(const unsigned char* sfa, int vec, int lane, unsigned byte_id, unsigned thread_id,
                              unsigned filler) {
  unsigned r = 0;
  for (int b = 0; b < 4; ++b) r |= (filler & 0xffu) << (8 * b);
  const int row = scale_a_row(lane, thread_id);
  if (row < 0) return r;
  for (int j = 0; j < vec; ++j) {
    const int byte = static_cast<int>(byte_id) + j;
    r &= ~(0xffu << (8 * byte));
    r |= static_cast<unsigned>(sfa[row * vec + j]) << (8 * byte);
  }
  return r;
}

// scale-b-data of this lane. sfb: vec x 8 codes, row-major.
SM121_HD unsigned scale_b_reg(const unsigned char* sfb, int vec, int lane, unsigned byte_id, unsigned thread_id,
                              unsigned filler) {
  unsigned r = 0;
  for (int b = 0; b < 4; ++b) r |= (filler & 0xffu) << (8 * b);
  const int col = scale_b_col(lane, thread_id);
  if (col < 0) return r;
  for (int j = 0; j < vec; ++j) {
    const int byte = static_cast<int>(byte_id) + j;
    r &= ~(0xffu << (8 * byte));
    r |= static_cast<unsigned>(sfb[j * 8 + col]) << (8 * byte);
  }
  return r;
}

// --- the sm_80 dequantisation path ------------------------------------------------
// Register `reg` (0..3) of an m16n8k16 f16 A fragment covering columns
// [k0, k0 + 16) of an M x ld matrix of codes of format f, each element
// multiplied by `scale_of(row, col)` (1 for unscaled data). Values must be
// exact in f16 (true for the probes' inputs).
template <typename ScaleFn>
SM121_HD unsigned dequant_a_f16(narrow_format f, const unsigned char* a, int ld, int k0, int lane, int reg,
                                ScaleFn scale_of) {
  unsigned r = 0;
  for (int j = 0; j < 2; ++j) {
    const rc p = a_pos(mma_shape::m16n8k16_b16, lane, reg * 2 + j);
    const int col = k0 + p.col;
    const float v = to_float(f, a[p.row * ld + col]) * scale_of(p.row, col);
    r |= static_cast<unsigned>(float_to_half_bits(v)) << (16 * j);
  }
  return r;
}

// Register `reg` (0..1) of an m16n8k16 f16 B fragment covering rows [k0, k0 + 16)
// of a K x 8 matrix of codes, each element multiplied by `scale_of(k, n)`.
template <typename ScaleFn>
SM121_HD unsigned dequant_b_f16(narrow_format f, const unsigned char* b, int k0, int lane, int reg,
                                ScaleFn scale_of) {
  unsigned r = 0;
  for (int j = 0; j < 2; ++j) {
    const rc p = b_pos(mma_shape::m16n8k16_b16, lane, reg * 2 + j);
    const int k = k0 + p.row;
    const float v = to_float(f, b[k * 8 + p.col]) * scale_of(k, p.col);
    r |= static_cast<unsigned>(float_to_half_bits(v)) << (16 * j);
  }
  return r;
}

}  // namespace sm121
