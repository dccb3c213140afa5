// smem.max: the largest dynamic shared memory per block that really launches
// after the opt-in attribute, against the reported property. Custom program:
// query, opt in, launch, search downwards if the reported value fails, verify
// the kernel's view of every word at the size that worked.
#include "probes.hpp"
#include "sm121probe/probe/program.hpp"
#include "sm121probe/probes/registration.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace sm121probe::probe {

namespace {

constexpr unsigned smem_threads = 256;
constexpr unsigned search_step = 128;          // bytes: resolution of the downward search
constexpr unsigned beyond_step = 1024;         // bytes tried past the reported limit
constexpr unsigned gb10_optin_bytes = 101376;  // what GB10 reports (used offline only)

// The kernel's fill pattern (kernels/smem_max.cu, smem_pattern).
std::uint32_t smem_pattern(std::uint32_t i) { return (i * 2654435761u) ^ 0x5bd1e995u; }

unsigned words_for(unsigned bytes) { return bytes / 4; }

test_case with_bytes(const test_case& tc, unsigned bytes) {
  test_case out = tc;
  out.launch.dynamic_smem_bytes = bytes;
  out.args.at(1) = kernel_arg::scalar(words_for(bytes));
  return out;
}

// One launch with `bytes` of dynamic shared memory: opt in, launch, wait.
struct try_result {
  CUresult result = CUDA_SUCCESS;
  std::string call;  ///< the call that failed
  [[nodiscard]] bool ok() const { return result == CUDA_SUCCESS; }
  [[nodiscard]] std::string describe(session& s) const { return fmt::format("{} from {}", s.name(result), call); }
};

try_result try_launch(session& s, const test_case& tc, std::vector<placed_buffer>& placed, unsigned bytes) {
  CUresult r = s.api().func_set_attribute(s.function(), CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                                          static_cast<int>(bytes));
  if (r != CUDA_SUCCESS) return {r, "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)"};
  const test_case sized = with_bytes(tc, bytes);
  if ((r = reset_device_buffers(s, sized, placed)) != CUDA_SUCCESS) return {r, "cuMemcpyHtoD"};
  param_block params(sized, placed);
  if ((r = s.launch(sized.launch, params.data())) != CUDA_SUCCESS) return {r, "cuLaunchKernel"};
  r = s.api().ctx_synchronize();
  s.observe(r);
  if (r != CUDA_SUCCESS) return {r, "cuCtxSynchronize"};
  return {};
}

void smem_max_program(session& s, const test_case& tc, const probe& p) {
  if (!s.load(tc.entry)) return;
  std::vector<placed_buffer> placed;
  unsigned limit = 0, measured = 0;
  const bool launched = s.stage(report::stage_kind::launch, [&]() -> stage_outcome {
    int reported = 0, static_bytes = 0;
    CUresult r = s.api().device_get_attribute(&reported, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
                                              s.device());
    if (r != CUDA_SUCCESS)
      return stage_outcome::failure(s.name(r), "cuDeviceGetAttribute(MAX_SHARED_MEMORY_PER_BLOCK_OPTIN) failed");
    if ((r = s.api().func_get_attribute(&static_bytes, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, s.function())) !=
        CUDA_SUCCESS)
      return stage_outcome::failure(s.name(r), "cuFuncGetAttribute(SHARED_SIZE_BYTES) failed");
    if (reported <= static_bytes)
      return stage_outcome::failure("bad_attribute", fmt::format("the device reports {} B of shared memory per "
                                                                 "block (opt-in), not more than the kernel's {} B "
                                                                 "of static shared memory",
                                                                 reported, static_bytes));
    limit = static_cast<unsigned>(reported - static_bytes);
    if (auto placed_ok = place_all(s, tc, placed); !placed_ok.ok) return placed_ok;

    note(s, fmt::format("reported opt-in maximum {} B per block (shared_memory_per_block_optin_bytes), "
                                   "{} B of it static in this kernel: {} B of dynamic shared memory expected",
                                   reported, static_bytes, limit));
    const try_result at_limit = try_launch(s, tc, placed, limit);
    if (at_limit.ok()) {
      measured = limit;
      const try_result beyond = try_launch(s, tc, placed, limit + beyond_step);
      if (beyond.ok()) {
        measured = limit + beyond_step;
        note(s, fmt::format("{} B (1 KiB more than reported) also launched", measured));
      } else {
        note(s, fmt::format("{} B (1 KiB more) refused: {}", limit + beyond_step, beyond.describe(s)));
      }
    } else {
      const std::string refused = fmt::format("{} B refused: {}", limit, at_limit.describe(s));
      note(s, refused);
      if (s.context_poisoned()) return stage_outcome::failure(s.name(at_limit.result), refused);
      // Largest multiple of the search step below the limit that launches.
      unsigned lo = 0, hi = limit;
      if (const try_result none = try_launch(s, tc, placed, 0); !none.ok())
        return stage_outcome::failure(s.name(none.result),
                                      fmt::format("the kernel does not launch even without dynamic shared memory: {}",
                                                  none.describe(s)));
      while (hi - lo > search_step) {
        const unsigned mid = (lo + (hi - lo) / 2) / search_step * search_step;
        if (mid <= lo) break;
        const try_result t = try_launch(s, tc, placed, mid);
        if (s.context_poisoned()) return stage_outcome::failure(s.name(t.result), t.describe(s));
        (t.ok() ? lo : hi) = mid;
      }
      measured = lo;
    }
    note(s, fmt::format("largest dynamic shared memory that launched: {} B", measured));
    // Leave the output of a launch at exactly the measured size for verification.
    if (const try_result last = try_launch(s, tc, placed, measured); !last.ok())
      return stage_outcome::failure(s.name(last.result),
                                    fmt::format("relaunching with {} B failed: {}", measured, last.describe(s)));
    return stage_outcome::success(fmt::format("{} B launched (reported limit {} B)", measured, limit));
  });
  if (!launched) return;
  s.stage(report::stage_kind::verify, [&]() -> stage_outcome {
    const test_case sized = with_bytes(tc, measured);
    stage_outcome o = verify_outputs(s, sized, placed, p.reference(sized));
    if (!o.ok) return o;
    if (measured < limit)
      return stage_outcome::failure(
          "below_reported", fmt::format("the device reports {} B of dynamic shared memory per block after opt-in, "
                                        "but only {} B launch",
                                        limit, measured));
    return o;
  });
}

}  // namespace

static probe make_smem_max() {
  probe p;
  p.id = "smem.max";
  p.category = "memory";
  p.description = "Largest dynamic shared memory per block that launches after opt-in, against the reported maximum";
  p.details =
      "Reads the device's per-block opt-in maximum (shared_memory_per_block_optin_bytes), opts the kernel in "
      "with CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES and launches it with that much dynamic shared memory; "
      "the kernel writes and cross-checks every word. It also tries 1 KiB more, and if the reported value does "
      "not launch it searches downwards (128-byte steps) for the largest that does; the figures are in the notes. "
      "Tile sizes of attention and GEMM kernels are chosen from this number: GB10 reports 101376 B (99 KiB) per "
      "block, like the RTX 50 series and far below the 227 KiB of Hopper and datacenter Blackwell, which is why "
      "kernels tuned for those fail to launch on DGX Spark. Offline the probe only compiles.";
  p.kernel = "kernels/smem_max.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"native", "native", "native", "native", "native", "native", "native"}, "smem-optin"};
  p.variants = native_only();
  p.program = smem_max_program;
  p.runtime_only = true;  // what the driver grants is a run-time question
  // The user question "does a 99 KiB launch work, and one just above it?" is this probe's:
  // on GB10 the reported opt-in maximum is 101,376 B and the kernel has no static shared memory.
  p.runtime_question =
      "whether the reported opt-in maximum of dynamic shared memory (GB10: 101,376 B = 99 KiB) launches and "
      "verifies, and whether 1 KiB more (102,400 B) is refused";
  p.make_case = [](const exec_facts& f) {
    unsigned bytes = gb10_optin_bytes;
    if (f.device)
      if (const auto v = f.device->attribute("shared_memory_per_block_optin_bytes"); v && *v > 0)
        bytes = static_cast<unsigned>(*v);
    test_case tc;
    tc.launch.block = {smem_threads, 1, 1};
    tc.launch.dynamic_smem_bytes = bytes;
    tc.buffers = {{"out", poisoned(3 * sizeof(std::uint32_t))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::scalar(words_for(bytes))};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const unsigned words = words_for(tc.launch.dynamic_smem_bytes);
    // No thread saw a wrong word; the last word holds its pattern; the kernel saw the word count.
    return std::vector<expectation>{
        {0, elem_type::u32, {0.0, words ? static_cast<double>(smem_pattern(words - 1)) : 0.0, double(words)}, {}}};
  };
  return p;
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(540, make_smem_max);

}  // namespace sm121probe::probe
