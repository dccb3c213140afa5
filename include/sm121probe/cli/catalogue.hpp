#pragma once
/// The catalogue the CLI hands to the framework: every registered probe family
/// (src/probes), the embedded kernels, the SASS class catalogue and the sources
/// of the expected verdicts.

#include "sm121probe/probe/catalogue.hpp"

namespace sm121probe::cli {

/// Built once, on first use, from the registrations linked into this binary.
[[nodiscard]] const probe::catalogue& builtin_catalogue();

}  // namespace sm121probe::cli
