#pragma once
/// More renderers of the scan model (besides text and JSON in scan_render.hpp):
/// markdown for pasting and JUnit XML for CI, plus a reader of the scan JSON so
/// stored scan reports can be rendered again. Functions of the model only.

#include "sm121probe/binscan/scan_report.hpp"

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
/// counts), a table of the files with GPU code (failing first; files without
/// GPU code found by walking directories are only counted), then collapsed
/// sections: the summary per directory or Python package and the warnings.
/// Stays under markdown_limit_bytes (render.hpp): rows are cut, native ones
/// first, with a note. Redaction is the caller's job.
[[nodiscard]] std::string render_scan_markdown(const binscan::scan_report& report);

/// JUnit XML: one <testsuite> for the target (properties: target, driver,
/// accepted PTX ISA, how they were chosen, roots), one <testcase> per file
/// with GPU code or named on the command line (classname = its directory or
/// Python package, name = path); `failing` gets <failure>, `error`
/// (unreadable, corrupt) <error>, named files without GPU code <skipped>.
[[nodiscard]] std::string render_scan_junit(const binscan::scan_report& report);

}  // namespace sm121probe::report
