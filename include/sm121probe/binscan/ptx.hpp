#pragma once
/// The header directives of PTX text: `.version MAJOR.MINOR` and `.target`.

#include "sm121probe/arch.hpp"
#include "sm121probe/binscan/byte_source.hpp"

#include <cstdint>

#include <optional>
#include <string_view>

namespace sm121probe::binscan {

/// What the first directives of a PTX module say.
struct ptx_header {
  ptx_isa isa;      ///< from `.version`
  gpu_arch target;  ///< from the `sm_XY[a|f]` item of `.target` (a virtual architecture)
  bool has_entry = false;  ///< some `.entry` directive (a kernel) appears in the text
  int raw_sm = 0;  ///< the SM number as written (101 for CUDA 12.9's `sm_101a`, which `target` holds as 11.0)
};

/// True when the text starts (after blank lines and comments) with a PTX directive
/// such as `.version`; used to recognise PTX files without trusting the file name.
[[nodiscard]] bool looks_like_ptx(std::string_view text);

/// Parses the `.version` and `.target` directives, skipping comments and blank
/// lines. Returns nullopt when either is missing or malformed.
[[nodiscard]] std::optional<ptx_header> parse_ptx_header(std::string_view text);

/// True when the PTX text declares at least one kernel (`.entry`).
[[nodiscard]] bool ptx_has_entry(std::string_view text);

/// ptx_has_entry on the PTX text in [base, base + size) of `src` (up to its first
/// NUL), read in bounded chunks: memory does not grow with the text.
[[nodiscard]] bool ptx_has_entry(const byte_source& src, std::uint64_t base, std::uint64_t size);

}  // namespace sm121probe::binscan
