#pragma once
/// Where device work runs. The runner compiles on the host, then hands each
/// compiled image to an executor: in this process (--no-isolate, and inside a
/// worker), or in a worker process per attempt (the default), so a sticky
/// CUDA error, a driver crash or a hang costs only that attempt.

#include "sm121probe/cuda/device_query.hpp"
#include "sm121probe/cuda/driver_api.hpp"
#include "sm121probe/probe/catalogue.hpp"
#include "sm121probe/probe/probe.hpp"
#include "sm121probe/probe/session.hpp"
#include "sm121probe/report/model.hpp"

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace sm121probe::probe {

/// The device part of one attempt: which probe/variant, on which device, with which image.
struct device_attempt {
  const probe* spec = nullptr;
  const variant* var = nullptr;
  int ordinal = 0;
  std::span<const std::byte> image;  ///< cubin, or NUL-terminated PTX
};

class device_executor {
 public:
  virtual ~device_executor() = default;
  /// Initialises the driver and describes device `ordinal` (never throws).
  [[nodiscard]] virtual cuda::driver_query query(int ordinal) = 0;
  /// Runs the load/launch/verify stages of one attempt, appending them to `out`.
  virtual void execute(const device_attempt& attempt, report::attempt_result& out) = 0;
};

/// Runs one attempt in this process through `api`: builds the test case,
/// runs the probe's program (or the standard one) in a session. Used by the
/// in-process executor and by the worker.
void run_attempt(cuda::driver_api& api, CUdevice device, const report::device_info* info, const device_attempt& a,
                 report::attempt_result& out, stage_observer* observer = nullptr);

/// Executes attempts in this process. After a sticky error the context is
/// unusable, so later attempts are recorded as not run.
class in_process_executor final : public device_executor {
 public:
  /// `api` may be null (no driver library); `load_error` then explains why.
  explicit in_process_executor(cuda::driver_api* api, std::string load_error = {});
  cuda::driver_query query(int ordinal) override;
  void execute(const device_attempt& attempt, report::attempt_result& out) override;

 private:
  cuda::driver_api* drv;
  std::string load_err;
  CUdevice dev = 0;
  std::optional<report::device_info> info;
  bool poisoned = false;
  std::string poison_cause;
};

/// Executes every attempt in a fresh worker process: `argv` plus
/// ["query"|"attempt"] (normally {self, "__worker"}). The request goes to the
/// worker's stdin; stages come back as JSON lines on its stdout. A worker
/// that exits abnormally or outlives `timeout` (then killed) is recorded on
/// the stage it was running, with the signal or "timeout".
class isolated_executor final : public device_executor {
 public:
  isolated_executor(std::vector<std::string> argv, std::chrono::milliseconds timeout);
  cuda::driver_query query(int ordinal) override;
  void execute(const device_attempt& attempt, report::attempt_result& out) override;

 private:
  std::vector<std::string> worker_argv;
  std::chrono::milliseconds limit;
};

/// Entry point of the `__worker` subcommand: reads one request from `in`,
/// writes JSON lines to `out`. mode is "query" or "attempt" (of a probe of
/// `cat`, named by id in the request). Returns the exit code.
int worker_main(const catalogue& cat, const std::string& mode, std::istream& in, std::ostream& out);

}  // namespace sm121probe::probe
