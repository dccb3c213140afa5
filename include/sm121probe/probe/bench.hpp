#pragma once
/// `sm121-probe bench` (docs/bench.md): what each path costs. The framework
/// part: compiling the benchmark kernels and inspecting their loops' SASS
/// (offline and before a device run), timing them through the driver interface
/// with CUDA events (device mode, one measurement per worker process), and the
/// statistics and throughput arithmetic. The benchmark kernels and their CPU
/// references are catalogue data (src/probes/bench_kernels.cpp), handed in as
/// a bench_catalogue; the report model is report/bench_model.hpp.

#include "sm121probe/arch.hpp"
#include "sm121probe/cuda/driver_api.hpp"
#include "sm121probe/cuda/nvml.hpp"
#include "sm121probe/nvrtc/toolchain.hpp"
#include "sm121probe/probe/probe.hpp"
#include "sm121probe/report/bench_model.hpp"
#include "sm121probe/util/source_file.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sm121probe::probe {

// --- the catalogue's part -------------------------------------------------------

/// The inputs of one tensor benchmark and the CPU result of one MMA on them.
struct bench_case {
  std::vector<std::byte> a, b;      ///< A (16xK) and B (Kx8), row-major, in the kernel's containers
  std::vector<std::byte> sfa, sfb;  ///< scale-factor codes (block-scaled kinds), else empty
  std::vector<std::byte> c;         ///< C, 16x8 f32 (or s32)
  unsigned filler = 0;              ///< scale byte the hardware must not read (block-scaled kinds)
  std::vector<double> product;      ///< A x B (with the scales), 16x8 row-major, exact
  double magnitude = 0;             ///< max over (i, j) of sum_k |a_ik * b_kj| (error bound scale)
  bool integer = false;             ///< s32 accumulators (compared exactly, modulo 2^32)
};

/// One tensor benchmark: one operand format on one path.
struct bench_tensor_spec {
  std::string format;        ///< "nvf4"
  std::string path;          ///< "native" or "fallback"
  std::string description;   ///< one line
  std::string kernel;        ///< "kernels/bench_mma.cu"
  target_spec target;        ///< native(): the device's SASS (plain, else f, else a); fixed("compute_80"): PTX
  std::vector<std::string> options;  ///< "-DSM121_BENCH_KIND=11", ...
  std::string expected_class;        ///< SASS class of the loop's tensor instruction ("OMMA.SF", "HMMA")
  int class_per_mma = 1;             ///< instructions of that class per MMA of the source (dequant k64: 4)
  int m = 16, n = 8, k = 16;
  std::string unit = "TFLOP/s";      ///< "TOP/s" for integer formats
  /// Whether the operand format exists on a target (PTX ISA requirements); a
  /// native spec is compiled only where it does ("format absent on target" otherwise).
  std::function<bool(const gpu_arch&)> format_exists;
  std::string requires_text;         ///< "sm_120f/a or sm_121f/a", for the absent reason
  std::function<bench_case(std::uint64_t seed)> make_case;
  std::string anchor;                ///< key of a bench_anchor, or empty
  /// Accepted error of the timed loop's result, relative to unroll x iterations x
  /// magnitude (float results; integer results are exact). f32 accumulation of
  /// the exact inputs is exact in practice; narrow-format tensor instructions may
  /// accumulate with fewer bits (docs/bench.md), so their bound is looser.
  double relative_tolerance = 0x1p-20;
  /// Most loop iterations per launch: the accumulators' sums grow with them,
  /// and must stay checkable (docs/bench.md). Longer launches add blocks instead.
  std::int64_t max_iterations = 1 << 15;

  [[nodiscard]] std::string id() const { return "tensor." + format + "." + path; }
  [[nodiscard]] double ops_per_mma() const { return 2.0 * m * n * k; }
};

struct bench_catalogue {
  std::vector<bench_tensor_spec> tensor;
  std::string memory_kernel;              ///< "kernels/bench_memory.cu"
  std::vector<util::source_file> kernels; ///< *.cu
  std::vector<util::source_file> headers; ///< *.cuh
  std::vector<sass_check> sass_classes;   ///< the SASS class catalogue (probe/sass.hpp)
  std::vector<report::bench_anchor> anchors;
  [[nodiscard]] const bench_tensor_spec* find(const std::string& id) const;
};

// --- statistics and arithmetic (pure) ----------------------------------------------

/// Median, min, max and spread of `samples` (milliseconds). Throws
/// std::invalid_argument for no samples or a sample that is not a positive finite number.
[[nodiscard]] report::bench_timing summarize_timing(std::vector<double> samples, int warmup);

/// Tera-operations per second for `ops` operations in `ms` milliseconds.
[[nodiscard]] double tera_ops_per_s(double ops, double ms);
/// 1e9 bytes per second for `bytes` in `ms` milliseconds.
[[nodiscard]] double gb_per_s(double bytes, double ms);

/// Peak DRAM bandwidth from the memory clock (kHz) and bus width (bits) the
/// driver reports: 2 transfers per clock x width / 8 bytes. nullopt when either is 0.
[[nodiscard]] std::optional<double> theoretical_bandwidth_gb_s(std::int64_t mem_clock_khz, std::int64_t bus_width_bits);

/// Checks every warp's 16x8 tile of `d` against C + mma_per_iteration *
/// iterations * product (docs/bench.md): integers exactly (modulo 2^32),
/// floats within relative_tolerance x mma_per_iteration x iterations x
/// c.magnitude. Returns "" when every element matches, else one line naming
/// the first mismatch and the count.
[[nodiscard]] std::string check_tensor_result(const bench_case& c, const std::vector<std::byte>& d,
                                              std::int64_t warps, std::int64_t mma_per_iteration,
                                              std::int64_t iterations, double relative_tolerance);

// --- SASS of the loop ---------------------------------------------------------------

/// Class counts of one kernel compiled with two unroll factors u1 < u2
/// (SM121_BENCH_UNROLL). The tensor instructions of the loop body grow with
/// the unroll factor, everything outside it does not: per MMA = (c2 - c1) /
/// (u2 - u1), and the loop holds all of them when c1 == u1 * per MMA and c2 ==
/// u2 * per MMA (no tensor instruction outside the loop, none peeled).
struct loop_counts {
  std::map<std::string, int> per_iteration;  ///< at u2 (the unroll factor that is timed)
  std::map<std::string, double> per_mma;
  bool confirmed = false;
  std::string note;
};
[[nodiscard]] loop_counts count_loop(const std::map<std::string, int>& at_u1, int u1,
                                     const std::map<std::string, int>& at_u2, int u2);

/// The unroll factor that is timed and the smaller one compiled only for the SASS check.
inline constexpr int bench_unroll = 8;
inline constexpr int bench_unroll_probe = 4;
/// The seed of every tensor benchmark's inputs (bench_tensor_spec::make_case).
inline constexpr std::uint64_t bench_seed = 14;

/// One compiled tensor benchmark.
struct bench_compiled {
  report::bench_tensor row;      ///< status compiled (or format_absent / failed), SASS filled
  std::vector<std::byte> image;  ///< what a device loads: cubin (native) or PTX with its NUL (fallback)
};

/// Compiles `spec` for a device or target of architecture `arch` (native:
/// plain, else f, else a; fallback: its fixed PTX target, then nvJitLink for
/// the target's SASS) at both unroll factors and fills the SASS evidence.
[[nodiscard]] bench_compiled compile_tensor_bench(const nvrtc::toolchain& tools, const bench_catalogue& cat,
                                                  const bench_tensor_spec& spec, const gpu_arch& arch);

// --- device mode ----------------------------------------------------------------------

/// A host clock in milliseconds (injectable: tests script it).
class bench_clock {
 public:
  virtual ~bench_clock() = default;
  [[nodiscard]] virtual double now_ms() = 0;
};
/// std::chrono::steady_clock.
[[nodiscard]] bench_clock& steady_bench_clock();

/// How long and how often to measure.
struct bench_budget {
  double seconds = 2.0;  ///< target time per measurement (all repetitions)
  int warmup = 3;        ///< untimed launches first
  int min_reps = 5;
  int max_reps = 50;
  /// Bytes of each memory-benchmark buffer; 0: max(256 MiB, 32 x L2), at most a quarter of free memory.
  std::uint64_t memory_bytes = 0;
};

/// Tensor throughput of one compiled benchmark on a device: load `image`,
/// copy the case in, one launch to size the work (`iterations`, up to
/// spec.max_iterations, then whole waves of blocks, so that a launch lasts about
/// budget.seconds / min_reps), warm-up, repetitions timed with CUDA events,
/// then the result of the last launch is read back and checked. A wrong result
/// leaves the row `rejected` with no figure.
void run_tensor_bench(cuda::driver_api& api, CUdevice dev, const bench_tensor_spec& spec,
                      std::span<const std::byte> image, const bench_budget& budget, report::bench_tensor& row);

/// Read, write and copy bandwidth over `memory` ("device", "managed", "pageable-host").
[[nodiscard]] std::vector<report::bench_memory> run_memory_bench(cuda::driver_api& api, CUdevice dev,
                                                                 std::span<const std::byte> image,
                                                                 const std::string& memory,
                                                                 const bench_budget& budget);

/// Launch latency (CUDA events over back-to-back empty launches, and a
/// launch-plus-synchronise round trip on the host clock).
[[nodiscard]] std::vector<report::bench_latency> run_launch_bench(cuda::driver_api& api, CUdevice dev,
                                                                  std::span<const std::byte> image,
                                                                  const bench_budget& budget, bench_clock& clock);

/// Module load time of the same kernel as cubin and as PTX: the first load of
/// each (cold: PTX is JIT-compiled; the worker points CUDA_CACHE_PATH at an
/// empty directory) and repeated loads (warm: the JIT cache answers).
[[nodiscard]] std::vector<report::bench_latency> run_module_load_bench(cuda::driver_api& api, CUdevice dev,
                                                                       std::span<const std::byte> cubin,
                                                                       std::span<const std::byte> ptx,
                                                                       const bench_budget& budget, bench_clock& clock);

/// Clocks, throttle reasons, power and temperature now, from NVML (`nvml`
/// opened on the device; null: nothing is reported).
[[nodiscard]] report::bench_snapshot take_snapshot(cuda::nvml_api* nvml);

/// Ratios native / fallback for every format measured on both paths.
void fill_ratios(std::vector<report::bench_tensor>& rows);

// --- the run ----------------------------------------------------------------------------

class device_executor;

/// One measurement request as the parent sends it to a worker (header and
/// images) and the worker's one-line JSON answer.
using bench_request_fn =
    std::function<nlohmann::json(const nlohmann::json& header, const std::vector<std::span<const std::byte>>& images)>;

struct bench_options {
  std::optional<arch_name> target;  ///< set: offline for this target
  int device = 0;
  std::vector<std::string> only;    ///< globs on benchmark ids
  bench_budget budget;
  std::chrono::milliseconds timeout{120000};  ///< per worker
  std::vector<std::string> worker_argv;       ///< {self, "__worker"}: + "bench"
  std::vector<std::string> command_line;
  /// Tests: answer requests in this process instead of worker processes, and
  /// find the device through this executor instead of a query worker.
  bench_request_fn in_process;
  device_executor* query_executor = nullptr;
};

/// Answers one measurement request with `api` (what `__worker bench` does in
/// its process): "conditions" (NVML through `nvml`, or "not reported:
/// `nvml_error`"), "tensor", "memory", "launch", "module-load".
[[nodiscard]] nlohmann::json answer_bench_request(const bench_catalogue& cat, cuda::driver_api& api,
                                                  const nlohmann::json& request,
                                                  const std::vector<std::span<const std::byte>>& images,
                                                  cuda::nvml_api* nvml, const std::string& nvml_error,
                                                  bench_clock& clock);

/// Ids of every benchmark (tensor, memory, latency), in report order.
[[nodiscard]] std::vector<std::string> bench_ids(const bench_catalogue& cat);

/// Runs the benchmarks: offline (a target, or no usable GPU) it compiles and
/// inspects; with a device, each measurement runs in a worker process.
/// Throws selection_error (runner.hpp) for an unknown target or an --only
/// that matches nothing.
[[nodiscard]] report::bench_report run_bench(const bench_options& options, const bench_catalogue& cat,
                                             const nvrtc::toolchain& tools, std::ostream* progress);

/// Entry point of `__worker bench`: one measurement, request on `in`, one JSON line on `out`.
int bench_worker_main(const bench_catalogue& cat, std::istream& in, std::ostream& out);

}  // namespace sm121probe::probe
