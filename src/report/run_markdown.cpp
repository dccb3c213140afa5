// Markdown rendering of the run report (render.hpp): made for pasting into a
// forum post or an issue, always under markdown_limit_bytes.
#include "markup.hpp"
#include "sm121probe/report/render.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace sm121probe::report {

namespace {

using namespace markup;

// How much detail fits: each level of render_markdown's loop shrinks these.
struct budget {
  std::size_t log_bytes = 4096;     ///< per log
  bool attributes = true;           ///< device attribute rows
  bool probe_sections = true;       ///< one <details> per non-native probe
  std::size_t max_rows = SIZE_MAX;  ///< verdict table rows
};

// "580.95.05" out of "NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  580.95.05  Release Build ...".
std::string kernel_module_version(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    std::size_t e = i;
    while (e < line.size() && line[e] != ' ') ++e;
    const std::string_view tok = line.substr(i, e - i);
    if (std::count(tok.begin(), tok.end(), '.') >= 1 && !tok.empty() &&
        std::all_of(tok.begin(), tok.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; }) &&
        tok.front() != '.' && tok.back() != '.' && tok.size() >= 5)
      return std::string(tok);
    i = e;
  }
  return {};
}

std::string driver_phrase(const run_report& r) {
  if (!r.driver.available && !r.driver.version)
    return r.driver.error.empty() ? "no driver" : md_text(one_line(r.driver.error, 160));
  std::string s = fmt::format("driver CUDA {}", md_text(r.driver.cuda_version));
  if (const auto km = kernel_module_version(r.driver.nvidia_version_file); !km.empty()) s += fmt::format(" ({})", km);
  return s;
}

std::string full_version(const std::string& api, const library_record& l) {
  return md_text(l.version.empty() ? api : l.version);
}

std::string toolkit_phrase(const run_report& r) {
  return fmt::format("NVRTC {}, nvJitLink {}{}", full_version(r.toolkit.nvrtc_version, r.toolkit.nvrtc),
                     r.toolkit.nvjitlink_version.empty() ? std::string("unavailable")
                                                         : full_version(r.toolkit.nvjitlink_version, r.toolkit.nvjitlink),
                     r.toolkit.pair_mismatch.empty() ? "" : " (**not one toolkit's pair**, see below)");
}

std::string library_cell(const library_record& l) {
  return fmt::format("{} (found by {}; version from {})", md_code(l.path), md_text(l.found_by),
                     md_text(l.version_source));
}

std::string expected_name(const probe_result& p) {
  switch (p.expectation) {
    case expectation_kind::verdict: return std::string(to_string(p.expected));
    case expectation_kind::unknown: return "unknown";
    case expectation_kind::none: break;
  }
  return "-";
}

bool gets_section(const probe_result& p) { return p.result != verdict::native || probe_fails(p) || !p.as_expected; }

std::string counts_phrase(const run_report& r) {
  const auto fails = std::count_if(r.probes.begin(), r.probes.end(), probe_fails);
  std::string s = fmt::format("{} probes: {} native, {} fallback, {} failing, {} skipped", r.probes.size(),
                              r.totals.native, r.totals.fallback, r.totals.failing, r.totals.skipped);
  if (r.totals.unverified > 0) s += fmt::format(", {} unverified", r.totals.unverified);
  if (r.totals.unexpected > 0)
    s += fmt::format("; {} unexpected ({} worse than expected)", r.totals.unexpected, r.totals.worse_than_expected);
  if (r.totals.baseline_deviations > 0) s += fmt::format("; {} `--expect` deviation(s)", r.totals.baseline_deviations);
  s += fails > 0 ? fmt::format("; **{} fail{} the run**", fails, fails == 1 ? "s" : "")
                 : std::string("; nothing fails the run");
  return s;
}

void heading_and_summary(const run_report& r, std::string& out) {
  if (r.mode == run_mode::device && r.device) {
    const device_info& d = *r.device;
    out += fmt::format("### sm121-probe: {} ({})\n\n", md_text(d.name), md_text(r.target));
    const auto sms = d.attribute("multiprocessor_count");
    out += fmt::format("**{}** (compute capability {}.{}, {}{}), {}, {}. {}. Kernels ran on the GPU and their results "
                       "were checked against a CPU reference. sm121-probe {}, {}.\n\n",
                       md_text(d.name), d.cc_major, d.cc_minor, sms ? fmt::format("{} SMs, ", *sms) : "",
                       human_bytes(d.total_memory_bytes), driver_phrase(r), toolkit_phrase(r), counts_phrase(r),
                       md_text(r.tool.version), md_text(r.created));
  } else {
    out += fmt::format("### sm121-probe: offline report for {}\n\n", md_text(r.target));
    out += fmt::format("**Offline report for {}**: nothing ran on a GPU ({}); the verdicts rest on compilation with {} "
                       "and on documented compatibility rules; a verdict marked (SASS) rests on the machine code, (predicted) on "
                       "those rules, (compiles) on compilation alone. {}. sm121-probe {}, {}.\n\n",
                       md_text(r.target), driver_phrase(r), toolkit_phrase(r), counts_phrase(r),
                       md_text(r.tool.version), md_text(r.created));
  }
}

void verdict_table(const run_report& r, const budget& b, std::string& out) {
  const bool baseline_column = std::any_of(r.probes.begin(), r.probes.end(), [](const auto& p) { return p.baseline; });
  out += baseline_column ? "| Probe | Verdict | Expected | `--expect` | Evidence | Key error |\n|---|---|---|---|---|---|\n"
                         : "| Probe | Verdict | Expected | Evidence | Key error |\n|---|---|---|---|---|\n";
  std::size_t rows = 0;
  for (const auto& p : r.probes) {
    if (rows == b.max_rows) break;
    ++rows;
    const std::string v = verdict_cell(p);
    std::string expected = expected_name(p);
    if (p.worse_than_expected) expected += ", **worse**";
    else if (!p.as_expected) expected += ", unexpected";
    std::string base;
    if (p.baseline)
      base = fmt::format("{}{}", p.baseline->ok ? "ok" : "**broken**: ",
                         p.baseline->ok ? "" : fmt::format("{} allows {}", md_code(p.baseline->rule),
                                                           fmt::join(p.baseline->allowed, ", ")));
    out += fmt::format("| {} | {} | {} |{} {} | {} |\n", md_code(p.id), p.result == verdict::native ? v : fmt::format("**{}**", v),
                       expected, baseline_column ? fmt::format(" {} |", base) : "", to_string(p.basis),
                       md_text(one_line(p.reason, 140)));
  }
  if (rows < r.probes.size())
    out += fmt::format("\n_{} more probe{} not shown to stay under 60 KB; the JSON report has all of them._\n",
                       r.probes.size() - rows, r.probes.size() - rows == 1 ? "" : "s");
  out += "\n";
}

void device_section(const run_report& r, const budget& b, std::string& out) {
  out += "<details><summary>Device properties</summary>\n\n";
  if (!r.device) {
    out += fmt::format("No device was probed: this is an offline report for {}.", md_text(r.target));
    if (!r.driver.error.empty()) out += fmt::format(" Driver: {}.", md_text(r.driver.error));
    out += fmt::format(" The driver reports {} device(s).\n\n</details>\n\n", r.driver.device_count);
    return;
  }
  const device_info& d = *r.device;
  out += "| Property | Value |\n|---|---|\n";
  const auto row = [&](std::string_view k, const std::string& v) { out += fmt::format("| {} | {} |\n", k, v); };
  row("Name", md_text(d.name));
  row("Ordinal", std::to_string(d.ordinal));
  row("Compute capability", fmt::format("{}.{}", d.cc_major, d.cc_minor));
  row("UUID", d.uuid.empty() ? "-" : md_code(d.uuid));
  row("PCI bus id", d.pci_bus_id.empty() ? "-" : md_code(d.pci_bus_id));
  row("Total memory", fmt::format("{} ({} bytes)", human_bytes(d.total_memory_bytes), d.total_memory_bytes));
  if (d.free_memory_bytes) row("Free memory (cuMemGetInfo)", human_bytes(*d.free_memory_bytes));
  if (d.system_mem_available_bytes) row("MemAvailable (/proc/meminfo)", human_bytes(*d.system_mem_available_bytes));
  if (!d.memory_note.empty()) row("Memory note", md_text(d.memory_note));
  if (b.attributes) {
    for (const auto& [k, v] : d.attributes) row(md_code(k), v ? std::to_string(*v) : "query failed");
  } else if (!d.attributes.empty()) {
    row("Attributes", fmt::format("{} not shown to stay under 60 KB", d.attributes.size()));
  }
  out += "\n</details>\n\n";
}

void toolchain_section(const run_report& r, std::string& out) {
  out += "<details><summary>Toolchain and host</summary>\n\n| | |\n|---|---|\n";
  const auto row = [&](std::string_view k, const std::string& v) { out += fmt::format("| {} | {} |\n", k, v); };
  if (r.driver.available || r.driver.version) {
    row("Driver", fmt::format("CUDA {}{}, {} device(s)", md_text(r.driver.cuda_version),
                              r.driver.version ? fmt::format(" (cuDriverGetVersion {})", *r.driver.version) : "",
                              r.driver.device_count));
  } else {
    row("Driver", "none");
  }
  if (!r.driver.error.empty()) row("Driver error", md_text(r.driver.error));
  if (!r.driver.nvidia_version_file.empty()) row("Kernel module", md_text(r.driver.nvidia_version_file));
  std::vector<std::string> archs;
  for (const int a : r.toolkit.nvrtc_archs) archs.push_back(std::to_string(a));
  row("NVRTC", fmt::format("{} (targets: {})", full_version(r.toolkit.nvrtc_version, r.toolkit.nvrtc),
                           fmt::join(archs, " ")));
  if (!r.toolkit.nvrtc.empty()) row("NVRTC library", library_cell(r.toolkit.nvrtc));
  row("nvJitLink", r.toolkit.nvjitlink_version.empty()
                       ? "unavailable"
                       : full_version(r.toolkit.nvjitlink_version, r.toolkit.nvjitlink));
  if (!r.toolkit.nvjitlink.empty()) row("nvJitLink library", library_cell(r.toolkit.nvjitlink));
  if (!r.toolkit.nvjitlink_error.empty()) row("nvJitLink error", md_text(r.toolkit.nvjitlink_error));
  if (!r.toolkit.pair_mismatch.empty()) row("Toolkit mismatch", md_text(r.toolkit.pair_mismatch));
  row("Host", fmt::format("{}: {} {} {}", md_code(r.host.hostname), md_text(r.host.os), md_text(r.host.kernel),
                          md_text(r.host.arch)));
  row("Mode", fmt::format("{}, target {}", to_string(r.mode), md_text(r.target)));
  row("Tool", fmt::format("sm121-probe {} (git {})", md_text(r.tool.version), md_text(r.tool.git_sha)));
  std::string cmd;
  for (const auto& a : r.command_line) {
    if (!cmd.empty()) cmd += ' ';
    cmd += a;
  }
  if (!cmd.empty()) row("Command line", md_code(cmd));
  out += "\n</details>\n\n";
}

std::string stage_phrase(const stage_result& s) {
  std::string t = fmt::format("{} {}", to_string(s.stage), s.ok ? "ok" : "**failed**");
  if (!s.error.empty()) t += fmt::format(" {}", md_code(s.error));
  t += fmt::format(" ({:.1f} ms{})", s.ms, s.predicted ? ", predicted" : "");
  return t;
}

void probe_section(const probe_result& p, const budget& b, bool& trimmed, std::string& out) {
  std::string summary = fmt::format("<code>{}</code>: {}", html_text(p.id), to_string(p.result));
  if (p.expectation == expectation_kind::verdict && p.expected != p.result)
    summary += fmt::format(" (expected {})", to_string(p.expected));
  if (probe_fails(p)) summary += ", fails the run";
  if (!p.reason.empty()) summary += fmt::format(" - {}", html_text(one_line(p.reason, 160)));
  out += fmt::format("<details><summary>{}</summary>\n\n", summary);
  out += fmt::format("{} ({}, evidence: {}).\n\n", md_text(p.description), md_text(p.category), to_string(p.basis));
  if (!p.reason.empty()) out += fmt::format("**Reason:** {}\n\n", md_text(one_line(p.reason, 1000)));
  if (p.expectation != expectation_kind::none)
    out += fmt::format("**Expected:** {}{}.\n\n", expected_name(p),
                       p.expected_source.empty() ? "" : fmt::format(" (source: {})", md_text(p.expected_source)));
  if (p.baseline)
    out += fmt::format("**`--expect`:** rule {} allows {}: {}.\n\n", md_code(p.baseline->rule),
                       fmt::join(p.baseline->allowed, ", "), p.baseline->ok ? "ok" : "**broken**");
  if (!p.see_also.empty()) {
    std::vector<std::string> ids;
    for (const auto& s : p.see_also) ids.push_back(md_code(s));
    out += fmt::format("See also: {}.\n\n", fmt::join(ids, ", "));
  }
  for (const auto& a : p.attempts) {
    std::vector<std::string> stages;
    for (const auto& s : a.stages) stages.push_back(stage_phrase(s));
    out += fmt::format("**Attempt {}** ({}{}{}): {}.", md_code(a.variant), md_code(a.target),
                       a.fallback ? ", fallback" : "", a.emulated ? ", emulated" : "",
                       stages.empty() ? std::string("no stages") : fmt::format("{}", fmt::join(stages, ", ")));
    if (a.max_abs_err || a.mismatches)
      out += fmt::format(" Verify: max abs err {}, max rel err {}, {} mismatches.",
                         a.max_abs_err ? fmt::format("{:.3g}", *a.max_abs_err) : "-",
                         a.max_rel_err ? fmt::format("{:.3g}", *a.max_rel_err) : "-",
                         a.mismatches ? std::to_string(*a.mismatches) : "-");
    if (a.sass)
      out += fmt::format(" SASS: {} {}, {} instructions{}.", md_code(a.sass->expected_class),
                         a.sass->expected_found ? "found" : "**not found**", a.sass->instructions,
                         a.sass->note.empty() ? "" : fmt::format(" - {}", md_text(one_line(a.sass->note, 200))));
    out += "\n\n";
    for (const auto& n : a.notes) out += fmt::format("- note: {}\n", md_text(one_line(n, 300)));
    for (const auto& w : a.warnings) out += fmt::format("- warning: {}\n", md_text(one_line(w, 300)));
    if (!a.notes.empty() || !a.warnings.empty()) out += "\n";
    for (const auto& s : a.stages) {
      if (s.ok || s.log.empty()) continue;
      if (b.log_bytes == 0) {
        trimmed = true;
        out += fmt::format("_{} log ({} bytes) left out to stay under 60 KB._\n\n", to_string(s.stage), s.log.size());
        continue;
      }
      out += md_block(trim_log(s.log, b.log_bytes, trimmed));
      out += "\n";
    }
  }
  out += "</details>\n\n";
}

std::string render_with(const run_report& r, const budget& b, bool& trimmed) {
  std::string out;
  heading_and_summary(r, out);
  verdict_table(r, b, out);
  device_section(r, b, out);
  toolchain_section(r, out);
  std::size_t left_out = 0;
  for (const auto& p : r.probes) {
    if (!gets_section(p)) continue;
    if (b.probe_sections) probe_section(p, b, trimmed, out);
    else ++left_out;
  }
  if (left_out > 0)
    out += fmt::format("_Details of {} probe{} left out to stay under 60 KB._\n\n", left_out, left_out == 1 ? "" : "s");
  if (trimmed || left_out > 0 || !b.attributes || b.max_rows != SIZE_MAX) {
    const std::string what = b.log_bytes > 0 && b.probe_sections
                                 ? fmt::format("logs longer than {} were trimmed", human_bytes(b.log_bytes))
                                 : std::string("logs and details were left out");
    out += fmt::format("> Note: {} to keep this under 60 KB; the JSON report (`sm121-probe -o report.json`) has "
                       "everything.\n",
                       what);
  }
  return out;
}

}  // namespace

std::string render_markdown(const run_report& r) {
  static constexpr std::size_t log_levels[] = {4096, 1536, 512, 160, 0};
  std::string out;
  for (const std::size_t level : log_levels) {
    bool trimmed = false;
    out = render_with(r, budget{level, true, true, SIZE_MAX}, trimmed);
    if (out.size() < markdown_limit_bytes) return out;
  }
  // Still too big: many probes. Drop the attribute rows and the probe sections,
  // then halve the table until it fits.
  budget b{0, false, false, SIZE_MAX};
  for (std::size_t rows = r.probes.size();; rows /= 2) {
    b.max_rows = rows;
    bool trimmed = true;
    out = render_with(r, b, trimmed);
    if (out.size() < markdown_limit_bytes || rows == 0) break;
  }
  return markup::cut_markdown(std::move(out), markdown_limit_bytes);  // only absurdly long names reach it
}

}  // namespace sm121probe::report
