#include "sm121probe/report/render.hpp"
#include "sm121probe/report/scan_render.hpp"

#include "markup.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <ostream>
#include <string_view>
#include <vector>

namespace sm121probe::report {

namespace {

constexpr const char* kReset = "\x1b[0m";

const char* colour_of(verdict v) {
  switch (v) {
    case verdict::native: return "\x1b[32m";    // green
    case verdict::fallback: return "\x1b[33m";  // yellow
    case verdict::failing: return "\x1b[31m";   // red
    case verdict::skipped: return "\x1b[90m";   // grey
    case verdict::unverified: return "\x1b[35m";  // magenta
  }
  return "";
}

std::string gib(std::uint64_t b) { return fmt::format("{:.1f} GiB", static_cast<double>(b) / (1ull << 30)); }

// Report text for the terminal: one line, control characters made visible
// (a crafted probe id or host name must not rewrite the terminal).
std::string one_line(std::string_view raw, std::size_t max = std::string::npos) {
  std::string s = markup::escape_controls(to_valid_utf8(raw), "\n");
  std::replace(s.begin(), s.end(), '\n', ' ');
  if (s.size() > max) s = s.substr(0, max - 3) + "...";
  return s;
}

}  // namespace

bool probe_fails(const probe_result& p) { return p.baseline ? !p.baseline->ok : p.worse_than_expected; }

bool run_failed(const run_report& r) { return std::any_of(r.probes.begin(), r.probes.end(), probe_fails); }

void render_text(const run_report& r, std::ostream& os, const text_options& opts) {
  os << fmt::format("sm121-probe {} ({})\n", one_line(r.tool.version), one_line(r.created));
  if (r.mode == run_mode::device && r.device) {
    const device_info& d = *r.device;
    const auto sms = d.attribute("multiprocessor_count");
    os << fmt::format("Device {}: {} (compute capability {}.{}, {}{}), target {}\n", d.ordinal, one_line(d.name), d.cc_major,
                      d.cc_minor, sms ? fmt::format("{} SMs, ", *sms) : "", gib(d.total_memory_bytes),
                      one_line(r.target));
    if (!d.memory_note.empty()) os << "Note: " << one_line(d.memory_note) << '\n';
  } else {
    os << fmt::format("OFFLINE report for {}: compile-only evidence, nothing ran on a GPU.\n", one_line(r.target));
  }
  os << fmt::format("Driver: {}", r.driver.available || r.driver.version
                                      ? fmt::format("CUDA {}{}", one_line(r.driver.cuda_version),
                                                    r.driver.nvidia_version_file.empty()
                                                        ? ""
                                                        : " (" + one_line(r.driver.nvidia_version_file) + ")")
                                  : r.driver.cuda_version.empty()
                                      ? std::string("none")
                                      : fmt::format("none; PTX checked against an assumed CUDA {} driver",
                                                    one_line(r.driver.cuda_version)));
  if (!r.driver.error.empty()) os << " - " << one_line(r.driver.error);
  const auto version = [](const std::string& api, const library_record& l) {
    return one_line(l.version.empty() ? api : l.version);
  };
  os << fmt::format(" | NVRTC {} | nvJitLink {}\n", version(r.toolkit.nvrtc_version, r.toolkit.nvrtc),
                    r.toolkit.nvjitlink_version.empty() ? std::string("unavailable")
                                                        : version(r.toolkit.nvjitlink_version, r.toolkit.nvjitlink));
  // Which files: the toolkit is chosen at run time (README.md "Choosing a toolkit").
  for (const auto& [title, l] : {std::pair<const char*, const library_record&>{"NVRTC", r.toolkit.nvrtc},
                                 std::pair<const char*, const library_record&>{"nvJitLink", r.toolkit.nvjitlink}})
    if (!l.empty())
      os << fmt::format("  {} {}: {} (found by {}; version from {})\n", title, one_line(l.version), one_line(l.path),
                        one_line(l.found_by), one_line(l.version_source));
  if (!r.toolkit.pair_mismatch.empty()) os << "  Toolkit mismatch: " << one_line(r.toolkit.pair_mismatch) << '\n';
  os << '\n';

  std::vector<std::string> ids;
  for (const auto& p : r.probes) ids.push_back(one_line(p.id));
  std::size_t id_w = 5;
  for (const auto& id : ids) id_w = std::max(id_w, id.size());
  const std::size_t v_w = r.mode == run_mode::offline ? 20 : 10;
  os << fmt::format("{:<{}}  {:<{}}  {:<9}  {:<8}  {}\n", "PROBE", id_w, "VERDICT", v_w, "EXPECTED", "EVIDENCE",
                    "KEY ERROR");
  for (std::size_t i = 0; i < r.probes.size(); ++i) {
    const probe_result& p = r.probes[i];
    const std::string v = fmt::format("{:<{}}", verdict_cell(p), v_w);
    std::string expected = p.expectation == expectation_kind::verdict   ? std::string(to_string(p.expected))
                           : p.expectation == expectation_kind::unknown ? "unknown"
                                                                        : "-";
    if (probe_fails(p)) expected += " !";
    else if (!p.as_expected) expected += " *";
    os << fmt::format("{:<{}}  {}{}{}  {:<9}  {:<8}  {}\n", ids[i], id_w, opts.color ? colour_of(p.result) : "", v,
                      opts.color ? kReset : "", expected, to_string(p.basis), one_line(p.reason, 100));
  }
  bool header = false;
  for (const auto& p : r.probes) {
    if (!p.baseline || p.baseline->ok) continue;
    if (!header) os << "\nBroken --expect rules:\n";
    header = true;
    os << fmt::format("  {}: {}, but rule '{}' allows {}\n", one_line(p.id), to_string(p.result),
                      one_line(p.baseline->rule), one_line(fmt::format("{}", fmt::join(p.baseline->allowed, ", "))));
  }
  const auto failing_run = std::count_if(r.probes.begin(), r.probes.end(), probe_fails);
  os << fmt::format("\n{} probes: {} native, {} fallback, {} failing, {} skipped", r.probes.size(), r.totals.native,
                    r.totals.fallback, r.totals.failing, r.totals.skipped);
  if (r.totals.unverified > 0) os << fmt::format(", {} unverified", r.totals.unverified);
  if (r.totals.unexpected > 0)
    os << fmt::format("; {} unexpected ({} worse than expected)", r.totals.unexpected, r.totals.worse_than_expected);
  if (r.totals.baseline_deviations > 0) os << fmt::format("; {} --expect deviation(s)", r.totals.baseline_deviations);
  if (failing_run > 0) os << fmt::format("; {} fail{} the run (marked !)", failing_run, failing_run == 1 ? "s" : "");
  os << (r.mode == run_mode::offline ? " (offline: compile evidence only)\n" : "\n");
  if (r.mode == run_mode::offline)
    os << "Offline verdicts: (SASS) = compiled, and the SASS shows the hardware instruction (or its emulation); "
          "(predicted) = compiled, loading predicted from documented rules; (compiles) = compiled, nothing more. "
          "Nothing ran on a GPU.\n";
}

}  // namespace sm121probe::report
