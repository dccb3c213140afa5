#include "output.hpp"

#include "sm121probe/report/json.hpp"
#include "sm121probe/util/io.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <ostream>
#include <vector>

namespace sm121probe::cli {

std::string_view to_string(output_format f) {
  switch (f) {
    case output_format::text: return "text";
    case output_format::json: return "json";
    case output_format::markdown: return "markdown";
    case output_format::junit: return "junit";
  }
  return "text";
}

void add_output_flags(CLI::App& sub, output_flags& flags, std::initializer_list<output_format> formats,
                      const std::string& output_help) {
  std::vector<std::string_view> names;
  for (const auto f : formats) names.push_back(to_string(f));
  sub.add_option("--format", flags.format, fmt::format("Output format: {}", fmt::join(names, " | ")))
      ->check(non_empty());
  sub.add_option("-o,--output", flags.output, output_help)->check(non_empty());
  sub.add_option("--json", flags.json_path, "Also write the JSON form to this path ('-' = stdout), whatever --format is")
      ->check(non_empty());
  auto* redact = sub.add_flag("--redact", flags.redact,
                              "Replace host names, user names, home paths, GPU UUIDs, PCI bus ids and serials by "
                              "placeholders in every output (markdown does this by default)");
  auto* keep = sub.add_flag("--no-redact", flags.no_redact, "Keep those values in markdown output");
  redact->excludes(keep);
}

output_format parse_format(const std::string& text, std::initializer_list<output_format> allowed) {
  std::vector<std::string_view> names;
  for (const auto f : allowed) {
    if (to_string(f) == text) return f;
    names.push_back(to_string(f));
  }
  std::string choices;
  for (std::size_t i = 0; i < names.size(); ++i)
    choices += fmt::format("{}{}", i == 0 ? "" : (i + 1 == names.size() ? " or " : ", "), names[i]);
  throw usage_error(fmt::format("invalid --format '{}': expected {}", text, choices));
}

output_format format_from_extension(const std::string& path) {
  const auto ends = [&](std::string_view ext) {
    return path.size() >= ext.size() && path.compare(path.size() - ext.size(), ext.size(), ext) == 0;
  };
  if (ends(".md") || ends(".markdown")) return output_format::markdown;
  if (ends(".xml")) return output_format::junit;
  if (ends(".txt")) return output_format::text;
  return output_format::json;
}

bool redacts(output_format f, const output_flags& flags) {
  if (flags.redact) return true;
  return f == output_format::markdown && !flags.no_redact;
}

CLI::Validator non_empty() {
  return CLI::Validator(
      [](std::string& value) { return value.empty() ? std::string("an empty value is not allowed") : std::string(); },
      "", "NONEMPTY");
}

void write_checked(std::ostream& os, std::string_view text, std::string_view what) {
  errno = 0;
  os << text << std::flush;
  if (os) return;
  const int err = errno;
  const std::string msg = fmt::format("cannot write {}: {}", what, err ? util::errno_message(err) : "write error");
  if (err == EPIPE) throw util::broken_pipe(msg);
  throw util::io_error(msg);
}

void emit(context& ctx, const std::string& path, std::string_view text) {
  if (util::is_stdout(path)) {
    write_checked(ctx.out, text, "to standard output");
    return;
  }
  util::write_output(path, text);
}

void check_outputs(std::initializer_list<std::pair<std::string_view, std::string>> outputs) {
  const std::vector<std::pair<std::string_view, std::string>> list(outputs);
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].second.empty()) continue;
    for (std::size_t k = i + 1; k < list.size(); ++k)
      if (util::same_output(list[i].second, list[k].second))
        throw usage_error(util::is_stdout(list[i].second)
                              ? fmt::format("{} and {} both write to stdout: give one of them a file", list[i].first,
                                            list[k].first)
                              : fmt::format("{} and {} name the same file '{}': give each its own path",
                                            list[i].first, list[k].first, list[i].second));
  }
  for (const auto& [flag, path] : list)
    if (!path.empty()) (void)util::check_output(path);
}

report::run_report load_run_report(const std::string& path) {
  const std::string text = util::read_file(path, util::max_report_bytes);
  try {
    return report::parse_run_report(text);
  } catch (const report::report_error& e) {
    // A scan report is a common mix-up: say so instead of naming a missing field.
    const auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_object() && j.contains("files") && j.contains("roots") && !j.contains("probes"))
      throw usage_error(fmt::format("'{}' is a scan report; compare, merge and --expect need run reports", path));
    throw usage_error(fmt::format("'{}': {}", path, e.what()));
  }
}

}  // namespace sm121probe::cli
