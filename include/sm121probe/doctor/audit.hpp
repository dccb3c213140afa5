#pragma once
/// The doctor's audit: finds every compiler and JIT on the machine and in a
/// Python environment, runs them on tiny inputs for the target's variants,
/// reads frameworks' files (never imports them unless asked), checks the
/// environment variables that change CUDA/PyTorch/Triton behaviour, and draws
/// findings (docs/doctor.md). Child processes run with a time limit and an
/// output cap. Device measurements: sm121probe/doctor/device.hpp.

#include "sm121probe/arch.hpp"
#include "sm121probe/doctor/model.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sm121probe::doctor {

/// Environment variables, name -> value (a snapshot, so tests can inject one).
using env_map = std::map<std::string, std::string>;

/// The process environment.
[[nodiscard]] env_map current_environment();

/// The Python interpreter named with --python could not be started (usage error).
struct python_not_found : std::runtime_error {
  using std::runtime_error::runtime_error;
};
/// The Python interpreter started but failed or did not answer in time (environment error).
struct python_failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct audit_options {
  gpu_arch target{12, 1};
  std::string target_source = "assumed: sm_121";
  std::optional<cuda_version> driver;   ///< CUDA release of the driver; unknown when unset
  std::string driver_source;
  std::string python;                   ///< interpreter; "" = do not audit a Python environment
  bool python_given = false;            ///< named with --python: failing to run it is an error
  bool import_frameworks = false;       ///< --import: import torch/triton in a child with a timeout
  env_map env;                          ///< the environment to judge (PATH, CUDA_HOME, ...)
  /// Directories whose cuda* entries are toolkits (default /usr/local).
  std::vector<std::string> toolkit_parents = {"/usr/local"};
  /// This executable, re-executed (`__doctor nvrtc|nvjitlink LIB`) to judge NVRTC and
  /// nvJitLink libraries in a child; "" skips those checks.
  std::string self_exe;
  std::chrono::milliseconds tool_timeout{20000};   ///< per ptxas / JIT-library child
  std::chrono::milliseconds python_timeout{20000}; ///< the site-packages query
  std::chrono::milliseconds import_timeout{60000}; ///< --import
};

/// Runs the audit. Findings come sorted (sort_findings). Throws python_not_found /
/// python_failed for an interpreter given with --python that cannot answer.
[[nodiscard]] doctor_report audit(const audit_options& opts);

/// The hidden child `sm121-probe __doctor nvrtc|nvjitlink LIB TARGET...`: loads
/// that library, compiles a tiny program for each target and prints one JSON
/// object (version, per-target result with the exact log, PTX ISA emitted).
/// Returns the exit code (0 when the library loaded).
[[nodiscard]] int jit_library_child(const std::string& kind, const std::string& library,
                                    const std::vector<std::string>& targets, std::string& out);

}  // namespace sm121probe::doctor
