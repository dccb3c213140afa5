// The one table of expected verdicts. Columns: sm_80, sm_86, sm_89, sm_90,
// sm_100, sm_120, sm_121. Cell values: "native", "fallback", "failing",
// "skipped", "unknown" (sources conflict), or "" (no expectation). The source
// key names an entry of docs/probes.md "Sources".
#include "sm121probe/probe/expectations.hpp"

#include <algorithm>
#include <array>

namespace sm121probe::probe {

namespace {

struct row {
  std::string_view probe;
  std::array<std::string_view, 7> cells;
  std::string_view source;
};

constexpr std::array archs_sm = {80, 86, 89, 90, 100, 120, 121};

constexpr std::array table = {
    // The sm_80 path: every architecture from Ampere on runs it natively.
    row{"cuda.fma", {"native", "native", "native", "native", "native", "native", "native"}, "cuda-guide"},
    row{"mma.f16", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"mma.f16f16", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"mma.bf16", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"mma.tf32", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"mma.s8", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"},
    row{"ldmatrix", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-ldmatrix"},

    // Narrow formats. FP8 mma.sync exists from sm_89; ptxas emulates it on
    // sm_90 and sm_100 (conversions + f16 MMA), and int4 mma from sm_90 on.
    row{"mma.fp8.e4m3", {"fallback", "fallback", "native", "fallback", "fallback", "native", "native"}, "sass-footprint"},
    row{"mma.fp8.e5m2", {"fallback", "fallback", "native", "fallback", "fallback", "native", "native"}, "sass-footprint"},
    // kind::f8f6f4 FP4/FP6 and all block-scaled mma.sync: sm_120a/f and sm_121a/f only.
    row{"mma.f8f6f4.e2m1", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "ptx-mma-narrow"},
    row{"mma.f8f6f4.e3m2", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "ptx-mma-narrow"},
    row{"mma.f8f6f4.e2m3", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "ptx-mma-narrow"},
    // kind::f8f6f4 with FP8 operands also compiles for sm_100a/f, where it is emulated.
    row{"mma.f8f6f4.e4m3", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "sass-footprint"},
    row{"mma.mxf8f6f4", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "ptx-block-scale"},
    row{"mma.mxf4", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "ptx-block-scale"},
    row{"mma.nvf4", {"fallback", "fallback", "fallback", "fallback", "fallback", "native", "native"}, "ptx-block-scale"},
    row{"mma.s4", {"native", "native", "native", "fallback", "fallback", "fallback", "fallback"}, "sass-footprint"},
    // Conversions: FP8 from sm_89; FP4/FP6/ue8m0 on sm_100a/f and sm_12Xa/f; no fallback variant.
    row{"cvt.fp4", {"failing", "failing", "failing", "failing", "native", "native", "native"}, "ptx-cvt"},
    row{"cvt.fp6", {"failing", "failing", "failing", "failing", "native", "native", "native"}, "ptx-cvt"},
    row{"cvt.fp8", {"failing", "failing", "native", "native", "native", "native", "native"}, "ptx-cvt"},
    row{"cvt.ue8m0", {"failing", "failing", "failing", "failing", "native", "native", "native"}, "ptx-cvt"},

    // Instruction sets of one architecture: tcgen05 (datacenter Blackwell), wgmma (Hopper).
    row{"tcgen05.alloc", {"failing", "failing", "failing", "failing", "native", "failing", "failing"}, "ptx-tcgen05"},
    row{"tcgen05.mma", {"failing", "failing", "failing", "failing", "native", "failing", "failing"}, "ptx-tcgen05"},
    row{"tcgen05.ld", {"failing", "failing", "failing", "failing", "native", "failing", "failing"}, "ptx-tcgen05"},
    row{"wgmma.mma_async", {"failing", "failing", "failing", "native", "failing", "failing", "failing"}, "ptx-wgmma"},

    // Which builds load where: the compatibility rules (docs/compatibility.md).
    row{"image.load.sm_120", {"failing", "failing", "failing", "failing", "failing", "native", "native"}, "compat-rules"},
    row{"image.load.sm_120a", {"failing", "failing", "failing", "failing", "failing", "native", "failing"}, "compat-rules"},
    row{"image.load.sm_120f", {"failing", "failing", "failing", "failing", "failing", "native", "native"}, "compat-rules"},
    row{"image.load.sm_121", {"failing", "failing", "failing", "failing", "failing", "failing", "native"}, "compat-rules"},
    row{"image.load.sm_121a", {"failing", "failing", "failing", "failing", "failing", "failing", "native"}, "compat-rules"},
    row{"image.load.sm_100a", {"failing", "failing", "failing", "failing", "native", "failing", "failing"}, "compat-rules"},
    row{"image.load.sm_90", {"failing", "failing", "failing", "native", "failing", "failing", "failing"}, "compat-rules"},
    row{"image.load.compute_120", {"failing", "failing", "failing", "failing", "failing", "native", "native"}, "compat-rules"},
    row{"image.load.compute_121a", {"failing", "failing", "failing", "failing", "failing", "failing", "native"}, "compat-rules"},
    row{"image.load.compute_80", {"native", "native", "native", "native", "native", "native", "native"}, "compat-rules"},

    // sm_90 features (skipped below 9.0). Clusters/DSMEM on GB10: public claims conflict.
    row{"tma.bulk", {"skipped", "skipped", "skipped", "native", "native", "native", "native"}, "ptx-tma"},
    row{"tma.tensor", {"skipped", "skipped", "skipped", "native", "native", "native", "native"}, "ptx-tma"},
    row{"cluster.launch", {"skipped", "skipped", "skipped", "native", "native", "native", "unknown"}, "clusters"},
    row{"cluster.dsmem", {"skipped", "skipped", "skipped", "native", "native", "native", "unknown"}, "clusters"},
    row{"smem.max", {"native", "native", "native", "native", "native", "native", "native"}, "smem-optin"},
    row{"cp.async", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-cp-async"},
    row{"redux.sync", {"native", "native", "native", "native", "native", "native", "native"}, "ptx-redux"},
    row{"stmatrix", {"skipped", "skipped", "skipped", "native", "native", "native", "native"}, "ptx-stmatrix"},
    row{"elect.sync", {"skipped", "skipped", "skipped", "native", "native", "native", "native"}, "ptx-elect"},

    // Unified memory. Pageable access depends on the system (HMM / ATS), not the architecture.
    row{"um.managed", {"native", "native", "native", "native", "native", "native", "native"}, "cuda-guide-um"},
    row{"um.pageable", {"", "", "", "", "", "", "native"}, "um-gb10"},
    row{"um.registered", {"native", "native", "native", "native", "native", "native", "failing"}, "um-gb10"},
};

}  // namespace

const std::vector<gpu_arch>& expectation_archs() {
  static const std::vector<gpu_arch> archs = [] {
    std::vector<gpu_arch> v;
    for (int sm : archs_sm) v.push_back(*arch_from_sm(sm));
    return v;
  }();
  return archs;
}

expected_verdict expected_for(std::string_view probe_id, const gpu_arch& arch) {
  expected_verdict out;
  std::size_t col = archs_sm.size();
  for (std::size_t i = 0; i < archs_sm.size(); ++i)
    if (archs_sm[i] == arch.sm()) col = i;
  if (col == archs_sm.size()) return out;
  for (const row& r : table) {
    if (r.probe != probe_id) continue;
    const std::string_view cell = r.cells[col];
    if (cell.empty()) return out;
    out.source = std::string(r.source);
    if (cell == "unknown") {
      out.kind = report::expectation_kind::unknown;
    } else if (const auto v = report::parse_verdict(cell)) {
      out.kind = report::expectation_kind::verdict;
      out.verdict = *v;
    }
    return out;
  }
  return out;
}

std::vector<std::string> probes_with_expectations() {
  std::vector<std::string> ids;
  for (const row& r : table) ids.emplace_back(r.probe);
  return ids;
}

const std::vector<expectation_source>& expectation_sources() {
  static const std::vector<expectation_source> sources = {
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
  return sources;
}

std::vector<std::string> expectation_source_keys_in_use() {
  std::vector<std::string> keys;
  for (const row& r : table)
    if (std::find(keys.begin(), keys.end(), r.source) == keys.end()) keys.emplace_back(r.source);
  return keys;
}

}  // namespace sm121probe::probe
