#include "sm121probe/probe/program.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace sm121probe::probe {

stage_outcome place_all(session& s, const test_case& tc, std::vector<placed_buffer>& placed) {
  placed.assign(tc.buffers.size(), placed_buffer{});
  for (std::size_t i = 0; i < tc.buffers.size(); ++i) {
    std::string what;
    const CUresult r = s.place(tc.buffers[i], placed[i], what);
    if (r != CUDA_SUCCESS)
      return stage_outcome::failure(s.name(r), fmt::format("{} for buffer '{}' failed", what, tc.buffers[i].name));
  }
  return stage_outcome::success();
}

param_block::param_block(const test_case& tc, const std::vector<placed_buffer>& placed,
                         const std::vector<std::optional<std::vector<std::byte>>>& override_args) {
  storage.reserve(tc.args.size());
  for (std::size_t i = 0; i < tc.args.size(); ++i) {
    const kernel_arg& a = tc.args[i];
    if (i < override_args.size() && override_args[i]) {
      storage.push_back(*override_args[i]);
    } else if (a.buffer_index) {
      storage.emplace_back(sizeof(CUdeviceptr));
      std::memcpy(storage.back().data(), &placed.at(*a.buffer_index).device_address, sizeof(CUdeviceptr));
    } else {
      storage.push_back(a.value);
    }
  }
  // Pointers only once storage no longer grows.
  for (auto& bytes : storage) pointers.push_back(bytes.data());
}

stage_outcome launch_and_wait(session& s, const launch_config& cfg, void** params) {
  CUresult r = s.launch(cfg, params);
  if (r != CUDA_SUCCESS) return stage_outcome::failure(s.name(r), "kernel launch failed");
  r = s.api().ctx_synchronize();
  s.observe(r);
  if (r != CUDA_SUCCESS) return stage_outcome::failure(s.name(r), "kernel failed while running (cuCtxSynchronize)");
  return stage_outcome::success();
}

stage_outcome verify_outputs(session& s, const test_case& tc, const std::vector<placed_buffer>& placed,
                             const std::vector<expectation>& expected) {
  std::uint64_t mismatches = 0;
  double max_abs = 0.0, max_rel = 0.0;
  std::string first;
  for (const auto& e : expected) {
    std::vector<std::byte> got;
    const CUresult r = s.read_back(placed.at(e.buffer_index), got);
    if (r != CUDA_SUCCESS) return stage_outcome::failure(s.name(r), "copying the results back failed");
    const verify_outcome o = compare(got, e);
    mismatches += o.mismatches;
    max_abs = std::max(max_abs, o.max_abs_err);
    max_rel = std::max(max_rel, o.max_rel_err);
    if (first.empty() && !o.first_mismatch.empty())
      first = fmt::format("buffer '{}' {}", tc.buffers.at(e.buffer_index).name, o.first_mismatch);
  }
  const report::attempt_result& so_far = s.result();
  s.record_errors(std::max(max_abs, so_far.max_abs_err.value_or(0.0)),
                  std::max(max_rel, so_far.max_rel_err.value_or(0.0)), mismatches + so_far.mismatches.value_or(0));
  if (mismatches > 0)
    return stage_outcome::failure("mismatch",
                                  fmt::format("{} element(s) outside tolerance; first: {}", mismatches, first));
  return stage_outcome::success();
}

CUresult reset_device_buffers(session& s, const test_case& tc, const std::vector<placed_buffer>& placed) {
  for (std::size_t i = 0; i < tc.buffers.size() && i < placed.size(); ++i) {
    const placed_buffer& p = placed[i];
    if (p.memory != memory_kind::device || p.bytes == 0) continue;
    const CUresult r = s.api().memcpy_htod(p.device_address, tc.buffers[i].init.data(), p.bytes);
    s.observe(r);
    if (r != CUDA_SUCCESS) return r;
  }
  return CUDA_SUCCESS;
}

void note(session& s, std::string line) { s.result().notes.push_back(std::move(line)); }

void run_standard_program(session& s, const test_case& tc, const probe& p) {
  if (!s.load(tc.entry)) return;
  std::vector<placed_buffer> placed;
  const bool launched = s.stage(report::stage_kind::launch, [&]() -> stage_outcome {
    if (stage_outcome o = place_all(s, tc, placed); !o.ok) return o;
    param_block params(tc, placed);
    return launch_and_wait(s, tc.launch, params.data());
  });
  if (!launched) return;
  s.stage(report::stage_kind::verify, [&]() { return verify_outputs(s, tc, placed, p.reference(tc)); });
}

}  // namespace sm121probe::probe
