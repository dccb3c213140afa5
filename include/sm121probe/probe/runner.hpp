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
#include <string_view>
#include <vector>

namespace sm121probe::probe {

/// A request the user got wrong (unknown target, filters matching nothing).
struct selection_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The toolchain cannot do what the run needs (an offline run without
/// nvJitLink): an environment error, exit 3.
struct toolchain_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct compiled_variant;

/// Progress and one-line notices for the user (stderr); never the report itself.
class run_observer {
 public:
  virtual ~run_observer() = default;
  virtual void notice(const std::string& line) = 0;
  /// Called before probe `index` (0-based) of `total` runs its device stages (or is classified offline).
  virtual void progress(std::size_t index, std::size_t total, const std::string& probe_id) = 0;
  /// Called, one probe at a time, with what was compiled for a probe (one entry
  /// per variant, in the probe's order) before it runs or is classified
  /// (`run --keep-images`). Default: nothing.
  virtual void compiled(const probe& /*p*/, const std::vector<compiled_variant>& /*variants*/) {}
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

/// The error of an offline jit_link stage that failed because nvJitLink is older
/// than NVRTC and cannot read its PTX (the toolkit's fault; the probe is then
/// `skipped`, "not decided").
inline constexpr std::string_view toolkit_mismatch_error = "toolkit_mismatch";

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
/// Dynamic shared memory every launch may use without an opt-in (48 KiB).
inline constexpr unsigned default_dynamic_smem_limit = 48u * 1024u;

/// Whether `p` asks a question only a run answers (docs/classification.md,
/// "Run-time questions"): it is marked `runtime_only`, or its test case
/// launches a thread-block cluster, asks for more dynamic shared memory than
/// default_dynamic_smem_limit, or hands the kernel memory other than device
/// memory. Offline, such a probe that compiles is `skipped` ("needs a GPU").
[[nodiscard]] bool asks_at_run_time(const probe& p, const gpu_arch& arch);

[[nodiscard]] classification classify(const std::vector<report::attempt_result>& attempts);

// --- the battery, step by step (run_battery calls these in this order) ----------

/// Where the battery runs: on the device the executor finds, or offline for a
/// target (--target, or no usable GPU: default_offline_target).
struct battery_target {
  gpu_arch arch;
  bool offline = true;
};

/// Chooses the target and records it in `r` (target, mode, driver, device).
/// Throws selection_error for a --target NVRTC cannot build for, or a --device
/// beyond the driver's device count.
[[nodiscard]] battery_target choose_target(const run_options& options, const nvrtc::toolchain& tools,
                                           device_executor* executor, run_observer* observer,
                                           report::run_report& r);

/// For each probe, why it does not apply here (nullopt: it applies).
[[nodiscard]] std::vector<std::optional<std::string>> skip_reasons(const std::vector<const probe*>& probes,
                                                                   const exec_facts& facts);

/// Calls fn(0) ... fn(count - 1), each once, on `threads` threads (0: one per
/// core), the calling thread among them; returns when all calls have returned.
void parallel_for(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& fn);

/// Compiles every variant of every probe that is not skipped, in parallel
/// (`jobs` threads): result[i][v] for variant v of probes[i]; empty for a
/// skipped probe. An exception from a compile becomes a failed compile stage.
[[nodiscard]] std::vector<std::vector<compiled_variant>> compile_all(
    const nvrtc::toolchain& tools, const catalogue& cat, const std::vector<const probe*>& probes,
    const std::vector<std::optional<std::string>>& skips, const battery_target& target,
    std::optional<cuda_version> driver, unsigned jobs);

/// The result of a probe that does not apply here.
[[nodiscard]] report::probe_result skipped_result(const probe& p, std::string reason, const gpu_arch& arch);

/// The result of a probe from its compiled variants: in device mode the
/// executor runs the device stages of each compiled image; then the attempts
/// are classified (a run-time-only probe reads `skipped` offline) and the
/// probe's expectation for the architecture is applied.
[[nodiscard]] report::probe_result probe_result_from(const probe& p, std::vector<compiled_variant> compiled,
                                                     const battery_target& target, const std::string& target_name,
                                                     device_executor* executor, int device);

/// Runs the battery over the probes of `cat`. `executor` may be null (offline
/// only). Throws selection_error for an unknown target or filters that match nothing.
[[nodiscard]] report::run_report run_battery(const run_options& options, const catalogue& cat,
                                             const nvrtc::toolchain& tools, device_executor* executor,
                                             run_observer* observer);

/// Fills tool and host information (name, version, hostname, uname).
void fill_host_and_tool(report::run_report& r);

}  // namespace sm121probe::probe
