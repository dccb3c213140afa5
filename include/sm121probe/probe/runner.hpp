#pragma once
/// The battery: choose the mode (device or offline), compile every variant in
/// parallel on the host, run the device stages through an executor (device
/// mode) or predict loading from the compatibility rules (offline), classify
/// each probe and assemble the report.

#include "sm121probe/arch.hpp"
#include "sm121probe/nvrtc/toolchain.hpp"
#include "sm121probe/probe/catalogue.hpp"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/probe/probe.hpp"
#include "sm121probe/report/model.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sm121probe::probe {

/// A request the user got wrong (unknown target, filters matching nothing).
struct selection_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Progress and one-line notices for the user (stderr); never the report itself.
class run_observer {
 public:
  virtual ~run_observer() = default;
  virtual void notice(const std::string& line) = 0;
  /// Called before probe `index` (0-based) of `total` runs its device stages (or is classified offline).
  virtual void progress(std::size_t index, std::size_t total, const std::string& probe_id) = 0;
};

struct run_options {
  std::optional<arch_name> target;  ///< set: offline for this target (no device work)
  int device = 0;
  std::vector<std::string> only;    ///< glob patterns on probe ids
  std::vector<std::string> skip;
  unsigned jobs = 0;                ///< parallel compile jobs; 0 = hardware concurrency
  /// Offline only: predict, for PTX variants, whether a driver of this CUDA
  /// release accepts the PTX ISA version (unset: assume a driver as new as NVRTC).
  std::optional<cuda_version> driver_cuda;
  std::vector<std::string> command_line;
};

/// Default offline target when there is no usable GPU.
inline constexpr const char* default_offline_target = "sm_121";

/// The result of compiling one variant (the host part of an attempt).
struct compiled_variant {
  report::attempt_result attempt;  ///< variant, target and the compile / jit_link / predicted stages
  std::vector<std::byte> image;    ///< what the device would load (cubin or PTX); empty if compile failed
  bool device_ready = false;       ///< compile stages ok and something to load
};

/// Compiles one variant of `p` (a probe of `cat`, whose kernels, headers and
/// SASS classes it uses) for a device of architecture `arch`.
/// Device mode (`offline` false): native variants become SASS for `arch`
/// (plain, else `f`, else `a`: the least specific target that compiles);
/// fixed targets compile as named. Offline additionally JIT-links PTX to
/// `arch` with nvJitLink and predicts whether a SASS image for another
/// architecture loads (compatibility rules), so every verdict rests on SASS;
/// with `driver`, it also predicts whether that driver accepts the PTX ISA.
[[nodiscard]] compiled_variant compile_variant(const nvrtc::toolchain& tools, const catalogue& cat, const probe& p,
                                               const variant& v,
                                               const gpu_arch& arch, bool offline,
                                               std::optional<cuda_version> driver = std::nullopt);

/// The target nvJitLink compiles PTX for when it stands in for the driver's
/// JIT on a device of `arch`: the arch-specific form where one exists (the
/// driver compiles for the full device), else the plain one.
[[nodiscard]] std::string jit_target_for(const gpu_arch& arch);

/// Verdict of a probe from its attempts (primary variants before fallbacks).
struct classification {
  report::verdict result = report::verdict::failing;
  std::string reason;
};
[[nodiscard]] classification classify(const std::vector<report::attempt_result>& attempts);

/// Runs the battery over the probes of `cat`. `executor` may be null (offline
/// only). Throws selection_error for an unknown target or filters that match nothing.
[[nodiscard]] report::run_report run_battery(const run_options& options, const catalogue& cat,
                                             const nvrtc::toolchain& tools, device_executor* executor,
                                             run_observer* observer);

/// Fills tool and host information (name, version, hostname, uname).
void fill_host_and_tool(report::run_report& r);

}  // namespace sm121probe::probe
