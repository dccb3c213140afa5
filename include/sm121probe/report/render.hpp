#pragma once
/// Renderers of the run report. Each is a function of the report model only:
/// they never probe, read files or look at the environment.

#include "sm121probe/report/model.hpp"

#include <cstddef>
#include <iosfwd>
#include <string>

namespace sm121probe::report {

struct text_options {
  bool color = false;  ///< ANSI colours (only on a terminal)
};

/// The human table: a header naming the device (or the offline target and
/// that nothing ran), one row per probe (id, verdict, evidence, key error),
/// the --expect rules that were broken, and a summary line.
void render_text(const run_report& r, std::ostream& os, const text_options& opts = {});

/// Does this probe fail the run? With a --expect rule that covers it, exactly
/// when the rule is broken (the user's baseline replaces the built-in
/// expectation); otherwise when the result is worse than expected.
[[nodiscard]] bool probe_fails(const probe_result& p);

/// Exit code policy: does any probe fail the run (probe_fails)? An expected
/// `failing` does not fail the run, nor does one a --expect rule allows.
[[nodiscard]] bool run_failed(const run_report& r);

/// Markdown output stays below this many bytes (forum and issue size limits).
inline constexpr std::size_t markdown_limit_bytes = 60 * 1024;

/// Markdown for pasting into a forum post or a GitHub issue: a heading, a
/// one-paragraph summary (device or offline target, driver, toolkit, counts),
/// the verdict table, then collapsed <details> sections: device properties,
/// toolchain and host, and one per probe that is not native (or fails the
/// run) with its reason and the trimmed errors and logs of its attempts.
/// Always shorter than markdown_limit_bytes: logs are trimmed first (and a
/// note says so), then per-probe sections dropped. Redaction is the caller's
/// job (report/redact.hpp); this renders what it is given.
[[nodiscard]] std::string render_markdown(const run_report& r);

/// JUnit XML (the Jenkins / GitLab dialect, see docs/ci.md): <testsuites>
/// holding one <testsuite> for the device (or the offline target) with
/// properties for device, driver and toolkit, and one <testcase> per probe
/// (classname = category, name = probe id, time = the attempts' stage times).
/// A probe that fails the run (probe_fails) gets <failure> with verdict,
/// reason, attempts and failed-stage logs; the others carry that account in
/// <system-out>, skipped ones also <skipped>. UTF-8, well-formed whatever the logs contain.
[[nodiscard]] std::string render_junit(const run_report& r);

}  // namespace sm121probe::report
