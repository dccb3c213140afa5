#include "sm121probe/doctor/model.hpp"

#include <algorithm>
#include <array>

namespace sm121probe::doctor {

namespace {

// Every finding id. docs/doctor.md has one section per id (a test checks it).
constexpr std::array catalog = {
    finding_kind{"toolkit.not-found", severity::warn, "No CUDA toolkit (no ptxas) found",
                 "triton-lang/triton#8539"},
    finding_kind{"ptxas.rejects-target", severity::warn, "A ptxas on the machine rejects a target of the device",
                 "triton-lang/triton#8539; THUDM/slime PR#1835"},
    finding_kind{"ptxas.none-accepts-target", severity::error,
                 "No ptxas on the machine accepts the arch-specific target", "triton-lang/triton#9181"},
    finding_kind{"triton.ptxas-rejects-target", severity::error,
                 "The ptxas Triton will invoke rejects the target Triton compiles for",
                 "triton-lang/triton#8539, #9181; vllm-project/vllm#30163"},
    finding_kind{"triton.ptxas-path-invalid", severity::error, "TRITON_PTXAS_PATH does not name an executable file",
                 "triton-lang/triton#10331"},
    finding_kind{"triton.ptxas-wrapper", severity::warn, "TRITON_PTXAS_PATH names a script, not ptxas",
                 "triton-lang/triton#10331"},
    finding_kind{"triton.override-arch", severity::error, "TRITON_OVERRIDE_ARCH makes Triton compile for another GPU",
                 "triton-lang/triton#10331"},
    finding_kind{"nvrtc.rejects-target", severity::error, "An NVRTC library rejects a target of the device",
                 "NVRTC documentation (nvrtcGetSupportedArchs); docs/compatibility.md"},
    finding_kind{"nvrtc.ptx-newer-than-driver", severity::error,
                 "NVRTC emits a PTX ISA the installed driver does not accept",
                 "flashinfer-ai/flashinfer PR#3799; EricLBuehler/mistral.rs#2272"},
    finding_kind{"nvjitlink.rejects-target", severity::error, "An nvJitLink library rejects a target of the device",
                 "nvJitLink documentation; docs/compatibility.md"},
    finding_kind{"driver.not-found", severity::info, "No CUDA driver: device checks and driver comparisons skipped",
                 "docs/doctor.md"},
    finding_kind{"python.not-found", severity::info, "No Python interpreter: the Python environment was not audited",
                 "docs/doctor.md"},
    finding_kind{"python.import-failed", severity::error, "Importing a framework failed (--import)",
                 "docs/doctor.md"},
    finding_kind{"python.missing-cuda-runtime", severity::error,
                 "A GPU library needs a CUDA runtime library that is not installed", "sgl-project/sglang#18203"},
    finding_kind{"torch.no-kernel-image", severity::error, "PyTorch's CUDA libraries carry no code for the device",
                 "pytorch/pytorch#153928; docs/compatibility.md"},
    finding_kind{"torch.ptx-jit-only", severity::warn,
                 "PyTorch's CUDA libraries run on the device only through the PTX JIT", "docs/compatibility.md"},
    finding_kind{"torch.capability-warning-false-alarm", severity::info,
                 "PyTorch's compute-capability warning for the device is a false alarm",
                 "pytorch/pytorch#172629, PR#178891"},
    finding_kind{"torch.cuda-newer-than-driver", severity::error,
                 "PyTorch was built for a newer CUDA major release than the driver supports",
                 "CUDA Compatibility guide (minor version compatibility)"},
    finding_kind{"env.cuda-force-ptx-jit", severity::warn, "CUDA_FORCE_PTX_JIT=1 ignores every cubin",
                 "CUDA Programming Guide 5.2 (environment variables); her-os cold-start measurement"},
    finding_kind{"env.cuda-disable-ptx-jit", severity::warn, "CUDA_DISABLE_PTX_JIT=1 disables the PTX JIT",
                 "CUDA Programming Guide 5.2 (environment variables)"},
    finding_kind{"env.cuda-cache-disabled", severity::warn, "CUDA_CACHE_DISABLE=1: every PTX JIT starts cold",
                 "CUDA Programming Guide 5.2 (environment variables)"},
    finding_kind{"env.cuda-cache-unwritable", severity::warn, "The JIT cache directory cannot be written",
                 "CUDA Programming Guide 5.2 (environment variables)"},
    finding_kind{"env.cuda-cache-full", severity::warn, "The JIT cache is (nearly) as large as its maximum size",
                 "CUDA Programming Guide 5.2 (environment variables)"},
    finding_kind{"env.cuda-module-loading-eager", severity::info,
                 "CUDA_MODULE_LOADING=EAGER loads every kernel at start-up",
                 "CUDA Programming Guide 5.2 (environment variables)"},
    finding_kind{"env.cuda-visible-devices-hides-all", severity::error, "CUDA_VISIBLE_DEVICES hides every GPU",
                 "CUDA Programming Guide 5.2 (environment variables)"},
    finding_kind{"env.torch-cuda-arch-list-misses-target", severity::warn,
                 "TORCH_CUDA_ARCH_LIST builds extensions without code for the device",
                 "PyTorch torch.utils.cpp_extension documentation; pytorch/pytorch PR#173754"},
    finding_kind{"device.nvml-memory-not-supported", severity::info,
                 "NVML reports no memory figures on this device (unified memory)",
                 "vllm-project/vllm#48140; NVIDIA/k8s-device-plugin#1482"},
    finding_kind{"device.cuda-free-below-available", severity::warn,
                 "cuMemGetInfo's free memory is well below the system's MemAvailable", "vllm-project/vllm#48140"},
    finding_kind{"device.ptx-jit-cost", severity::info, "Measured cost of a PTX JIT against loading a cubin",
                 "her-os cold-start measurement; CUDA Programming Guide (JIT cache)"},
    finding_kind{"device.error", severity::warn, "Device mode could not finish", "docs/doctor.md"},
};

int rank(severity s) {
  switch (s) {
    case severity::error: return 0;
    case severity::warn: return 1;
    case severity::info: return 2;
  }
  return 3;
}

}  // namespace

std::string_view to_string(severity s) {
  switch (s) {
    case severity::error: return "error";
    case severity::warn: return "warn";
    case severity::info: return "info";
  }
  return "info";
}

std::optional<severity> parse_severity(std::string_view s) {
  for (const auto v : {severity::error, severity::warn, severity::info})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

std::string_view to_string(tool_kind k) {
  switch (k) {
    case tool_kind::ptxas: return "ptxas";
    case tool_kind::nvrtc: return "nvrtc";
    case tool_kind::nvjitlink: return "nvjitlink";
  }
  return "ptxas";
}

std::span<const finding_kind> finding_catalog() { return catalog; }

const finding_kind* find_kind(std::string_view id) {
  for (const auto& k : catalog)
    if (k.id == id) return &k;
  return nullptr;
}

void sort_findings(std::vector<finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const finding& a, const finding& b) {
    if (rank(a.level) != rank(b.level)) return rank(a.level) < rank(b.level);
    return a.id < b.id;
  });
}

finding_counts count(const doctor_report& r) {
  finding_counts c;
  for (const auto& f : r.findings) {
    switch (f.level) {
      case severity::error: ++c.error; break;
      case severity::warn: ++c.warn; break;
      case severity::info: ++c.info; break;
    }
  }
  return c;
}

int exit_code(const doctor_report& r) { return count(r).error > 0 ? 1 : 0; }

}  // namespace sm121probe::doctor
