// The sources the expected verdicts of the probes cite (docs/probes.md
// "Sources"): each key with what the source says and where. A probe names its
// source key next to its expected verdicts, in its family file.
#include "sm121probe/probes/registration.hpp"

#include <algorithm>

namespace sm121probe::probes {

namespace {

// A function-local static: families register during static initialisation.
std::vector<probe::expectation_source>& registered_sources() {
  static std::vector<probe::expectation_source> list;
  return list;
}

std::vector<probe::expectation_source> common_sources() {
  return {
      {"cuda-guide",
       "CUDA C++ Programming Guide, compute capabilities: every architecture from sm_80 on runs ordinary f32 "
       "arithmetic",
       "https://docs.nvidia.com/cuda/cuda-programming-guide/05-appendices/compute-capabilities.html"},
      {"ptx-mma",
       "PTX ISA, mma (Target ISA notes): the f16/bf16/tf32/s8 forms require sm_80 or higher and exist on every "
       "later target",
       "https://docs.nvidia.com/cuda/parallel-thread-execution/#warp-level-matrix-instructions-mma"},
      {"ptx-ldmatrix", "PTX ISA, ldmatrix: requires sm_75 or higher",
       "https://docs.nvidia.com/cuda/parallel-thread-execution/#warp-level-matrix-instructions-ldmatrix"},
      {"ptx-mma-narrow",
       "PTX ISA, mma (Target ISA notes): .e3m2/.e2m3/.e2m1 operands (.kind::f8f6f4) require sm_120a and are "
       "supported on sm_120f (the sm_12x family, i.e. sm_121 too) from PTX ISA 8.8; other GPUs take a "
       "dequantising path (the sm80-dequant variant)",
       "https://docs.nvidia.com/cuda/parallel-thread-execution/#warp-level-matrix-instructions-mma"},
      {"ptx-block-scale",
       "PTX ISA, block scaling for mma.sync and mma Target ISA notes: .kind::mxf8f6f4/mxf4/mxf4nvf4 with "
       ".block_scale require sm_120a, supported on sm_120f; CUTLASS enables the SM120 block-scaled atoms for "
       "SM121 (include/cute/arch/mma_sm120.hpp)",
       "https://docs.nvidia.com/cuda/parallel-thread-execution/#warp-level-block-scaling"},
      {"ptx-cvt",
       "PTX ISA, cvt (Target ISA notes): .e4m3x2/.e5m2x2 require sm_89 or higher; .e2m1x2, .e2m3x2/.e3m2x2 "
       "and .ue8m0x2 are supported on sm_100a, sm_110a, sm_120a and the sm_100f, sm_110f and sm_120f families "
       "(sm_121 belongs to the last)",
       "https://docs.nvidia.com/cuda/parallel-thread-execution/#data-movement-and-conversion-instructions-cvt"},
      {"ptx-tcgen05",
       "PTX ISA, tcgen05 (5th-generation tensor core) instructions: sm_100a/f, sm_103a/f, sm_110a/f only; ptxas "
       "13.0 rejects every sm_12x form (compile matrix); GB10 has no tcgen05 or tensor memory (ThunderKittens "
       "port to sm_121)",
       "https://docs.nvidia.com/cuda/parallel-thread-execution/#tensorcore-5th-generation-instructions ; "
       "https://github.com/HazyResearch/ThunderKittens/pull/203"},
      {"ptx-wgmma",
       "PTX ISA, warpgroup-level matrix instructions (wgmma.mma_async): sm_90a only",
       "https://docs.nvidia.com/cuda/parallel-thread-execution/#asynchronous-warpgroup-level-matrix-instructions"},
      {"compat-rules",
       "CUDA binary compatibility: plain and family SASS run on the same major with an equal or higher minor, "
       "arch-specific SASS and PTX only on exactly that architecture, plain PTX on any later one (docs/"
       "compatibility.md). One report says a GB10 rejected a plain sm_120 cubin made by cuTile (NVIDIA/cuvs "
       "PR 2568); others run sm_120 builds on GB10",
       "https://docs.nvidia.com/cuda/blackwell-compatibility-guide/ ; "
       "https://developer.nvidia.com/blog/nvidia-blackwell-and-nvidia-cuda-12-9-introduce-family-specific-"
       "architecture-features/ ; https://github.com/NVIDIA/cuvs/pull/2568"},
      {"ptx-tma",
       "PTX ISA, cp.async.bulk / cp.async.bulk.tensor and mbarrier expect_tx: sm_90 or higher; TMA reported "
       "working on sm_121 (ThunderKittens port)",
       "https://docs.nvidia.com/cuda/parallel-thread-execution/#data-movement-and-conversion-instructions-cp-async-"
       "bulk-tensor ; https://github.com/HazyResearch/ThunderKittens/pull/203"},
      {"clusters",
       "Thread-block clusters and distributed shared memory: sm_90 or higher per the programming guide, which "
       "lists them for 12.x; for GB10 public claims conflict and no GB10 run was found",
       "https://github.com/flashinfer-ai/flashinfer/issues/3170 ; https://github.com/Dao-AILab/quack/issues/91 ; "
       "https://github.com/NVIDIA/dgx-spark-playbooks/issues/22"},
      {"smem-optin",
       "Dynamic shared memory above 48 KiB needs the opt-in attribute; the opt-in maximum (GB10: 101376 B) must "
       "really launch",
       "https://docs.nvidia.com/cuda/cuda-programming-guide/05-appendices/compute-capabilities.html ; "
       "https://github.com/QwenLM/FlashQLA/issues/4"},
      {"ptx-cp-async", "PTX ISA, cp.async: sm_80 or higher",
       "https://docs.nvidia.com/cuda/parallel-thread-execution/#data-movement-and-conversion-instructions-cp-async"},
      {"ptx-redux", "PTX ISA, redux.sync (integer forms): sm_80 or higher",
       "https://docs.nvidia.com/cuda/parallel-thread-execution/#parallel-synchronization-and-communication-"
       "instructions-redux-sync"},
      {"ptx-stmatrix", "PTX ISA, stmatrix: sm_90 or higher",
       "https://docs.nvidia.com/cuda/parallel-thread-execution/#warp-level-matrix-instructions-stmatrix"},
      {"ptx-elect", "PTX ISA, elect.sync: sm_90 or higher",
       "https://docs.nvidia.com/cuda/parallel-thread-execution/#parallel-synchronization-and-communication-"
       "instructions-elect-sync"},
      {"cuda-guide-um", "CUDA Programming Guide, unified memory: managed memory on every supported GPU",
       "https://docs.nvidia.com/cuda/cuda-programming-guide/"},
      {"um-gb10",
       "GB10 reports managed and pageable memory access (llama.cpp issue 24933); cudaHostRegister on ordinary "
       "host memory returns cudaErrorNotSupported on GB10 (antirez/ds4 PR 158)",
       "https://github.com/ggml-org/llama.cpp/issues/24933 ; https://github.com/antirez/ds4/pull/158"},
      {"sass-footprint",
       "SASS of ptxas 13.0 (this tool's inspection, docs/classification.md): FP8 mma.sync is one QMMA on sm_89 "
       "and sm_12x but conversions plus two HMMA on sm_90 and sm_100; int4 mma is one IMMA on sm_80-sm_89 and "
       "an expansion around s8 IMMAs from sm_90 on (reproduce: `sm121-probe --target sm_90a`)",
       "docs/classification.md"},
  };
}

}  // namespace

source_registration::source_registration(probe::expectation_source source) {
  registered_sources().push_back(std::move(source));
}

const std::vector<probe::expectation_source>& expectation_sources() {
  static const std::vector<probe::expectation_source> all = [] {
    std::vector<probe::expectation_source> out = common_sources();
    std::vector<probe::expectation_source> extra = registered_sources();
    std::sort(extra.begin(), extra.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
  }();
  return all;
}

}  // namespace sm121probe::probes
