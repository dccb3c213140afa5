// `sm121-probe merge REPORT...`: a fleet view over many run reports.
#include "commands.hpp"
#include "output.hpp"
#include "sm121probe/report/merge.hpp"
#include "sm121probe/report/redact.hpp"
#include "sm121probe/util/io.hpp"

#include <fmt/format.h>

#include <memory>

namespace sm121probe::cli {

namespace {

struct merge_flags {
  std::vector<std::string> paths;
  output_flags out;
};

std::string render(const report::fleet& f, output_format format) {
  switch (format) {
    case output_format::markdown: return report::render_merge_markdown(f);
    case output_format::json:
      return report::merge_to_json(f).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
    case output_format::text:
    case output_format::junit: break;
  }
  return report::render_merge_text(f);
}

int merge_command(const merge_flags& f, context& ctx) {
  const output_format format = f.out.format.empty()
                                   ? output_format::text
                                   : parse_format(f.out.format, {output_format::text, output_format::markdown,
                                                                 output_format::json});
  const std::string path = f.out.output.empty() ? "-" : f.out.output;
  if (path == "-" && f.out.json_path == "-") throw usage_error("--json - and the fleet view both on stdout: give one a file");
  for (const std::string& p : {path, f.out.json_path})
    if (!p.empty()) util::check_writable(p);
  std::vector<std::pair<std::string, report::run_report>> reports;
  for (const auto& p : f.paths) reports.emplace_back(p, load_run_report(p));

  report::redactor rd;
  const auto fleet_for = [&](bool redact) {
    if (!redact) return report::merge_reports(reports);
    std::vector<std::pair<std::string, report::run_report>> hidden;
    for (const auto& [file, r] : reports) rd.learn(r);  // every host name numbered before any text is redacted
    rd.learn(report::current_identity());
    for (const auto& [file, r] : reports) hidden.emplace_back(rd.redact(file), report::redacted(r, rd));
    return report::merge_reports(hidden);
  };
  const report::fleet fl = fleet_for(redacts(format, f.out));
  ctx.work_done = true;  // an I/O error from here on loses output (exit 5)
  emit(ctx, path, render(fl, format));
  if (!f.out.json_path.empty())
    emit(ctx, f.out.json_path, render(fleet_for(redacts(output_format::json, f.out)), output_format::json));
  return fl.deviations() > 0 ? static_cast<int>(exit_status::failing) : static_cast<int>(exit_status::ok);
}

}  // namespace

command add_merge_command(CLI::App& root, context& ctx) {
  auto flags = std::make_shared<merge_flags>();
  CLI::App* sub = root.add_subcommand(
      "merge", "Merge run reports from many machines into one fleet view (hosts x probes), marking verdicts that "
               "deviate from the majority");
  sub->add_option("reports", flags->paths, "Run reports (JSON), one per host or device")->required();
  add_output_flags(*sub, flags->out, {output_format::text, output_format::markdown, output_format::json},
                   "Write the fleet view to this path, atomically (default '-' = stdout)");
  sub->footer(
      "The majority verdict of a probe is the most frequent one; a tie goes to the better verdict, so the worse "
      "hosts stand out. Driver, toolkit and device differences are listed but do not count as deviations.\n"
      "Exit codes: 0 every host agrees with the majority; 1 some host deviates; 2 usage error, unreadable, "
      "malformed or newer-schema report.");
  return {sub, [flags, &ctx] { return merge_command(*flags, ctx); }};
}

}  // namespace sm121probe::cli
