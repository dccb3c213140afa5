#pragma once
/// One attempt of one probe variant on a device, in one process. The session
/// owns the context binding, the module and every allocation, records each
/// stage (timing, CUDA error name, logs) into the attempt result, and releases
/// everything on destruction.

#include "sm121probe/cuda/driver_api.hpp"
#include "sm121probe/probe/probe.hpp"
#include "sm121probe/report/model.hpp"

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace sm121probe::probe {

/// Told about stage boundaries as they happen (the worker streams them to the
/// parent so a crash or hang is attributed to the stage that was running).
class stage_observer {
 public:
  virtual ~stage_observer() = default;
  virtual void stage_begin(report::stage_kind stage) = 0;
  virtual void stage_end(const report::stage_result& result) = 0;
};

/// What a stage body returns.
struct stage_outcome {
  bool ok = false;
  std::string error;  ///< CUDA error name or short reason
  std::string log;

  static stage_outcome success(std::string log = {}) { return {true, {}, std::move(log)}; }
  static stage_outcome failure(std::string error, std::string log = {}) {
    return {false, std::move(error), std::move(log)};
  }
};

/// A buffer as placed for the kernel.
struct placed_buffer {
  CUdeviceptr device_address = 0;  ///< what the kernel receives
  void* host_address = nullptr;    ///< host view (managed / pageable / registered), else null
  std::size_t bytes = 0;
  memory_kind memory = memory_kind::device;
};

class session {
 public:
  /// `image` is a cubin or NUL-terminated PTX; the driver tells them apart.
  session(cuda::driver_api& api, CUdevice device, std::span<const std::byte> image, report::attempt_result& out,
          stage_observer* observer = nullptr);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Runs `body` as stage `kind`: times it, records the outcome, notifies the
  /// observer. Returns whether it succeeded. Exceptions from the body are
  /// recorded as failures (error "exception").
  bool stage(report::stage_kind kind, const std::function<stage_outcome()>& body);

  /// Stage "load": binds the primary context, loads the image with the JIT
  /// info/error logs captured, and looks up `entry`.
  bool load(const std::string& entry);
  [[nodiscard]] CUfunction function() const { return fn; }

  /// Places a buffer (allocation + initial contents). For use inside a stage.
  /// Returns CUDA_SUCCESS or the failing call's code; `what` names the call.
  CUresult place(const buffer& b, placed_buffer& out, std::string& what);
  /// Copies a placed buffer back to the host.
  CUresult read_back(const placed_buffer& b, std::vector<std::byte>& out);
  /// Launches `fn` with cuLaunchKernel or, for clusters, cuLaunchKernelEx.
  CUresult launch(const launch_config& cfg, void** params);

  /// Records verification metrics into the attempt.
  void record_errors(double max_abs, double max_rel, std::uint64_t mismatches);

  [[nodiscard]] cuda::driver_api& api() { return drv; }
  [[nodiscard]] CUdevice device() const { return dev; }
  [[nodiscard]] report::attempt_result& result() { return out; }
  /// A CUDA error name for a code.
  [[nodiscard]] std::string name(CUresult r) { return cuda::error_name(&drv, r); }
  /// Whether a sticky error (context unusable) happened in this session.
  [[nodiscard]] bool context_poisoned() const { return poisoned; }
  /// Notes that `r` was returned by a call; sticky errors poison the context.
  void observe(CUresult r);

 private:
  cuda::driver_api& drv;
  CUdevice dev;
  std::span<const std::byte> image;
  report::attempt_result& out;
  stage_observer* observer;
  CUcontext ctx = nullptr;
  bool ctx_retained = false;
  CUmodule module = nullptr;
  CUfunction fn = nullptr;
  std::vector<placed_buffer> owned;
  std::vector<void*> host_blocks;
  std::vector<void*> registered;
  bool poisoned = false;
};

}  // namespace sm121probe::probe
