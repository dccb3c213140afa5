#pragma once
/// The `bench` report as plain data (docs/bench.md; JSON schema
/// docs/bench.schema.json). The bench framework (probe/bench.hpp) fills it,
/// renderers read it; nothing in here prints or measures.

#include "sm121probe/report/model.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sm121probe::report {

/// Version of the bench JSON layout.
inline constexpr int bench_schema_version = 1;

/// What became of one measurement.
enum class bench_status {
  measured,       ///< timed on a device, result checked against the CPU: the figure stands
  compiled,       ///< offline: compiled and inspected, nothing timed
  format_absent,  ///< the operand format does not exist on this target (not compiled)
  rejected,       ///< ran, but the result was wrong (or the timing unusable): no figure
  failed,         ///< compile, load, launch or a driver call failed
  skipped,        ///< not applicable here (e.g. pageable host memory the device cannot access)
};
[[nodiscard]] std::string_view to_string(bench_status s);

/// Statistics of repeated timings (CUDA events), in milliseconds.
struct bench_timing {
  int warmup = 0;                ///< untimed launches before the first timed one
  std::vector<double> samples;   ///< one elapsed time per repetition
  double median_ms = 0;
  double min_ms = 0;
  double max_ms = 0;
  /// (max - min) / median, in percent.
  double spread_pct = 0;
};

/// What the SASS of a tensor benchmark kernel shows (docs/bench.md, "SASS").
struct bench_sass {
  bool inspected = false;           ///< a cubin was read
  std::string expected_class;       ///< "OMMA.SF", "HMMA", ...
  int expected_per_iteration = 0;   ///< expected instructions of that class per loop iteration
  /// Instructions of each class that exists on the target, per loop iteration
  /// and per MMA of the source (from two unroll factors).
  std::map<std::string, int> per_iteration;
  std::map<std::string, double> per_mma;
  bool loop_confirmed = false;      ///< every tensor instruction lies in the unrolled loop body
  bool expected_found = false;      ///< per_iteration[expected_class] == expected_per_iteration
  int instructions = 0;             ///< in the kernel, padding excluded
  std::optional<int> registers;     ///< from ptxas -v (NVRTC compiles)
  std::optional<int> spill_store_bytes;
  std::optional<int> spill_load_bytes;
  std::string note;                 ///< one line: how the counts were reached, or why not
};

/// One tensor-throughput benchmark: one operand format on one path.
struct bench_tensor {
  std::string id;           ///< "tensor.nvf4.native"
  std::string format;       ///< "nvf4"
  std::string path;         ///< "native" | "fallback"
  std::string description;  ///< one line
  std::string target;       ///< what was compiled: "sm_121f", "compute_80"
  std::string sass_target;  ///< what the SASS was built for ("sm_121a" via nvJitLink for PTX)
  bench_status status = bench_status::failed;
  std::string reason;       ///< why not measured / compiled; empty otherwise
  int m = 0, n = 0, k = 0;  ///< the MMA shape of the logical operation
  int mma_per_iteration = 0;
  double ops_per_mma = 0;   ///< 2*m*n*k
  std::string unit;         ///< "TFLOP/s" or "TOP/s" (s8)
  bench_sass sass;
  // device mode
  std::int64_t iterations = 0;  ///< loop iterations per warp per launch
  std::int64_t warps = 0;       ///< warps per launch
  double ops_per_launch = 0;
  std::optional<bench_timing> timing;
  std::optional<double> throughput;     ///< median, in `unit`
  std::string verify;                   ///< "ok" or what mismatched
  /// On native rows: this path's throughput / the fallback's (both measured).
  std::optional<double> native_over_fallback;
  std::string anchor;                   ///< key of a bench_anchor printed beside the figure
};

/// One bandwidth measurement.
struct bench_memory {
  std::string id;          ///< "memory.device.read"
  std::string memory;      ///< "device" | "managed" | "pageable-host"
  std::string op;          ///< "read" | "write" | "copy"
  bench_status status = bench_status::failed;
  std::string reason;
  std::uint64_t buffer_bytes = 0;
  std::uint64_t bytes_per_launch = 0;  ///< bytes moved (read + written) per launch
  std::optional<bench_timing> timing;
  std::optional<double> gb_per_s;          ///< median, 1e9 bytes per second
  std::optional<double> fraction_of_peak;  ///< of `peak_gb_per_s`
  std::optional<double> peak_gb_per_s;
  std::string peak_source;                 ///< how the peak was derived, or why there is none
  std::string verify;
  std::string anchor;
};

/// A latency or load-time figure.
struct bench_latency {
  std::string id;           ///< "launch.latency", "module.load.cubin.cold", ...
  std::string description;
  bench_status status = bench_status::failed;
  std::string reason;
  std::optional<bench_timing> timing;
  std::optional<double> value;  ///< median, in `unit`
  std::string unit;             ///< "us" or "ms"
  std::string clock;            ///< "CUDA events" or "host steady_clock (synchronised)"
};

/// Clocks, throttling and power at one moment.
struct bench_snapshot {
  std::optional<int> sm_clock_mhz;
  std::optional<int> mem_clock_mhz;
  std::optional<double> power_w;
  std::optional<double> power_limit_w;
  std::optional<double> temperature_c;
  std::vector<std::string> throttle_reasons;  ///< NVML clocks-event reasons active ("sw_power_cap", ...)
  bool throttle_reported = false;             ///< NVML answered the throttle query
};

/// The conditions of a device run (before the first and after the last measurement).
struct bench_conditions {
  std::string nvml;  ///< "ok", or "not reported: <why>"
  std::optional<bench_snapshot> before;
  std::optional<bench_snapshot> after;
  std::string clock_source;  ///< where the clocks come from ("NVML", "cuDeviceGetAttribute (maximum)")
};

/// A public figure printed beside ours: never a measurement of this tool.
struct bench_anchor {
  std::string key;     ///< "gb10-bf16-dense"
  std::string figure;  ///< "~91-92 TFLOP/s"
  std::string what;    ///< one line: what was measured, with what
  std::string source;  ///< title
  std::string url;
};

struct bench_report {
  int schema = bench_schema_version;
  tool_info tool;
  std::string created;
  std::vector<std::string> command_line;
  run_mode mode = run_mode::offline;
  std::string target;  ///< "sm_121"
  /// True when nothing was timed (offline): every figure below is a count, not a speed.
  bool nothing_timed = true;
  host_info host;
  toolkit_info toolkit;
  driver_info driver;
  std::optional<device_info> device;
  double seconds_per_measurement = 0;  ///< --seconds
  std::vector<bench_tensor> tensor;
  std::vector<bench_memory> memory;
  std::vector<bench_latency> latency;
  std::optional<bench_conditions> conditions;
  std::vector<bench_anchor> anchors;
  std::vector<std::string> notes;
};

/// Whether the run should exit 1: a benchmark failed (compile, load, launch, a
/// driver call, its worker) or was rejected (wrong result, unusable timing).
/// A SASS count that differs from the expected one is a finding shown in the
/// row (e.g. FP8 emulated on sm_90a), not a failure.
[[nodiscard]] bool bench_failed(const bench_report& r);

}  // namespace sm121probe::report
