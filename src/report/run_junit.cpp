// JUnit XML rendering of the run report (render.hpp).
#include "markup.hpp"
#include "sm121probe/report/render.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace sm121probe::report {

namespace {

using markup::xml_text;

// Largest log kept per failed stage inside <failure> / <system-out>.
constexpr std::size_t junit_log_bytes = 8192;

double seconds(const probe_result& p) {
  double ms = 0;
  for (const auto& a : p.attempts)
    for (const auto& s : a.stages) ms += s.ms;
  return ms / 1000.0;
}

std::string attr(std::string_view s) { return xml_text(s, true); }

// JUnit timestamps carry no zone (xs:dateTime without one in the common XSDs); ours are UTC.
std::string junit_timestamp(std::string_view created) {
  std::string t(created);
  if (!t.empty() && t.back() == 'Z') t.pop_back();
  return t;
}

std::string expected_text(const probe_result& p) {
  switch (p.expectation) {
    case expectation_kind::verdict: return std::string(to_string(p.expected));
    case expectation_kind::unknown: return "unknown";
    case expectation_kind::none: break;
  }
  return "none";
}

// Plain-text account of a probe: verdict, reason, attempts with their stages and failed-stage logs.
std::string probe_story(const probe_result& p) {
  std::string s = fmt::format("{}: {} (evidence: {}; expected: {}", p.id, to_string(p.result), to_string(p.basis),
                              expected_text(p));
  if (p.baseline)
    s += fmt::format("; --expect rule '{}' allows {}: {}", p.baseline->rule, fmt::join(p.baseline->allowed, ", "),
                     p.baseline->ok ? "ok" : "broken");
  s += ")\n";
  if (!p.reason.empty()) s += fmt::format("reason: {}\n", p.reason);
  for (const auto& a : p.attempts) {
    s += fmt::format("attempt {} ({}{}{}):", a.variant, a.target, a.fallback ? ", fallback" : "",
                     a.emulated ? ", emulated" : "");
    for (const auto& st : a.stages)
      s += fmt::format(" {} {}{}{};", to_string(st.stage), st.ok ? "ok" : "FAILED",
                       st.error.empty() ? "" : fmt::format(" {}", st.error), st.predicted ? " (predicted)" : "");
    s += "\n";
    for (const auto& n : a.notes) s += fmt::format("  note: {}\n", n);
    for (const auto& w : a.warnings) s += fmt::format("  warning: {}\n", w);
    for (const auto& st : a.stages) {
      if (st.ok || st.log.empty()) continue;
      bool trimmed = false;
      s += fmt::format("  {} log:\n{}\n", to_string(st.stage), markup::trim_log(st.log, junit_log_bytes, trimmed));
    }
  }
  return s;
}

std::string suite_name(const run_report& r) {
  if (r.mode == run_mode::device && r.device)
    return fmt::format("sm121-probe {} (device {}, {})", r.device->name, r.device->ordinal, r.target);
  return fmt::format("sm121-probe offline {}", r.target);
}

}  // namespace

std::string render_junit(const run_report& r) {
  std::size_t failures = 0, skipped = 0;
  double total_s = 0;
  for (const auto& p : r.probes) {
    if (probe_fails(p)) ++failures;
    else if (p.result == verdict::skipped || p.result == verdict::unverified) ++skipped;
    total_s += seconds(p);
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"sm121-probe\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" "
                     "time=\"{:.3f}\">\n",
                     r.probes.size(), failures, skipped, total_s);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" "
                     "time=\"{:.3f}\" timestamp=\"{}\" hostname=\"{}\">\n",
                     attr(suite_name(r)), r.probes.size(), failures, skipped, total_s,
                     attr(junit_timestamp(r.created)), attr(r.host.hostname));
  out += "    <properties>\n";
  const auto prop = [&](std::string_view name, std::string_view value) {
    out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", attr(name), attr(value));
  };
  prop("mode", to_string(r.mode));
  prop("target", r.target);
  if (r.device) {
    prop("device", r.device->name);
    prop("device.ordinal", std::to_string(r.device->ordinal));
    prop("device.compute_capability", fmt::format("{}.{}", r.device->cc_major, r.device->cc_minor));
    prop("device.uuid", r.device->uuid);
    prop("device.pci_bus_id", r.device->pci_bus_id);
    prop("device.total_memory_bytes", std::to_string(r.device->total_memory_bytes));
  }
  prop("driver", r.driver.available || r.driver.version ? fmt::format("CUDA {}", r.driver.cuda_version) : std::string("none"));
  if (r.driver.version) prop("driver.version", std::to_string(*r.driver.version));
  if (!r.driver.error.empty()) prop("driver.error", r.driver.error);
  if (!r.driver.nvidia_version_file.empty()) prop("driver.kernel_module", r.driver.nvidia_version_file);
  prop("toolkit.nvrtc", r.toolkit.nvrtc_version);
  prop("toolkit.nvjitlink", r.toolkit.nvjitlink_version.empty() ? "unavailable" : r.toolkit.nvjitlink_version);
  for (const auto& [key, l] : {std::pair<const char*, const library_record&>{"toolkit.nvrtc", r.toolkit.nvrtc},
                               std::pair<const char*, const library_record&>{"toolkit.nvjitlink", r.toolkit.nvjitlink}})
    if (!l.empty()) {
      prop(fmt::format("{}.path", key), l.path);
      prop(fmt::format("{}.version", key), l.version);
    }
  if (!r.toolkit.pair_mismatch.empty()) prop("toolkit.pair_mismatch", r.toolkit.pair_mismatch);
  prop("host.os", fmt::format("{} {} {}", r.host.os, r.host.kernel, r.host.arch));
  prop("tool.version", r.tool.version);
  prop("tool.git_sha", r.tool.git_sha);
  prop("created", r.created);
  out += "    </properties>\n";

  for (const auto& p : r.probes) {
    out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3f}\">\n", attr(p.id), attr(p.category),
                       seconds(p));
    const std::string story = probe_story(p);
    if (probe_fails(p)) {
      const bool by_rule = p.baseline.has_value();
      const std::string message =
          by_rule ? fmt::format("{}: --expect rule '{}' allows {}", to_string(p.result), p.baseline->rule,
                                fmt::join(p.baseline->allowed, ", "))
                  : fmt::format("{}, expected {}", to_string(p.result), expected_text(p));
      out += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n", attr(message),
                         by_rule ? "expect_rule_broken" : "worse_than_expected", xml_text(story));
    } else {
      if (p.result == verdict::skipped)
        out += fmt::format("      <skipped message=\"{}\"/>\n", attr(p.reason.empty() ? "skipped" : p.reason));
      else if (p.result == verdict::unverified)
        out += fmt::format("      <skipped message=\"{}\"/>\n", attr("unverified: " + p.reason));
      out += fmt::format("      <system-out>{}</system-out>\n", xml_text(story));
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace sm121probe::report
