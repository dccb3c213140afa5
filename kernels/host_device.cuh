// SM121_HD: what makes a function of a shared header callable both in the
// kernels (NVRTC: __host__ __device__, inlined) and in host code and tests
// (plain inline). Included by every header that device and host share.
//
// No includes: NVRTC receives this file as an embedded header.
#pragma once

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define SM121_HD __host__ __device__ __forceinline__
#else
#define SM121_HD inline
#endif
