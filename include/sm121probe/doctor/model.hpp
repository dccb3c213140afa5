#pragma once
/// The `doctor` model: what the audit of a machine and a Python environment
/// found (compilers and JITs, frameworks, environment variables, the device),
/// and the findings drawn from it. Plain data; the audit fills it
/// (sm121probe/doctor/audit.hpp), renderers format it
/// (sm121probe/report/doctor_render.hpp). Finding ids, their meaning and
/// sources: docs/doctor.md; JSON form: docs/doctor.schema.json.

#include "sm121probe/arch.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sm121probe::doctor {

/// Version of the JSON form (docs/doctor.schema.json).
inline constexpr int schema_version = 1;

/// How bad a finding is: `error` = this will fail on the target, `warn` = slow
/// or fragile, `info` = a fact worth knowing.
enum class severity { error, warn, info };
[[nodiscard]] std::string_view to_string(severity s);
[[nodiscard]] std::optional<severity> parse_severity(std::string_view s);

/// One finding: a stable id (docs/doctor.md), what was observed and a fix.
struct finding {
  std::string id;                 ///< stable, e.g. "triton.ptxas-rejects-target"
  severity level = severity::info;
  std::string summary;            ///< one line: what is wrong (or the fact)
  std::string observed;           ///< paths, versions, exact tool output (may span lines)
  std::string why;                ///< why it matters
  std::string fix;                ///< one line a user can paste; "" when nothing needs doing
};

/// An entry of the finding catalog: every id the doctor can report.
struct finding_kind {
  std::string_view id;
  severity level;          ///< the usual severity (some findings vary with what was observed)
  std::string_view title;  ///< short description
  std::string_view source; ///< where the problem is reported / documented
};
/// Every finding id, in documentation order (docs/doctor.md lists them all).
[[nodiscard]] std::span<const finding_kind> finding_catalog();
/// The catalog entry of `id`, or nullptr.
[[nodiscard]] const finding_kind* find_kind(std::string_view id);

/// One compile of a tiny program for one target.
struct target_check {
  std::string target;    ///< sm_121, sm_121a, sm_121f
  bool accepted = false;
  std::string message;   ///< the tool's exact diagnostic when rejected (or its warnings); trimmed
};

/// What kind of compiler / JIT.
enum class tool_kind { ptxas, nvrtc, nvjitlink };
[[nodiscard]] std::string_view to_string(tool_kind k);

/// A compiler or JIT found on the machine or in the Python environment.
struct tool_record {
  tool_kind kind = tool_kind::ptxas;
  std::string path;
  std::string origin;     ///< "toolkit /usr/local/cuda-13.0", "PATH", "wheel nvidia-cuda-nvcc-cu12 12.8.93", "bundled with triton 3.3.1"
  std::string version;    ///< as the tool reports it ("13.0.88"); "" when unknown
  std::optional<cuda_version> release;  ///< the CUDA release the version belongs to
  std::string error;      ///< why it could not be run or judged; "" when it was
  std::vector<target_check> targets;
  std::string ptx_isa;    ///< NVRTC: the .version of the PTX it emits; ptxas: the newest ISA its release accepts
  bool used_by_triton = false;  ///< the ptxas Triton would invoke (TRITON_PTXAS_PATH or its bundled one)
};

/// A Python package the doctor reads (without importing it).
struct package_record {
  std::string name;       ///< distribution name (torch, triton, nvidia-cuda-nvrtc-cu12, ...)
  std::string version;    ///< from dist-info METADATA or version.py
  std::string location;   ///< the dist-info or package directory
  std::string cuda;       ///< torch: torch.version.cuda; "" otherwise
  std::string note;       ///< e.g. the verdict of its CUDA libraries for the target
  std::uint64_t jit_modules = 0;  ///< torch: modules of its CUDA libraries that load only through the PTX JIT
};

/// An environment variable that changes CUDA, PyTorch or Triton behaviour.
struct env_record {
  std::string name;
  bool set = false;
  std::string value;          ///< when set
  std::string default_value;  ///< documented default (what unset means)
  std::string effect;         ///< one line: what it does
};

/// Device facts measured in device mode (a GPU and a driver present).
struct memory_view {
  std::optional<std::uint64_t> cuda_free, cuda_total;         ///< cuMemGetInfo
  std::optional<std::uint64_t> meminfo_available, meminfo_total;  ///< /proc/meminfo MemAvailable / MemTotal
  std::string nvml_status;                                    ///< "ok", "NOT_SUPPORTED", "library not found", ...
  std::optional<std::uint64_t> nvml_free, nvml_total;
  std::optional<std::uint64_t> largest_allocation;            ///< largest single cuMemAlloc that succeeded
  std::uint64_t allocation_limit = 0;                         ///< search bound used
};

struct jit_timing {
  std::optional<double> cubin_ms;      ///< loading the kernel as a cubin
  std::optional<double> ptx_cold_ms;   ///< loading a never-seen PTX (JIT compile)
  std::optional<double> ptx_warm_ms;   ///< loading the same PTX again (JIT cache)
  std::string error;                   ///< why it could not be measured
};

struct device_record {
  std::string name;
  std::string cc;            ///< 12.1
  std::string driver_cuda;   ///< 13.0
  memory_view memory;
  jit_timing jit;
  std::string error;         ///< why device mode stopped early; "" when it ran
};

/// Everything the doctor found.
struct doctor_report {
  std::string tool_version;
  std::vector<std::string> command_line;
  std::string target = "sm_121";
  std::string target_source;
  std::string driver_cuda;      ///< "" when unknown
  std::string driver_source;
  std::string python;           ///< interpreter audited; "" when none
  std::string python_version;
  std::vector<std::string> site_packages;
  std::vector<tool_record> tools;
  std::vector<package_record> packages;
  std::vector<env_record> environment;
  std::optional<device_record> device;
  std::vector<finding> findings;  ///< sorted: errors, warnings, info; then by id
};

/// Sorts findings: error, warn, info, then by id (stable within an id).
void sort_findings(std::vector<finding>& findings);

/// Counts by severity.
struct finding_counts {
  std::size_t error = 0, warn = 0, info = 0;
};
[[nodiscard]] finding_counts count(const doctor_report& r);

/// 0 when no finding is an error, 1 otherwise (README exit codes).
[[nodiscard]] int exit_code(const doctor_report& r);

}  // namespace sm121probe::doctor
