#pragma once
/// More renderers of the scan model (besides text and JSON in scan_render.hpp):
/// markdown for pasting and JUnit XML for CI, plus a reader of the scan JSON so
/// stored scan reports can be rendered again. Functions of the model only.

#include "sm121probe/binscan/scan_report.hpp"
#include "sm121probe/report/scan_render.hpp"

#include <stdexcept>
#include <string>
#include <string_view>

namespace sm121probe::report {

/// A scan report could not be read (malformed JSON, wrong shape, newer schema). One line.
struct scan_read_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Parses the JSON `scan --format json` writes (docs/scan.schema.json) back into
/// the model: target, driver, sources, grouping, roots, files (path, group,
/// format, size, verdict, reason, warnings, module counts, SASS/PTX/LTO-IR
/// images) and skip counts. Container details (`--details`) are not read back.
/// A file counts as named on the command line when its path is one of the
/// roots. Throws scan_read_error with a one-line reason.
[[nodiscard]] binscan::scan_report parse_scan_report(std::string_view text);

/// Markdown for pasting: a heading, a one-paragraph summary (target, driver,
/// counts), with --python the package table (every package with GPU code,
/// failing first, working ones too) and the environment's warnings, a table of
/// the files with GPU code (failing first; files without GPU code found by
/// walking directories are only counted; with --python at most
/// scan_file_rows_default unless opts.all), then collapsed sections: the summary
/// per directory or Python package and the warnings. Stays under
/// scan_markdown_limit_bytes unless opts.all: rows are cut, native ones first,
/// with a note. Redaction is the caller's job.
[[nodiscard]] std::string render_scan_markdown(const binscan::scan_report& report,
                                               const scan_render_options& opts = {});

/// JUnit XML: one <testsuite> for the target (properties: target, driver,
/// accepted PTX ISA, how they were chosen, roots). With --python a first
/// <testsuite> "packages" has one <testcase> per package with GPU code
/// (<failure> when it has nothing that runs, <error> when unreadable); the
/// files' testcases then carry no failures of their own (the exit code follows
/// the packages). Otherwise one <testcase> per file with GPU code or named on
/// the command line (classname = its directory or Python package, name =
/// path); `failing` gets <failure>, `error` (unreadable, corrupt) <error>,
/// named files without GPU code <skipped>.
[[nodiscard]] std::string render_scan_junit(const binscan::scan_report& report);

}  // namespace sm121probe::report
