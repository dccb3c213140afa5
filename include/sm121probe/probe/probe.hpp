#pragma once
/// What a probe is. A probe = one kernel file in kernels/ + its declaration in
/// a family file of src/probes, which registers it with one line
/// (SM121PROBE_FAMILY, sm121probe/probes/registration.hpp) and holds its
/// expected verdicts. It has a stable id, a category, a one-line
/// description and an ordered list of variants (compile targets). Its test
/// case (deterministic inputs + launch configuration) and its CPU reference are
/// shared by the variants; the default host program loads the image, launches
/// it and verifies every expected output. Probes never print.

#include "sm121probe/arch.hpp"
#include "sm121probe/report/model.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace sm121probe::probe {

class session;
struct probe;

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
};

struct launch_config {
  dim3 grid{1, 1, 1};
  dim3 block{32, 1, 1};
  unsigned dynamic_smem_bytes = 0;
  dim3 cluster{0, 0, 0};  ///< all zero: ordinary launch; else a cluster launch with these dims
};

/// Where a buffer lives.
enum class memory_kind {
  device,      ///< cuMemAlloc; filled and read back with cuMemcpy
  managed,     ///< cuMemAllocManaged; touched by the host directly
  pageable,    ///< plain host heap memory handed to the kernel (needs pageable memory access)
  registered,  ///< host memory pinned with cuMemHostRegister and mapped for the device
};

/// One kernel buffer: its initial contents define its size.
struct buffer {
  std::string name;
  std::vector<std::byte> init;
  memory_kind memory = memory_kind::device;
};

/// One kernel parameter: the address of a buffer, or a scalar passed by value.
struct kernel_arg {
  std::optional<std::size_t> buffer_index;
  std::vector<std::byte> value;

  static kernel_arg buffer(std::size_t index) { return {index, {}}; }
  template <typename T>
  static kernel_arg scalar(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    kernel_arg a;
    a.value.resize(sizeof(T));
    std::memcpy(a.value.data(), &v, sizeof(T));
    return a;
  }
};

/// Element types the verifier can read back.
enum class elem_type { f32, f64, f16, bf16, s32, u32, s8, u8, u16 };
[[nodiscard]] std::size_t elem_size(elem_type t);

struct tolerance {
  double abs = 0.0;  ///< allowed |got - expected|
  double rel = 0.0;  ///< plus rel * |expected|
};

/// The CPU reference for one output buffer: every element, in buffer order.
/// NaN expected means "must be NaN"; infinities must match exactly.
struct expectation {
  std::size_t buffer_index = 0;
  elem_type type = elem_type::f32;
  std::vector<double> values;
  tolerance tol;
};

/// Everything one launch needs, built deterministically.
struct test_case {
  std::string entry = "probe_kernel";  ///< extern "C" kernel symbol
  launch_config launch;
  std::vector<buffer> buffers;
  std::vector<kernel_arg> args;
};

/// Facts the test case and the applicability check may depend on.
struct exec_facts {
  gpu_arch arch;                              ///< the device's (or offline target's) architecture
  const report::device_info* device = nullptr;  ///< null offline
};

/// How a variant chooses its compile target.
struct target_spec {
  enum class kind {
    device_native,  ///< SASS for the device / offline target: plain, else family `f`, else arch-specific `a`
    fixed,          ///< exactly `name`: "compute_80" (PTX for the driver's JIT) or "sm_100a" (SASS)
  };
  kind how = kind::device_native;
  std::string name;

  static target_spec native() { return {kind::device_native, {}}; }
  static target_spec fixed(std::string n) { return {kind::fixed, std::move(n)}; }
};

/// An instruction whose SASS decides whether a native compile really uses the
/// hardware instruction or an emulation ptxas put in its place
/// (docs/classification.md, probe/sass.hpp).
struct sass_check {
  std::string expected_class;  ///< class of the instruction: "QMMA", "F2FP", ... (see probe/sass.hpp)
  std::string ptx;             ///< the inline-asm template the kernel uses (kernels/narrow_ptx.cuh)
  std::string outputs;         ///< constraint letter per output operand: 'f' (f32), 'r' (b32), 'h' (b16)
  std::string inputs;          ///< constraint letter per input operand, in operand order after the outputs
};

/// The verdict expected on each architecture, with the source that backs it
/// (docs/probes.md "Sources"). One cell per column of expectation_archs()
/// (sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121): "native",
/// "fallback", "failing", "skipped", "unknown" (sources conflict) or ""
/// (no expectation); no cells at all: no expectation anywhere.
struct expected_verdicts {
  std::vector<std::string> cells;
  std::string source;  ///< a key of the catalogue's sources: "ptx-mma"
};

/// One way of running a probe.
struct variant {
  std::string label;                  ///< "native", "sm80-ptx", "sm100a", ...
  target_spec target;
  bool fallback = false;              ///< a fallback path (not the hardware path under test)
  std::vector<std::string> options;   ///< extra NVRTC options, e.g. "-DSM121_DEQUANT=1"
};

/// Host-side program of one attempt on a device: loads the image, launches,
/// verifies, recording each stage through the session.
using program_fn = std::function<void(session&, const test_case&, const probe&)>;

/// A probe.
struct probe {
  std::string id;           ///< stable id: "mma.f16"
  std::string category;     ///< "mma", "sanity", ...
  std::string description;  ///< one line
  /// A short paragraph for docs/probes.md: what the probe checks and why it
  /// matters on DGX Spark (plain text, no markup).
  std::string details;
  std::string kernel;       ///< "kernels/mma_sm80.cu"
  std::vector<variant> variants;
  std::function<test_case(const exec_facts&)> make_case;
  std::function<std::vector<expectation>(const test_case&)> reference;
  /// Optional: a reason to skip the probe here (nullopt = applies).
  std::function<std::optional<std::string>(const exec_facts&)> skip_reason;
  /// Optional: a custom host program; the default is run_standard_program.
  program_fn program;
  /// Probes that show the path software takes instead when this one fails.
  std::vector<std::string> see_also;
  /// The question is answered only by running (memory behaviour, launch
  /// limits): offline, a successful compile then yields `skipped` ("needs a
  /// GPU"), not a compile-only `native`.
  bool runtime_only = false;
  /// What only a run answers, for the offline reason of a run-time question
  /// ("whether 101,376 B of dynamic shared memory launch ..."); optional.
  std::string runtime_question;
  /// Instructions checked in the SASS of every native (non-fallback,
  /// device_native) compile; empty: the SASS is not judged.
  std::vector<sass_check> sass_checks;
  /// What the verdict should be on each architecture, and why (expectations.hpp).
  expected_verdicts expected;
};

/// The default program: load, copy the buffers in, launch, synchronize, copy
/// the outputs back and compare them with `p.reference(tc)`.
void run_standard_program(session& s, const test_case& tc, const probe& p);

// --- byte helpers for building test cases --------------------------------------

/// The byte every output buffer starts as: 0xFF makes f32/f64/f16/bf16 NaN,
/// s32/s8 -1 and unsigned words all ones, so a kernel that writes nothing (or
/// skips an element) fails verification instead of passing on zeros.
inline constexpr std::byte poison_byte{0xff};

/// `bytes` bytes of poison: the initial contents of an output buffer.
[[nodiscard]] inline std::vector<std::byte> poisoned(std::size_t bytes) {
  return std::vector<std::byte>(bytes, poison_byte);
}

template <typename T>
std::vector<std::byte> to_bytes(const std::vector<T>& v) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::vector<std::byte> out(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(out.data(), v.data(), out.size());
  return out;
}

template <typename T>
std::vector<T> from_bytes(const std::vector<std::byte>& b) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::vector<T> out(b.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), b.data(), out.size() * sizeof(T));
  return out;
}

/// A small deterministic generator (64-bit LCG) so inputs are identical on every host.
class lcg {
 public:
  explicit lcg(std::uint64_t seed) : state(seed * 6364136223846793005ull + 1442695040888963407ull) {}
  std::uint32_t next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<std::uint32_t>(state >> 33);
  }
  /// Uniform integer in [lo, hi].
  int uniform(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<std::uint32_t>(hi - lo + 1)); }

 private:
  std::uint64_t state;
};

// --- half / bfloat16 conversions (exact, host side) ------------------------------

[[nodiscard]] float half_to_float(std::uint16_t h);
[[nodiscard]] std::uint16_t float_to_half(float f);  ///< round to nearest even
[[nodiscard]] float bf16_to_float(std::uint16_t b);
[[nodiscard]] std::uint16_t float_to_bf16(float f);  ///< round to nearest even

/// Reads element `i` of a buffer as a double.
[[nodiscard]] double read_element(const std::vector<std::byte>& data, elem_type t, std::size_t i);
/// Writes `value` (rounded / truncated to the type) as element `i`; the buffer must be large enough.
void write_element(std::vector<std::byte>& data, elem_type t, std::size_t i, double value);

/// Comparison of one output buffer with its expectation.
struct verify_outcome {
  std::uint64_t mismatches = 0;
  double max_abs_err = 0.0;
  double max_rel_err = 0.0;
  std::string first_mismatch;  ///< "element 17: got 3.5, expected 4" (empty if none)
};
[[nodiscard]] verify_outcome compare(const std::vector<std::byte>& got, const expectation& e);

}  // namespace sm121probe::probe
