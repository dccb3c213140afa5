#pragma once
/// Renderers of the bench report (functions of the model only) and its redaction.

#include "sm121probe/report/bench_model.hpp"
#include "sm121probe/report/redact.hpp"

#include <iosfwd>
#include <string>

namespace sm121probe::report {

/// The human table: figures with units, median and spread, the anchor beside them;
/// offline, the SASS evidence and operation counts, and "nothing was timed".
void render_bench_text(const bench_report& r, std::ostream& os);

/// A block for forums and issues (render on a redacted() report).
[[nodiscard]] std::string render_bench_markdown(const bench_report& r);

/// `r` with host names, user names, home paths, GPU UUIDs, PCI bus ids and
/// serials replaced by placeholders (as for `run`).
[[nodiscard]] bench_report redacted(const bench_report& r, redactor& rd);

}  // namespace sm121probe::report
