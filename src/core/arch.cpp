#include "sm121probe/arch.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace sm121probe {

namespace {

bool parse_int(std::string_view s, int& out) {
  if (s.empty() || s.size() > 4) return false;
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc{} && p == end;
}

}  // namespace

std::optional<gpu_arch> arch_from_sm(int sm, arch_variant variant) {
  if (sm < 10 || sm > 999) return std::nullopt;
  if (sm == renamed_thor_sm) sm = 110;  // Thor: sm_101 before CUDA 13.0, sm_110 since.
  return gpu_arch{sm / 10, sm % 10, variant};
}

std::optional<arch_name> parse_arch_name(std::string_view text) {
  arch_name out;
  std::string_view rest = text;
  if (rest.starts_with("sm_")) {
    rest.remove_prefix(3);
    out.kind = code_kind::sass;
  } else if (rest.starts_with("compute_")) {
    rest.remove_prefix(8);
    out.kind = code_kind::ptx;
  } else if (rest.starts_with("sm")) {
    rest.remove_prefix(2);
    out.kind = code_kind::sass;
  }
  if (const auto dot = rest.find('.'); dot != std::string_view::npos) {
    // "12.1" form: compute capability, no suffix allowed.
    int major = 0, minor = 0;
    if (rest.size() != text.size()) return std::nullopt;
    if (!parse_int(rest.substr(0, dot), major) || !parse_int(rest.substr(dot + 1), minor)) return std::nullopt;
    if (major < 1 || minor < 0 || minor > 9) return std::nullopt;
    out.arch = {major, minor, arch_variant::plain};
    return out;
  }
  arch_variant variant = arch_variant::plain;
  if (!rest.empty() && (rest.back() == 'a' || rest.back() == 'f')) {
    variant = rest.back() == 'a' ? arch_variant::arch_specific : arch_variant::family;
    rest.remove_suffix(1);
  }
  int sm = 0;
  if (!parse_int(rest, sm)) return std::nullopt;
  auto arch = arch_from_sm(sm, variant);
  if (!arch) return std::nullopt;
  out.arch = *arch;
  return out;
}

std::string_view suffix(arch_variant v) {
  switch (v) {
    case arch_variant::plain: return "";
    case arch_variant::arch_specific: return "a";
    case arch_variant::family: return "f";
  }
  return "";
}

std::string sass_name(const gpu_arch& a) { return fmt::format("sm_{}{}", a.sm(), suffix(a.variant)); }
std::string ptx_name(const gpu_arch& a) { return fmt::format("compute_{}{}", a.sm(), suffix(a.variant)); }
std::string cc_string(const gpu_arch& a) { return fmt::format("{}.{}", a.major, a.minor); }
std::string to_string(const arch_name& n) { return n.kind == code_kind::sass ? sass_name(n.arch) : ptx_name(n.arch); }

bool has_arch_specific_variant(int sm) {
  static constexpr std::array known = {90, 100, 103, 110, 120, 121};
  return std::find(known.begin(), known.end(), sm) != known.end();
}

bool has_family_variant(int sm) {
  static constexpr std::array known = {100, 103, 110, 120, 121};
  return std::find(known.begin(), known.end(), sm) != known.end();
}

std::string to_string(const ptx_isa& isa) { return fmt::format("{}.{}", isa.major, isa.minor); }
std::string to_string(const cuda_version& v) { return fmt::format("{}.{}", v.major, v.minor); }

std::optional<ptx_isa> parse_ptx_isa(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  ptx_isa out;
  if (!parse_int(text.substr(0, dot), out.major) || !parse_int(text.substr(dot + 1), out.minor)) return std::nullopt;
  return out;
}

std::optional<cuda_version> parse_cuda_version(std::string_view text) {
  cuda_version out;
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) {
    if (!parse_int(text, out.major)) return std::nullopt;
    return out.major > 0 ? std::optional(out) : std::nullopt;
  }
  if (!parse_int(text.substr(0, dot), out.major) || !parse_int(text.substr(dot + 1), out.minor)) return std::nullopt;
  if (out.major <= 0 || out.minor < 0 || out.minor > 9) return std::nullopt;
  return out;
}

std::optional<ptx_isa_limit> max_ptx_isa_for(const cuda_version& driver) {
  // PTX ISA release history (PTX ISA manual, "Release Notes"): the ISA version
  // that first shipped with each CUDA release. 12.6 kept 8.5; 12.7 was not
  // released publicly.
  struct row {
    cuda_version cuda;
    ptx_isa isa;
  };
  static constexpr std::array table = {
      row{{10, 0}, {6, 3}}, row{{10, 1}, {6, 4}}, row{{10, 2}, {6, 5}}, row{{11, 0}, {7, 0}},
      row{{11, 1}, {7, 1}}, row{{11, 2}, {7, 2}}, row{{11, 3}, {7, 3}}, row{{11, 4}, {7, 4}},
      row{{11, 5}, {7, 5}}, row{{11, 6}, {7, 6}}, row{{11, 7}, {7, 7}}, row{{11, 8}, {7, 8}},
      row{{12, 0}, {8, 0}}, row{{12, 1}, {8, 1}}, row{{12, 2}, {8, 2}}, row{{12, 3}, {8, 3}},
      row{{12, 4}, {8, 4}}, row{{12, 5}, {8, 5}}, row{{12, 6}, {8, 5}}, row{{12, 8}, {8, 7}},
      row{{12, 9}, {8, 8}}, row{{13, 0}, {9, 0}}, row{{13, 1}, {9, 1}},
  };
  if (driver < table.front().cuda) return std::nullopt;
  const row* best = &table.front();
  for (const row& r : table)
    if (r.cuda <= driver) best = &r;
  return ptx_isa_limit{best->isa, driver <= table.back().cuda, table.back().cuda};
}

std::string describe_ptx_limit(const cuda_version& driver) {
  const auto limit = max_ptx_isa_for(driver);
  if (!limit) return "unknown (older than CUDA 10.0)";
  if (limit->exact) return fmt::format("≤ {}", to_string(limit->isa));
  return fmt::format("≤ {} (assumed: CUDA {} is newer than {}, the newest release this tool knows)",
                     to_string(limit->isa), to_string(driver), to_string(limit->newest_known));
}

compat_result sass_runs_on(const gpu_arch& image, const gpu_arch& device) {
  const std::string img = sass_name(image);
  if (image.variant == arch_variant::arch_specific) {
    if (image.same_cc(device)) return {true, {}};
    return {false, fmt::format("{} SASS runs only on exactly {}", img, cc_string(image))};
  }
  if (image.major != device.major)
    return {false, fmt::format("{} SASS needs a {}.x device (major version differs)", img, image.major)};
  if (image.minor > device.minor)
    return {false, fmt::format("{} SASS needs compute capability {} or a later {}.x", img, cc_string(image),
                               image.major)};
  return {true, {}};
}

compat_result ptx_jits_on(const gpu_arch& image, const gpu_arch& device) {
  const std::string img = ptx_name(image);
  switch (image.variant) {
    case arch_variant::arch_specific:
      if (image.same_cc(device)) return {true, {}};
      return {false, fmt::format("{} PTX can be JIT-compiled only for exactly {}", img, cc_string(image))};
    case arch_variant::family:
      if (image.major != device.major)
        return {false, fmt::format("{} PTX stays within the {}.x family", img, image.major)};
      if (image.minor > device.minor)
        return {false, fmt::format("{} PTX needs compute capability {} or a later {}.x", img, cc_string(image),
                                   image.major)};
      return {true, {}};
    case arch_variant::plain:
      if (image.base() <= device.base()) return {true, {}};
      return {false, fmt::format("{} PTX needs compute capability {} or newer", img, cc_string(image))};
  }
  return {false, "unknown variant"};
}

compat_result ptx_isa_accepted(const ptx_isa& isa, const cuda_version& driver) {
  const auto limit = max_ptx_isa_for(driver);
  if (!limit)
    return {false, fmt::format("driver CUDA {} predates the PTX ISA table (CUDA 10.0+)", to_string(driver))};
  if (isa <= limit->isa) return {true, {}};
  if (!limit->exact)  // newer driver than the table: assumed to accept the newest known ISA, not more
    return {false, fmt::format("PTX ISA {} is newer than any this tool knows; a driver for CUDA {} (newer than {}, "
                               "the newest release in its table) is assumed to accept <= {}",
                               to_string(isa), to_string(driver), to_string(limit->newest_known),
                               to_string(limit->isa))};
  return {false, fmt::format("PTX ISA {} is newer than the driver (CUDA {}) accepts (<= {})", to_string(isa),
                             to_string(driver), to_string(limit->isa))};
}

}  // namespace sm121probe
