// `sm121-probe compare OLD NEW`: what changed between two run reports.
#include "commands.hpp"
#include "output.hpp"
#include "sm121probe/report/compare.hpp"
#include "sm121probe/report/redact.hpp"
#include "sm121probe/util/io.hpp"

#include <fmt/format.h>

#include <memory>

namespace sm121probe::cli {

namespace {

struct compare_flags {
  std::string old_path;
  std::string new_path;
  output_flags out;
};

std::string render(const report::comparison& c, output_format f) {
  switch (f) {
    case output_format::markdown: return report::render_compare_markdown(c);
    case output_format::json: return report::compare_to_json(c).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
    case output_format::text:
    case output_format::junit: break;
  }
  return report::render_compare_text(c);
}

int compare_command(const compare_flags& f, context& ctx) {
  const output_format format = f.out.format.empty()
                                   ? output_format::text
                                   : parse_format(f.out.format, {output_format::text, output_format::markdown,
                                                                 output_format::json});
  const std::string path = f.out.output.empty() ? "-" : f.out.output;
  if (path == "-" && f.out.json_path == "-") throw usage_error("--json - and the comparison both on stdout: give one a file");
  for (const std::string& p : {path, f.out.json_path})
    if (!p.empty()) util::check_writable(p);
  const report::run_report old_r = load_run_report(f.old_path);
  const report::run_report new_r = load_run_report(f.new_path);

  // Redaction happens on the reports, with one redactor, so both sides agree.
  report::redactor rd;
  const auto comparison_for = [&](bool redact) {
    if (!redact) return report::compare_reports(old_r, new_r, f.old_path, f.new_path);
    rd.learn(old_r);
    rd.learn(new_r);
    rd.learn(report::current_identity());
    return report::compare_reports(report::redacted(old_r, rd), report::redacted(new_r, rd), rd.redact(f.old_path),
                                   rd.redact(f.new_path));
  };
  const report::comparison c = comparison_for(redacts(format, f.out));
  ctx.work_done = true;  // an I/O error from here on loses output (exit 5)
  emit(ctx, path, render(c, format));
  if (!f.out.json_path.empty())
    emit(ctx, f.out.json_path, render(comparison_for(redacts(output_format::json, f.out)), output_format::json));
  return c.regressed() ? static_cast<int>(exit_status::failing) : static_cast<int>(exit_status::ok);
}

}  // namespace

command add_compare_command(CLI::App& root, context& ctx) {
  auto flags = std::make_shared<compare_flags>();
  CLI::App* sub = root.add_subcommand(
      "compare", "Compare two run reports: verdict changes (regressions first), new and removed probes, changed "
                 "errors, changed device/driver/toolkit");
  sub->add_option("old", flags->old_path, "The earlier report (JSON, e.g. a committed baseline)")->required();
  sub->add_option("new", flags->new_path, "The later report (JSON)")->required();
  add_output_flags(*sub, flags->out, {output_format::text, output_format::markdown, output_format::json},
                   "Write the comparison to this path, atomically (default '-' = stdout)");
  sub->footer(
      "A regression: a verdict that ranks lower (native > fallback > failing), a tested probe that is now skipped, "
      "or a skipped one that now fails.\n"
      "Exit codes: 0 nothing regressed; 1 something regressed; 2 usage error, unreadable, malformed or newer-schema "
      "report.");
  return {sub, [flags, &ctx] { return compare_command(*flags, ctx); }};
}

}  // namespace sm121probe::cli
