#pragma once
/// Renderers of the run report. Each is a function of the report model only.

#include "sm121probe/report/model.hpp"

#include <iosfwd>

namespace sm121probe::report {

struct text_options {
  bool color = false;  ///< ANSI colours (only on a terminal)
};

/// The human table: a header naming the device (or the offline target and
/// that nothing ran), one row per probe (id, verdict, evidence, key error),
/// and a summary line.
void render_text(const run_report& r, std::ostream& os, const text_options& opts = {});

/// Exit code policy: does the run fail (a result worse than expected, or a
/// --expect baseline deviation)? An expected `failing` does not fail the run.
[[nodiscard]] bool run_failed(const run_report& r);

}  // namespace sm121probe::report
