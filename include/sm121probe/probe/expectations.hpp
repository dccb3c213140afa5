#pragma once
/// Expected verdicts: each probe carries its own (probe::expected, written in
/// its family file next to the kernel's host side), one cell per architecture
/// of expectation_archs(), backed by a source cited in docs/probes.md.

#include "sm121probe/arch.hpp"
#include "sm121probe/report/model.hpp"

#include <string>
#include <vector>

namespace sm121probe::probe {

struct probe;

/// The architectures an expectation has a cell for, in column order:
/// sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121.
[[nodiscard]] const std::vector<gpu_arch>& expectation_archs();

struct expected_verdict {
  report::expectation_kind kind = report::expectation_kind::none;
  report::verdict verdict = report::verdict::native;
  std::string source;  ///< short citation, expanded in docs/probes.md
};

/// The expectation for probe `p` on a device of `arch` (the variant suffix is
/// ignored: an sm_121a target is a 12.1 device). `none` when the probe has no
/// expectation or no cell for the architecture.
[[nodiscard]] expected_verdict expected_for(const probe& p, const gpu_arch& arch);

/// What is wrong with a probe's expectation row ("" when nothing): a row has
/// no cell or one per column, each "", "native", "fallback", "failing",
/// "skipped" or "unknown", and a source when it has any cell.
[[nodiscard]] std::string expectation_problem(const probe& p);

/// What a source key of an expectation stands for (the Sources section of docs/probes.md).
struct expectation_source {
  std::string key;    ///< as used by the probes: "ptx-mma"
  std::string title;  ///< one line: what the source says and where
  std::string url;    ///< a link, or a path in this repository ("docs/classification.md")
};

}  // namespace sm121probe::probe
