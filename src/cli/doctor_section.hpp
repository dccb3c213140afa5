#pragma once
// Private to src/cli: the doctor audit as `doctor`, `run --doctor` and
// `scan --doctor` use it.

#include "sm121probe/arch.hpp"
#include "sm121probe/cli/app.hpp"
#include "sm121probe/doctor/model.hpp"
#include "sm121probe/nvrtc/toolchain.hpp"
#include "sm121probe/report/redact.hpp"

#include <optional>
#include <string>

namespace sm121probe::cli {

/// What the doctor needs from the command line.
struct doctor_inputs {
  std::optional<gpu_arch> target;      ///< --target (device measurements are skipped when given)
  std::optional<cuda_version> driver;  ///< --driver-cuda
  bool python_given = false;           ///< --python was given
  std::string python_exe;              ///< its value ("" = python3)
  bool import_frameworks = false;
  bool no_device = false;
  int timeout_s = 20;
  int device = 0;
  nvrtc::toolchain_options toolkit;  ///< --cuda-home, --nvrtc, --nvjitlink: the device worker's JIT measurement
};

/// Runs the audit (and, with a GPU, the device worker). Throws usage_error /
/// environment_error for an interpreter given with --python that cannot answer.
[[nodiscard]] doctor::doctor_report build_doctor_report(const doctor_inputs& in, context& ctx);

/// `run --doctor` / `scan --doctor`: the doctor's markdown section (no device
/// measurements: the command did its own), redacted with `rd` when it is given.
[[nodiscard]] std::string doctor_markdown_section(doctor_inputs in, context& ctx, report::redactor* rd);

}  // namespace sm121probe::cli
