#pragma once
// Private to src/doctor: the pieces of the audit (audit.cpp runs them in order).

#include "sm121probe/binscan/python_dist.hpp"
#include "sm121probe/doctor/audit.hpp"
#include "sm121probe/doctor/model.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace sm121probe::doctor::detail {

/// Output kept from each child (stdout and stderr each).
inline constexpr std::size_t child_output_cap = 64 * 1024;

/// Adds a finding (severity given explicitly; the id must be in the catalog).
void add(doctor_report& r, std::string_view id, severity level, std::string summary, std::string observed,
         std::string why, std::string fix);

/// The targets checked for a device: sm_121, then sm_121a / sm_121f where CUDA defines them.
[[nodiscard]] std::vector<std::string> device_targets(const gpu_arch& device);
/// The target Triton compiles for on this device: sm_XYa from 9.0 on, else sm_XY.
[[nodiscard]] std::string triton_target(const gpu_arch& device);

/// A Python environment as the interpreter reports it.
struct python_info {
  std::string executable;
  std::string version;
  std::vector<std::string> site_packages;
};
[[nodiscard]] python_info query_python(const audit_options& o);

/// Distributions and their files: shared with `scan` (binscan/python_dist.hpp).
using binscan::distribution;
using binscan::normalize_name;
using binscan::py_assignment;
using binscan::read_distributions;
/// The distribution whose RECORD lists `path` (absolute, inside one of the sites), or nullptr.
[[nodiscard]] const distribution* owner_of(const std::string& path, const std::vector<distribution>& dists);

/// Compilers: toolkits' and wheels' ptxas, Triton's bundled ptxas, NVRTC and nvJitLink libraries.
void audit_compilers(const audit_options& o, const python_info& py, const std::vector<distribution>& dists,
                     doctor_report& r);

/// Frameworks read from files: torch (version.py, its CUDA libraries scanned), triton.
/// GPU libraries of the environment needing a CUDA library the loader would not find.
void audit_cuda_runtimes(const audit_options& o, const python_info& py, doctor_report& r);
void audit_frameworks(const audit_options& o, const python_info& py, const std::vector<distribution>& dists,
                      doctor_report& r);

/// Environment variables: records with documented defaults, and findings.
void audit_environment(const audit_options& o, doctor_report& r);

/// The value of `name` in the snapshot, or nullptr.
[[nodiscard]] const std::string* env_get(const env_map& env, const std::string& name);

/// Whether `path` is a regular file this process may execute.
[[nodiscard]] bool is_executable_file(const std::string& path);

}  // namespace sm121probe::doctor::detail
