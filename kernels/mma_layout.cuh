// Fragment layouts of warp-level mma.sync, shared by the probe kernels (compiled
// by NVRTC) and by host tests that simulate a warp on the CPU. The positions
// follow the PTX ISA "Matrix Fragments for mma.m16n8k16 / m16n8k8 / m16n8k32 /
// m8n8k32" sections: groupID = lane / 4, threadID_in_group = lane % 4.
//
// Conventions: A is M x K and B is K x N, both stored row-major in memory with
// one container per element (16-bit values in unsigned short, 32-bit in
// unsigned int, 8-bit and 4-bit values in unsigned char, 4-bit in the low
// nibble). C and D are M x N row-major. Within a 32-bit fragment register the
// element with the lower index occupies the lower bits.
//
// Only embedded headers are included: NVRTC gets this file as one and has no
// standard library here.
#pragma once

#include "host_device.cuh"  // SM121_HD

namespace sm121 {

struct rc {
  int row;
  int col;
};

enum class mma_shape {
  m16n8k16_b16,  // f16 / bf16 inputs (also the shape of the sm_80 dequant fallback)
  m16n8k8_tf32,  // tf32 inputs
  m16n8k32_b8,   // s8 / u8 / e4m3 / e5m2 and the 8-bit containers of kind::f8f6f4
  m8n8k32_b4,    // s4 / u4
};

struct shape_info {
  int m, n, k;
  int a_bits;   // width of one A/B element inside a fragment register
  int a_elems;  // A elements held by one lane
  int b_elems;  // B elements held by one lane
  int c_elems;  // C/D elements held by one lane
};

SM121_HD shape_info info(mma_shape s) {
  switch (s) {
    case mma_shape::m16n8k16_b16: return {16, 8, 16, 16, 8, 4, 4};
    case mma_shape::m16n8k8_tf32: return {16, 8, 8, 32, 4, 2, 4};
    case mma_shape::m16n8k32_b8: return {16, 8, 32, 8, 16, 8, 4};
    case mma_shape::m8n8k32_b4: return {8, 8, 32, 4, 8, 8, 2};
  }
  return {0, 0, 0, 0, 0, 0, 0};
}

// Row and column of element i of this lane's A fragment.
SM121_HD rc a_pos(mma_shape s, int lane, int i) {
  const int g = lane >> 2, t = lane & 3;
  switch (s) {
    case mma_shape::m16n8k16_b16: return {g + 8 * ((i >> 1) & 1), 2 * t + (i & 1) + 8 * (i >> 2)};
    case mma_shape::m16n8k8_tf32: return {g + 8 * (i & 1), t + 4 * (i >> 1)};
    case mma_shape::m16n8k32_b8: return {g + 8 * ((i >> 2) & 1), 4 * t + (i & 3) + 16 * (i >> 3)};
    case mma_shape::m8n8k32_b4: return {g, 8 * t + i};
  }
  return {0, 0};
}

// Row (k) and column (n) of element i of this lane's B fragment.
SM121_HD rc b_pos(mma_shape s, int lane, int i) {
  const int g = lane >> 2, t = lane & 3;
  switch (s) {
    case mma_shape::m16n8k16_b16: return {2 * t + (i & 1) + 8 * (i >> 1), g};
    case mma_shape::m16n8k8_tf32: return {t + 4 * i, g};
    case mma_shape::m16n8k32_b8: return {4 * t + (i & 3) + 16 * (i >> 2), g};
    case mma_shape::m8n8k32_b4: return {8 * t + i, g};
  }
  return {0, 0};
}

// Row and column of element i of this lane's C/D fragment.
SM121_HD rc c_pos(mma_shape s, int lane, int i) {
  const int g = lane >> 2, t = lane & 3;
  if (s == mma_shape::m8n8k32_b4) return {g, 2 * t + i};
  return {g + 8 * (i >> 1), 2 * t + (i & 1)};
}

// Reads the raw bits of element (row, col) of a row-major matrix with `ld`
// columns whose elements are `bits` wide (see the container convention above).
SM121_HD unsigned element_bits(const void* m, int ld, int row, int col, int bits) {
  const int idx = row * ld + col;
  if (bits == 32) return static_cast<const unsigned*>(m)[idx];
  if (bits == 16) return static_cast<const unsigned short*>(m)[idx];
  const unsigned v = static_cast<const unsigned char*>(m)[idx];
  return bits == 4 ? (v & 0xfu) : v;
}

// Fragment register `reg` of this lane's A operand.
SM121_HD unsigned pack_a(mma_shape s, const void* a, int lane, int reg) {
  const shape_info si = info(s);
  const int per_reg = 32 / si.a_bits;
  unsigned r = 0;
  for (int j = 0; j < per_reg; ++j) {
    const rc p = a_pos(s, lane, reg * per_reg + j);
    r |= element_bits(a, si.k, p.row, p.col, si.a_bits) << (si.a_bits * j);
  }
  return r;
}

// Fragment register `reg` of this lane's B operand (B stored K x N row-major).
SM121_HD unsigned pack_b(mma_shape s, const void* b, int lane, int reg) {
  const shape_info si = info(s);
  const int per_reg = 32 / si.a_bits;
  unsigned r = 0;
  for (int j = 0; j < per_reg; ++j) {
    const rc p = b_pos(s, lane, reg * per_reg + j);
    r |= element_bits(b, si.n, p.row, p.col, si.a_bits) << (si.a_bits * j);
  }
  return r;
}

// Accumulators held as one 32-bit value per element (f32, s32).
template <typename T>
SM121_HD void load_c32(mma_shape s, const T* c, int lane, T* frag) {
  const shape_info si = info(s);
  for (int i = 0; i < si.c_elems; ++i) {
    const rc p = c_pos(s, lane, i);
    frag[i] = c[p.row * si.n + p.col];
  }
}

template <typename T>
SM121_HD void store_d32(mma_shape s, T* d, int lane, const T* frag) {
  const shape_info si = info(s);
  for (int i = 0; i < si.c_elems; ++i) {
    const rc p = c_pos(s, lane, i);
    d[p.row * si.n + p.col] = frag[i];
  }
}

// Accumulators held as packed f16x2 registers (element i in half i % 2 of register i / 2).
SM121_HD void load_c16(mma_shape s, const unsigned short* c, int lane, unsigned* regs) {
  const shape_info si = info(s);
  for (int r = 0; r < si.c_elems / 2; ++r) {
    const rc lo = c_pos(s, lane, 2 * r), hi = c_pos(s, lane, 2 * r + 1);
    regs[r] = static_cast<unsigned>(c[lo.row * si.n + lo.col]) |
              (static_cast<unsigned>(c[hi.row * si.n + hi.col]) << 16);
  }
}

SM121_HD void store_d16(mma_shape s, unsigned short* d, int lane, const unsigned* regs) {
  const shape_info si = info(s);
  for (int r = 0; r < si.c_elems / 2; ++r) {
    const rc lo = c_pos(s, lane, 2 * r), hi = c_pos(s, lane, 2 * r + 1);
    d[lo.row * si.n + lo.col] = static_cast<unsigned short>(regs[r] & 0xffffu);
    d[hi.row * si.n + hi.col] = static_cast<unsigned short>(regs[r] >> 16);
  }
}

}  // namespace sm121
