// The operand shapes of the instructions under test, each written once for
// its two users: SM121_OPS_<shape> is the pair of constraint-letter strings
// (outputs, inputs) from which the SASS inspection generates its reference
// kernels (src/probe/sass.cpp; a probe's sass_checks and the class catalogue
// use it), and SM121_ASM_<shape>(PTX, ...) is the inline-asm statement the
// probe kernels issue with exactly those constraints. The PTX text itself is
// a macro of narrow_ptx.cuh or mma_sm80_ptx.cuh, so kernel and reference
// kernels compile the same instruction with the same operands;
// tests/unit/ptx_operands_test.cpp checks every SM121_ASM_ against its
// SM121_OPS_ letter by letter.
//
// Letters: 'f' f32, 'r' b32, 'h' b16 (outputs first, then inputs in operand order).
//
// No includes: NVRTC receives this file as an embedded header.
#pragma once

// mma.sync with four f32 accumulators: D(4 f32) = A(4 b32) * B(2 b32) + C(4 f32).
#define SM121_OPS_MMA_F32 "ffff", "rrrrrrffff"
#define SM121_ASM_MMA_F32(PTX, d, a, b, c)                                                                    \
  asm volatile(PTX                                                                                            \
               : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])                                               \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]),      \
                 "f"(c[2]), "f"(c[3]))

// The same with the two scale-factor registers of block-scaled MMA (scale-a-data, scale-b-data).
#define SM121_OPS_MMA_F32_SCALED "ffff", "rrrrrrffffrr"
#define SM121_ASM_MMA_F32_SCALED(PTX, d, a, b, c, sfa, sfb)                                                   \
  asm volatile(PTX                                                                                            \
               : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])                                               \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "f"(c[0]), "f"(c[1]),      \
                 "f"(c[2]), "f"(c[3]), "r"(sfa), "r"(sfb))

// Sparse mma.sp (2:4 / 4:8 on A): D(4 f32) = A(4 b32, compressed) * B(4 b32) + C(4 f32),
// with the metadata register e.
#define SM121_OPS_MMA_SP_F32 "ffff", "rrrrrrrrffffr"
#define SM121_ASM_MMA_SP_F32(PTX, d, a, b, c, e)                                                               \
  asm volatile(PTX                                                                                            \
               : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])                                               \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "r"(b[2]), "r"(b[3]),      \
                 "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]), "r"(e))

// The same with the two scale-factor registers (block-scaled sparse MMA).
#define SM121_OPS_MMA_SP_F32_SCALED "ffff", "rrrrrrrrffffrrr"
#define SM121_ASM_MMA_SP_F32_SCALED(PTX, d, a, b, c, e, sfa, sfb)                                              \
  asm volatile(PTX                                                                                            \
               : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])                                               \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "r"(b[2]), "r"(b[3]),      \
                 "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]), "r"(e), "r"(sfa), "r"(sfb))

// m16n8k8 f16 (Turing): D(4 f32) = A(2 b32) * B(1 b32) + C(4 f32).
#define SM121_OPS_MMA_F32_K8 "ffff", "rrrffff"
#define SM121_ASM_MMA_F32_K8(PTX, d, a, b, c)                                                                 \
  asm volatile(PTX                                                                                            \
               : "=f"(d[0]), "=f"(d[1]), "=f"(d[2]), "=f"(d[3])                                               \
               : "r"(a[0]), "r"(a[1]), "r"(b), "f"(c[0]), "f"(c[1]), "f"(c[2]), "f"(c[3]))

// mma.sync with packed f16x2 accumulators: D(2 b32) = A(4 b32) * B(2 b32) + C(2 b32).
#define SM121_OPS_MMA_F16X2 "rr", "rrrrrrrr"
#define SM121_ASM_MMA_F16X2(PTX, d, a, b, c)                                                                  \
  asm volatile(PTX                                                                                            \
               : "=r"(d[0]), "=r"(d[1])                                                                       \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "r"(c[0]), "r"(c[1]))

// mma.sync with four s32 accumulators: D(4 s32) = A(4 b32) * B(2 b32) + C(4 s32).
#define SM121_OPS_MMA_S32 "rrrr", "rrrrrrrrrr"
#define SM121_ASM_MMA_S32(PTX, d, a, b, c)                                                                    \
  asm volatile(PTX                                                                                            \
               : "=r"(d[0]), "=r"(d[1]), "=r"(d[2]), "=r"(d[3])                                               \
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]), "r"(c[0]), "r"(c[1]),      \
                 "r"(c[2]), "r"(c[3]))

// m8n8k32 int4: D(2 s32) = A(1 b32) * B(1 b32) + C(2 s32).
#define SM121_OPS_MMA_S4 "rr", "rrrr"
#define SM121_ASM_MMA_S4(PTX, d, a, b, c) \
  asm volatile(PTX : "=r"(d[0]), "=r"(d[1]) : "r"(a), "r"(b), "r"(c[0]), "r"(c[1]))

// Two f32 -> one packed 16-bit pair.
#define SM121_OPS_CVT_PACK16 "h", "ff"
#define SM121_ASM_CVT_PACK16(PTX, d, a, b) asm volatile(PTX : "=h"(d) : "f"(a), "f"(b))

// A packed 16-bit pair -> a packed 32-bit pair (f16x2, bf16x2).
#define SM121_OPS_CVT_UNPACK16 "r", "h"
#define SM121_ASM_CVT_UNPACK16(PTX, d, x) asm volatile(PTX : "=r"(d) : "h"(x))

// Two f32 -> one packed 32-bit pair (f16x2).
#define SM121_OPS_CVT_PACK32 "r", "ff"
#define SM121_ASM_CVT_PACK32(PTX, d, a, b) asm volatile(PTX : "=r"(d) : "f"(a), "f"(b))
