#pragma once
/// The run report as plain data. Probes fill it, renderers read it; nothing in
/// here prints. docs/report.md documents every field; docs/report.schema.json
/// is the JSON Schema of its serialized form (report/json.hpp).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sm121probe::report {

/// Version of the JSON layout. Bump when a field is removed or changes meaning.
inline constexpr int schema_version = 1;

/// The classification of one probe.
enum class verdict {
  native,    ///< the primary variant passed every stage (and is not emulated)
  fallback,  ///< only a fallback variant passed (e.g. sm_80 PTX JIT-compiled by the driver)
  failing,   ///< no variant passed
  skipped,   ///< the probe does not apply here; `reason` says why
  /// The primary variant passed, but nothing proves it uses the hardware
  /// instruction (an inconclusive SASS check): never reported as native.
  unverified,
};

/// What a verdict rests on.
enum class evidence {
  run,      ///< kernels were loaded, launched and their results verified on a device
  compile,  ///< offline: only compilation (NVRTC / nvJitLink) and documented rules
  none,     ///< nothing (skipped probes)
};

enum class run_mode { device, offline };

/// The stages of one attempt, in order. `jit_link` is offline only: nvJitLink
/// turns PTX into SASS for the target, standing in for the driver's JIT at load.
enum class stage_kind { compile, jit_link, load, launch, verify };

[[nodiscard]] std::string_view to_string(verdict v);
[[nodiscard]] std::string_view to_string(evidence e);
[[nodiscard]] std::string_view to_string(run_mode m);
[[nodiscard]] std::string_view to_string(stage_kind s);
[[nodiscard]] std::optional<verdict> parse_verdict(std::string_view s);
[[nodiscard]] std::optional<evidence> parse_evidence(std::string_view s);
[[nodiscard]] std::optional<run_mode> parse_run_mode(std::string_view s);
[[nodiscard]] std::optional<stage_kind> parse_stage_kind(std::string_view s);

/// One stage of one attempt.
struct stage_result {
  stage_kind stage = stage_kind::compile;
  bool ok = false;
  double ms = 0.0;         ///< wall time of the stage in milliseconds
  std::string error;       ///< CUDA error name, NVRTC status, "timeout", "signal SIGSEGV", ...; empty when ok
  std::string log;         ///< compiler / JIT / driver log or explanation, trimmed
  bool predicted = false;  ///< offline: outcome predicted from the compatibility rules, not observed
};

/// What the SASS of a native compile showed (docs/classification.md).
struct sass_summary {
  std::string expected_class;          ///< instruction class the probe exercises, e.g. "QMMA"
  bool expected_found = false;         ///< that class appears in the kernel
  int instructions = 0;                ///< instructions in the kernel, NOP padding excluded
  std::map<std::string, int> classes;  ///< recognised instruction classes and their counts
  std::string note;                    ///< how the verdict was reached, one line
  /// Nothing proves or disproves the hardware instruction (a reference that
  /// does not compile, an unknown class, an image that is not a readable
  /// cubin): the attempt cannot be called native (verdict `unverified`).
  bool inconclusive = false;
};

/// One variant of a probe, tried once.
struct attempt_result {
  std::string variant;      ///< variant label: "native", "sm80-ptx", ...
  std::string target;       ///< what was compiled: "sm_121", "sm_121f", "compute_80"
  bool fallback = false;    ///< true for fallback variants
  std::vector<stage_result> stages;
  std::optional<double> max_abs_err;  ///< verify stage: largest |got - expected|
  std::optional<double> max_rel_err;  ///< verify stage: largest |got - expected| / |expected|
  std::optional<std::uint64_t> mismatches;  ///< verify stage: elements outside tolerance
  std::vector<std::string> notes;           ///< extra facts (e.g. targets that rejected the code)
  std::vector<std::string> warnings;        ///< compiler warnings and advisories (ptxas "Advisory: ...")
  bool emulated = false;                    ///< compiled, but the hardware instruction was replaced by emulation
  std::optional<sass_summary> sass;         ///< SASS inspection of a native compile

  /// Every stage ok and the attempt reached its final stage.
  [[nodiscard]] bool passed() const;
  /// The first failed stage, if any.
  [[nodiscard]] const stage_result* first_failure() const;
};

/// What was expected of a probe on this architecture (probe::expected, in its family file).
enum class expectation_kind {
  none,     ///< no expectation for this architecture
  unknown,  ///< sources conflict: any result is news, a failing one counts as unexpected
  verdict,  ///< a definite verdict
};

/// A user baseline rule (--expect FILE) applied to a probe.
struct baseline_check {
  std::string rule;                   ///< the pattern of the rule that matched ("mma.*")
  std::vector<std::string> allowed;   ///< verdicts the rule allows
  bool ok = true;                     ///< the probe's verdict is among them
};

/// The result of one probe.
struct probe_result {
  std::string id;
  std::string category;
  std::string description;
  verdict result = verdict::failing;
  evidence basis = evidence::none;
  std::string reason;  ///< why the verdict is not native (or why skipped); empty for plain native
  std::vector<attempt_result> attempts;
  /// Native compiles only: the least specific target that accepted the code
  /// ("sm_121", "sm_121f" or "sm_121a"); empty when the native variant did not compile.
  std::string least_specific_target;
  /// Probes that show the path software takes instead when this one fails (e.g. "mma.*").
  std::vector<std::string> see_also;
  expectation_kind expectation = expectation_kind::none;
  verdict expected = verdict::native;  ///< meaningful when expectation == verdict
  std::string expected_source;         ///< where the expectation comes from (docs/probes.md)
  bool as_expected = true;             ///< result equals the expectation (see docs/report.md)
  bool worse_than_expected = false;    ///< result ranks below the expectation: fails the run
  std::optional<baseline_check> baseline;
};

/// Facts about the device (device mode only).
struct device_info {
  int ordinal = 0;
  std::string name;
  std::string uuid;        ///< "GPU-xxxxxxxx-...."
  std::string pci_bus_id;  ///< "0000:01:00.0"
  int cc_major = 0;
  int cc_minor = 0;
  std::uint64_t total_memory_bytes = 0;
  std::optional<std::uint64_t> free_memory_bytes;           ///< cuMemGetInfo
  std::optional<std::uint64_t> system_mem_available_bytes;  ///< /proc/meminfo MemAvailable (integrated devices)
  std::string memory_note;  ///< set when the two free figures disagree markedly
  /// cuDeviceGetAttribute values by documented snake_case name (units in the name);
  /// nullopt when the query failed.
  std::map<std::string, std::optional<std::int64_t>> attributes;

  [[nodiscard]] std::optional<std::int64_t> attribute(std::string_view name) const;
};

struct driver_info {
  bool available = false;
  std::optional<int> version;        ///< cuDriverGetVersion, e.g. 13000
  std::string cuda_version;          ///< "13.0"
  std::string error;                 ///< why the driver is unusable, one line
  std::string nvidia_version_file;   ///< first line of /proc/driver/nvidia/version
  int device_count = 0;
};

/// One library of the toolkit: which file, which release, and why that one.
struct library_record {
  std::string path;            ///< the file loaded, symlinks resolved
  std::string version;         ///< full release, "13.5.37" (the API's "13.5" when nothing better is known)
  std::string version_source;  ///< where `version` was read: "file name", "wheel metadata (...)", "version.json (...)", "API (...)"
  std::string found_by;        ///< what chose it: "--nvrtc", "SM121PROBE_NVRTC_LIBRARY", "LD_LIBRARY_PATH", ...

  [[nodiscard]] bool empty() const { return path.empty() && version.empty(); }
};

struct toolkit_info {
  std::string nvrtc_version;       ///< "13.0"
  std::vector<int> nvrtc_archs;    ///< nvrtcGetSupportedArchs: 75, 80, ...
  std::string nvjitlink_version;   ///< "13.0", empty when not loadable
  std::string nvjitlink_error;     ///< why nvJitLink is not usable, one line
  library_record nvrtc;            ///< the NVRTC library (empty in reports of older versions)
  library_record nvjitlink;        ///< the nvJitLink library; empty when not loadable
  std::string pair_mismatch;       ///< why NVRTC and nvJitLink are not one toolkit's pair; empty when they are
};

struct host_info {
  std::string hostname;
  std::string os;      ///< uname sysname
  std::string kernel;  ///< uname release
  std::string arch;    ///< uname machine
};

struct tool_info {
  std::string name = "sm121-probe";
  std::string version;
  std::string git_sha;
};

struct summary {
  int native = 0;
  int fallback = 0;
  int failing = 0;
  int skipped = 0;
  int unverified = 0;
  int unexpected = 0;           ///< probes whose result differs from the expectation
  int worse_than_expected = 0;  ///< of those, results worse than expected (exit code 1)
  int baseline_deviations = 0;  ///< probes breaking a --expect rule (exit code 1)
};

/// The whole run report.
struct run_report {
  int schema = schema_version;
  tool_info tool;
  std::string created;  ///< UTC ISO-8601, e.g. "2026-11-21T09:30:00Z"
  std::vector<std::string> command_line;
  run_mode mode = run_mode::offline;
  std::string target;  ///< "sm_121": the device's own architecture, or the offline target
  host_info host;
  toolkit_info toolkit;
  driver_info driver;
  std::optional<device_info> device;
  std::vector<probe_result> probes;
  report::summary totals;
};

/// Counts verdicts, unexpected results and baseline deviations.
[[nodiscard]] summary summarize(const std::vector<probe_result>& probes);

/// Order of verdicts for "worse than": failing < fallback < native. Skipped is not ranked.
[[nodiscard]] int verdict_rank(verdict v);

/// The verdict as the text and markdown tables print it. A verdict that rests
/// on compilation only (offline) carries what it rests on, so it cannot be
/// mistaken for one verified on a device: "native (SASS)" (the SASS shows
/// the hardware instruction), "native (predicted)" (compiled; loading
/// predicted from the documented compatibility rules), "native (compiles)";
/// the same three for "fallback" ("fallback (SASS)": the SASS shows
/// emulation). Device verdicts, and failing, skipped and unverified ones,
/// print as their name.
[[nodiscard]] std::string verdict_cell(const probe_result& p);

/// Sets as_expected / worse_than_expected from the result and the expectation:
/// with a definite expectation, as_expected means equal and worse means a lower
/// rank; with none or unknown, a failing result is unexpected and worse. A
/// skipped result (not tested) is neither.
void apply_expectation(probe_result& p);

[[nodiscard]] std::string_view to_string(expectation_kind k);

/// The current time as UTC ISO-8601 with seconds.
[[nodiscard]] std::string utc_now_iso8601();

}  // namespace sm121probe::report
