#pragma once
/// GPU architectures, their names, and the rules that decide whether a SASS or
/// PTX image can run on a device. One place for these rules: the probe battery
/// (offline load predictions) and `scan` both use it. The rules and their
/// sources are written up in docs/compatibility.md.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace sm121probe {

/// Which flavour of a target: plain `sm_XY`, arch-specific `sm_XYa`, family `sm_XYf`.
enum class arch_variant { plain, arch_specific, family };

/// A compute capability plus target variant, e.g. 12.1 + `a` = `sm_121a`.
struct gpu_arch {
  int major = 0;
  int minor = 0;
  arch_variant variant = arch_variant::plain;

  /// The SM number used in names and fatbin headers: 12.1 -> 121.
  [[nodiscard]] constexpr int sm() const { return major * 10 + minor; }
  /// The same compute capability without a suffix.
  [[nodiscard]] constexpr gpu_arch base() const { return {major, minor, arch_variant::plain}; }
  /// Same major.minor (ignores the variant).
  [[nodiscard]] constexpr bool same_cc(const gpu_arch& o) const { return major == o.major && minor == o.minor; }

  friend constexpr auto operator<=>(const gpu_arch&, const gpu_arch&) = default;
};

/// Whether a name denotes machine code (`sm_`) or a virtual architecture (`compute_`).
enum class code_kind { sass, ptx };

/// A parsed target name such as `sm_121a` or `compute_80`.
struct arch_name {
  gpu_arch arch;
  code_kind kind = code_kind::sass;
  friend constexpr bool operator==(const arch_name&, const arch_name&) = default;
};

/// Thor's SM number before CUDA 13.0 (CUDA 12.9 calls it sm_101; CUDA 13.0 renamed it sm_110).
inline constexpr int renamed_thor_sm = 101;

/// Builds an architecture from an SM number as found in fatbin headers and cubin
/// flags (121 -> 12.1). 101 is the pre-CUDA-13 name of 110 and is mapped to it
/// (judged as 11.0); names shown to users keep the number the binary stores.
/// Returns nullopt for numbers that cannot be an SM (below 10 or above 999).
[[nodiscard]] std::optional<gpu_arch> arch_from_sm(int sm, arch_variant variant = arch_variant::plain);

/// Parses `sm_121a`, `compute_120f`, `sm121`, `121a` (SASS when no prefix) or `12.1`.
/// Returns nullopt for anything else. Does not check that a toolkit knows the name.
[[nodiscard]] std::optional<arch_name> parse_arch_name(std::string_view text);

/// `sm_121a` / `compute_121a`.
[[nodiscard]] std::string to_string(const arch_name& name);
[[nodiscard]] std::string sass_name(const gpu_arch& arch);
[[nodiscard]] std::string ptx_name(const gpu_arch& arch);
/// `12.1`
[[nodiscard]] std::string cc_string(const gpu_arch& arch);
/// "" / "a" / "f"
[[nodiscard]] std::string_view suffix(arch_variant v);

/// Whether CUDA 13.0 defines the `a` / `f` variant of this SM (nvcc --list-gpu-code):
/// `a` for 90, 100, 103, 110, 120, 121; `f` for 100, 103, 110, 120, 121.
[[nodiscard]] bool has_arch_specific_variant(int sm);
[[nodiscard]] bool has_family_variant(int sm);

/// A PTX ISA version such as 9.0.
struct ptx_isa {
  int major = 0;
  int minor = 0;
  friend constexpr auto operator<=>(const ptx_isa&, const ptx_isa&) = default;
};
[[nodiscard]] std::string to_string(const ptx_isa& isa);
/// Parses "9.0".
[[nodiscard]] std::optional<ptx_isa> parse_ptx_isa(std::string_view text);

/// A CUDA release (driver API version or toolkit version), e.g. 13.0.
struct cuda_version {
  int major = 0;
  int minor = 0;
  friend constexpr auto operator<=>(const cuda_version&, const cuda_version&) = default;
  /// From the integer cuDriverGetVersion returns (13000 -> 13.0).
  [[nodiscard]] static constexpr cuda_version from_int(int v) { return {v / 1000, (v % 1000) / 10}; }
};
[[nodiscard]] std::string to_string(const cuda_version& v);
/// Parses "13.0" or "13".
[[nodiscard]] std::optional<cuda_version> parse_cuda_version(std::string_view text);

/// The newest PTX ISA a driver of this CUDA release accepts, from the PTX ISA
/// release history (CUDA 13.0 -> 9.0, 12.9 -> 8.8, ...). For a release newer than
/// the table, `exact` is false and `isa` is the newest ISA the table knows: such
/// a driver is assumed to accept at least that, and PTX of a newer ISA is judged
/// against the same limit (one rule for the header and the verdicts).
struct ptx_isa_limit {
  ptx_isa isa;
  bool exact = true;
  cuda_version newest_known;  ///< the newest CUDA release in the table
};
[[nodiscard]] std::optional<ptx_isa_limit> max_ptx_isa_for(const cuda_version& driver);

/// "≤ 9.0", or for a release newer than the table "≤ 9.1 (assumed: CUDA 13.2 is
/// newer than 13.1, the newest release this tool knows)", or "unknown (older
/// than CUDA 10.0)". For report headers.
[[nodiscard]] std::string describe_ptx_limit(const cuda_version& driver);

/// The verdict of one compatibility rule, with a human reason when it fails.
struct compat_result {
  bool ok = false;
  std::string reason;  ///< empty when ok
};

/// Can the driver load this SASS image on a device of compute capability `device`?
/// plain and family: same major, image minor <= device minor; arch-specific: exactly equal.
[[nodiscard]] compat_result sass_runs_on(const gpu_arch& image, const gpu_arch& device);

/// Can the driver JIT-compile PTX for this virtual architecture on `device`?
/// plain: device >= image (any later major too); family: same major, minor >=;
/// arch-specific: exactly equal. Does not look at the ISA version (see ptx_isa_accepted).
[[nodiscard]] compat_result ptx_jits_on(const gpu_arch& image, const gpu_arch& device);

/// Does a driver of CUDA release `driver` accept PTX of ISA `isa`?
[[nodiscard]] compat_result ptx_isa_accepted(const ptx_isa& isa, const cuda_version& driver);

}  // namespace sm121probe
