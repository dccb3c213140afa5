#pragma once
/// The probe catalogue as the families of src/probes provide it; the CLI
/// assembles these into a probe::catalogue (cli/catalogue.hpp) and hands that
/// to the framework.

#include "sm121probe/probe/expectations.hpp"
#include "sm121probe/probe/probe.hpp"
#include "sm121probe/util/source_file.hpp"

#include <string_view>
#include <vector>

namespace sm121probe::probes {

/// Every probe, in report order (src/probes/registry.cpp).
[[nodiscard]] std::vector<probe::probe> registered_probes();

/// The expected verdicts of a probe, from the table in src/probes/expectations.cpp.
[[nodiscard]] probe::expected_verdicts expected_row(std::string_view probe_id);

/// The SASS class catalogue (src/probes/sass_classes.cpp).
[[nodiscard]] const std::vector<probe::sass_check>& sass_classes();

/// Every source an expectation may cite (src/probes/sources.cpp), in docs/probes.md order.
[[nodiscard]] const std::vector<probe::expectation_source>& expectation_sources();

/// Every embedded kernel file (kernels/*.cu and *.cuh).
[[nodiscard]] std::vector<util::source_file> kernel_files();

}  // namespace sm121probe::probes
