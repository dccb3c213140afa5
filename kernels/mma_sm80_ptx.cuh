// The warp MMA instructions of the sm_80 battery, as inline-asm templates. One
// text for two users: the probe kernels (mma_sm80.cu, and the f16 fallback and
// s8 reference of the narrow battery) and the SASS inspection, which compiles
// each template in reference kernels to decide whether ptxas turned it into
// one hardware instruction (docs/classification.md).
//
// Source: PTX ISA "Multiply-and-Accumulate Instruction: mma"
// (https://docs.nvidia.com/cuda/parallel-thread-execution/).
//
// Only embedded headers are included: NVRTC receives this file as one.
#pragma once

#include "ptx_operands.cuh"  // the operand shapes (SM121_OPS_*, SM121_ASM_*)

// D(4 f32) = A(4 b32: f16x2) * B(2 b32) + C(4 f32). Operands: SM121_OPS_MMA_F32.
#define SM121_PTX_MMA_F16_F32                                                                 \
  "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, " \
  "{%10,%11,%12,%13};"

// D(2 b32: f16x2) = A * B + C(2 b32: f16x2). Operands: SM121_OPS_MMA_F16X2.
#define SM121_PTX_MMA_F16_F16 \
  "mma.sync.aligned.m16n8k16.row.col.f16.f16.f16.f16 {%0,%1}, {%2,%3,%4,%5}, {%6,%7}, {%8,%9};"

// bf16 operands, f32 accumulators. Operands: SM121_OPS_MMA_F32.
#define SM121_PTX_MMA_BF16_F32                                                                  \
  "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, " \
  "{%10,%11,%12,%13};"

// m16n8k8, tf32 operands (one per b32), f32 accumulators. Operands: SM121_OPS_MMA_F32.
#define SM121_PTX_MMA_TF32_F32                                                                 \
  "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, " \
  "{%10,%11,%12,%13};"

// m16n8k32, s8 operands (4 per b32), s32 accumulators. Operands: SM121_OPS_MMA_S32.
#define SM121_PTX_MMA_S8_S32                                                                 \
  "mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, " \
  "{%10,%11,%12,%13};"

// The Turing (sm_75) shapes, used only as SASS class representatives: the
// m16n8k16 f16 and m16n8k32 s8 forms above need sm_80, so on sm_75 these
// define HMMA and IMMA (docs/classification.md, "Classes").
// m16n8k8 f16: D(4 f32) = A(2 b32: f16x2) * B(1 b32) + C(4 f32). Operands: SM121_OPS_MMA_F32_K8.
#define SM121_PTX_MMA_F16_F32_K8 \
  "mma.sync.aligned.m16n8k8.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5}, {%6}, {%7,%8,%9,%10};"
// m8n8k16 s8: D(2 s32) = A(1 b32) * B(1 b32) + C(2 s32). Operands: SM121_OPS_MMA_S4 (the same shape).
#define SM121_PTX_MMA_S8_M8N8K16 "mma.sync.aligned.m8n8k16.row.col.s32.s8.s8.s32 {%0,%1}, {%2}, {%3}, {%4,%5};"
