// The PTX instructions under test in the narrow-format probes, as inline-asm
// templates. One text for two users: the probe kernels (kernels/mma_narrow.cu,
// mma_block_scaled.cu, cvt_narrow.cu, mma_s4.cu) and the SASS inspection
// (src/probe/sass.cpp, via the probes' sass_checks and the class catalogue of
// src/probes/sass_classes.cpp), which compiles each template in reference kernels to
// decide whether ptxas turned it into one hardware instruction
// (docs/classification.md). Operand numbering is part of the template's
// contract; each macro names its operand shape (ptx_operands.cuh).
//
// Sources: PTX ISA "Multiply-and-Accumulate Instruction: mma" and
// "Data Movement and Conversion Instructions: cvt"
// (https://docs.nvidia.com/cuda/parallel-thread-execution/).
//
// Only embedded headers are included: NVRTC receives this file as one.
#pragma once

#include "mma_sm80_ptx.cuh"    // the sm_80 forms: the f16 fallback MMA, the s8 IMMA reference
#include "ptx_operands.cuh"  // the operand shapes (SM121_OPS_*, SM121_ASM_*)

// D(4 f32) = A(4 b32) * B(2 b32) + C(4 f32), m16n8k32, FP8 operands (sm_89+).
// Operands: SM121_OPS_MMA_F32.
#define SM121_PTX_MMA_FP8(T)                                                                 \
  "mma.sync.aligned.m16n8k32.row.col.f32." T "." T ".f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, "     \
  "{%8,%9}, {%10,%11,%12,%13};"

// The same with .kind::f8f6f4: FP8/FP6/FP4 operands in byte containers (sm_120a/f).
// Operands: SM121_OPS_MMA_F32.
#define SM121_PTX_MMA_F8F6F4(TA, TB)                                                         \
  "mma.sync.aligned.m16n8k32.row.col.kind::f8f6f4.f32." TA "." TB ".f32 {%0,%1,%2,%3}, "     \
  "{%4,%5,%6,%7}, {%8,%9}, {%10,%11,%12,%13};"

// Block-scaled forms with their selectors as text: SA = "byte-id-a, thread-id-a",
// SB = "byte-id-b, thread-id-b" (PTX ISA "Block Scaling for mma.sync").
// Operands: SM121_OPS_MMA_F32_SCALED (the last two: scale-a-data, scale-b-data).
// m16n8k32, kind::mxf8f6f4, scale_vec::1X, ue8m0 scales.
#define SM121_PTX_MMA_MXF8F6F4_AT(TA, TB, SA, SB)                                                     \
  "mma.sync.aligned.m16n8k32.row.col.kind::mxf8f6f4.block_scale.scale_vec::1X.f32." TA "." TB        \
  ".f32.ue8m0 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%10,%11,%12,%13}, %14, {" SA "}, %15, {" SB "};"
// m16n8k64, kind::mxf4, scale_vec::2X, ue8m0 scales (MXFP4).
#define SM121_PTX_MMA_MXF4_AT(SA, SB)                                                                  \
  "mma.sync.aligned.m16n8k64.row.col.kind::mxf4.block_scale.scale_vec::2X.f32.e2m1.e2m1.f32.ue8m0 " \
  "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%10,%11,%12,%13}, %14, {" SA "}, %15, {" SB "};"
// m16n8k64, kind::mxf4nvf4, scale_vec::4X, ue4m3 scales (NVFP4); 4X: byte-id 0.
#define SM121_PTX_MMA_NVF4_AT(SA, SB)                                                                      \
  "mma.sync.aligned.m16n8k64.row.col.kind::mxf4nvf4.block_scale.scale_vec::4X.f32.e2m1.e2m1.f32.ue4m3 " \
  "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%10,%11,%12,%13}, %14, {" SA "}, %15, {" SB "};"

// The selector-0 forms: the verdict-bearing cases of mma.mxf8f6f4 / mma.mxf4 / mma.nvf4
// (the layout CUTLASS's SM120 atoms use).
#define SM121_PTX_MMA_MXF8F6F4_SEL0(TA, TB) SM121_PTX_MMA_MXF8F6F4_AT(TA, TB, "0, 0", "0, 0")
#define SM121_PTX_MMA_MXF4_SEL0 SM121_PTX_MMA_MXF4_AT("0, 0", "0, 0")
#define SM121_PTX_MMA_NVF4_SEL0 SM121_PTX_MMA_NVF4_AT("0, 0", "0, 0")

// The non-zero selector forms (the .sel probes, and the SASS class representatives):
// mxf8f6f4 {byte-id-a, thread-id-a} = {1, 1}, {byte-id-b, thread-id-b} = {2, 3};
// mxf4 {2, 1} and {2, 2}; nvf4 {0, 1} and {0, 1}.
#define SM121_PTX_MMA_MXF8F6F4(TA, TB) SM121_PTX_MMA_MXF8F6F4_AT(TA, TB, "1, 1", "2, 3")
#define SM121_MXF8F6F4_SEL_A_BYTE 1
#define SM121_MXF8F6F4_SEL_A_THREAD 1
#define SM121_MXF8F6F4_SEL_B_BYTE 2
#define SM121_MXF8F6F4_SEL_B_THREAD 3
#define SM121_PTX_MMA_MXF4 SM121_PTX_MMA_MXF4_AT("2, 1", "2, 2")
#define SM121_MXF4_SEL_A_BYTE 2
#define SM121_MXF4_SEL_A_THREAD 1
#define SM121_MXF4_SEL_B_BYTE 2
#define SM121_MXF4_SEL_B_THREAD 2
#define SM121_PTX_MMA_NVF4 SM121_PTX_MMA_NVF4_AT("0, 1", "0, 1")
#define SM121_NVF4_SEL_A_BYTE 0
#define SM121_NVF4_SEL_A_THREAD 1
#define SM121_NVF4_SEL_B_BYTE 0
#define SM121_NVF4_SEL_B_THREAD 1

// --- sparse (mma.sp::ordered_metadata, A 2:4 structured; sparsity selector 0) ---
// m16n8k64 .kind::f8f6f4 with e2m1 operands in byte containers (sm_120a/f).
// Operands: SM121_OPS_MMA_SP_F32 (the last: the metadata register).
#define SM121_PTX_MMA_SP_F8F6F4_E2M1                                                                     \
  "mma.sp::ordered_metadata.sync.aligned.m16n8k64.row.col.kind::f8f6f4.f32.e2m1.e2m1.f32 {%0,%1,%2,%3}, " \
  "{%4,%5,%6,%7}, {%8,%9,%10,%11}, {%12,%13,%14,%15}, %16, 0x0;"
// m16n8k128 .kind::mxf4, scale_vec::2X, ue8m0 scales, selectors {0, 0}: sm_120a / sm_121a only
// (ptxas 13.0 rejects it for sm_121f). Operands: SM121_OPS_MMA_SP_F32_SCALED.
#define SM121_PTX_MMA_SP_MXF4                                                                                   \
  "mma.sp::ordered_metadata.sync.aligned.m16n8k128.row.col.kind::mxf4.block_scale.scale_vec::2X.f32.e2m1.e2m1" \
  ".f32.ue8m0 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9,%10,%11}, {%12,%13,%14,%15}, %16, 0x0, %17, {0, 0}, %18, "  \
  "{0, 0};"
// m16n8k128 .kind::mxf4nvf4, scale_vec::4X, ue4m3 scales (NVFP4), selectors {0, 0}: sm_120a /
// sm_121a only. Operands: SM121_OPS_MMA_SP_F32_SCALED.
#define SM121_PTX_MMA_SP_NVF4                                                                                      \
  "mma.sp::ordered_metadata.sync.aligned.m16n8k128.row.col.kind::mxf4nvf4.block_scale.scale_vec::4X.f32.e2m1.e2m1" \
  ".f32.ue4m3 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9,%10,%11}, {%12,%13,%14,%15}, %16, 0x0, %17, {0, 0}, %18, "     \
  "{0, 0};"

// m8n8k32 s4 x s4 -> s32 (the int4 form ptxas emulates on sm_90 and later).
// Operands: SM121_OPS_MMA_S4.
#define SM121_PTX_MMA_S4 "mma.sync.aligned.m8n8k32.row.col.s32.s4.s4.s32 {%0,%1}, {%2}, {%3}, {%4,%5};"

// --- conversions --------------------------------------------------------------
// Two f32 -> a packed pair: the first source (%1, "a") lands in the upper
// part, the second (%2, "b") in the lower part (PTX ISA cvt semantics).

// f32 x2 -> e2m1x2 (one byte: a in bits 7..4, b in bits 3..0), zero-extended to 16 bits.
// Operands: SM121_OPS_CVT_PACK16.
#define SM121_PTX_CVT_F32_TO_E2M1X2 \
  "{ .reg .b8 t; cvt.rn.satfinite.e2m1x2.f32 t, %1, %2; cvt.u16.u8 %0, t; }"
// e2m1x2 (the low byte of %1) -> f16x2 (upper nibble -> upper half).
// Operands: SM121_OPS_CVT_UNPACK16.
#define SM121_PTX_CVT_E2M1X2_TO_F16X2 "{ .reg .b8 t, u; mov.b16 {t, u}, %1; cvt.rn.f16x2.e2m1x2 %0, t; }"

// f32 x2 -> e3m2x2 / e2m3x2 / e4m3x2 / e5m2x2 (16 bits: a in 15..8, b in 7..0;
// FP6 values with two zero MSBs per byte). Operands: SM121_OPS_CVT_PACK16.
#define SM121_PTX_CVT_F32_TO_X2(T) "cvt.rn.satfinite." T "x2.f32 %0, %1, %2;"
// The reverse: 16 bits -> f16x2. Operands: SM121_OPS_CVT_UNPACK16.
#define SM121_PTX_CVT_X2_TO_F16X2(T) "cvt.rn.f16x2." T "x2 %0, %1;"

// f32 x2 -> ue8m0x2, rounding RND = "rz" or "rp". Operands: SM121_OPS_CVT_PACK16.
#define SM121_PTX_CVT_F32_TO_UE8M0X2(RND) "cvt." RND ".satfinite.ue8m0x2.f32 %0, %1, %2;"
// ue8m0x2 -> bf16x2. Operands: SM121_OPS_CVT_UNPACK16.
#define SM121_PTX_CVT_UE8M0X2_TO_BF16X2 "cvt.rn.bf16x2.ue8m0x2 %0, %1;"

// The packed f32 -> f16x2 conversion every sm_80+ GPU executes natively (the
// reference of the F2FP conversion class). Operands: SM121_OPS_CVT_PACK32.
#define SM121_PTX_CVT_F32_TO_F16X2 "cvt.rn.f16x2.f32 %0, %1, %2;"

