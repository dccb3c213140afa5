#pragma once
/// Building blocks of host programs. run_standard_program is made of them;
/// custom programs (tma.tensor, cluster.launch, smem.max, um.*) use them in
/// pieces so they can add driver calls in between (tensor maps, function
/// attributes, occupancy queries) and still record the usual load / launch /
/// verify stages.

#include "sm121probe/probe/probe.hpp"
#include "sm121probe/probe/session.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace sm121probe::probe {

/// Places every buffer of `tc` (in order) into `placed`. On failure returns a
/// failed outcome naming the CUDA error, the call and the buffer.
[[nodiscard]] stage_outcome place_all(session& s, const test_case& tc, std::vector<placed_buffer>& placed);

/// The kernel parameter block of `tc`: buffer arguments become the placed
/// device addresses, scalars their bytes. `override_args` replaces argument i
/// by the given bytes when set (e.g. a tensor map built at run time).
class param_block {
 public:
  param_block(const test_case& tc, const std::vector<placed_buffer>& placed,
              const std::vector<std::optional<std::vector<std::byte>>>& override_args = {});
  param_block(const param_block&) = delete;
  param_block& operator=(const param_block&) = delete;
  /// Pointers to each argument's bytes, as cuLaunchKernel wants them.
  [[nodiscard]] void** data() { return pointers.data(); }

 private:
  std::vector<std::vector<std::byte>> storage;
  std::vector<void*> pointers;
};

/// Launches the loaded function and waits for it (cuCtxSynchronize). Returns
/// the failed call's error name and a one-line explanation, or success.
[[nodiscard]] stage_outcome launch_and_wait(session& s, const launch_config& cfg, void** params);

/// Reads back every buffer named by `expected`, compares, and adds the
/// metrics to the attempt (mismatches summed, error maxima kept across calls).
/// Fails with "mismatch" and the first differing element.
[[nodiscard]] stage_outcome verify_outputs(session& s, const test_case& tc, const std::vector<placed_buffer>& placed,
                                           const std::vector<expectation>& expected);

/// Restores every device buffer of `tc` to its initial contents (before a relaunch).
[[nodiscard]] CUresult reset_device_buffers(session& s, const test_case& tc, const std::vector<placed_buffer>& placed);

/// Adds one line to the attempt's notes (shown in the report; travels back from worker processes).
void note(session& s, std::string line);

}  // namespace sm121probe::probe
