// Text, markdown and JUnit rendering of the doctor model (doctor_render.hpp).
#include "markup.hpp"
#include "sm121probe/report/doctor_render.hpp"
#include "sm121probe/report/scan_render.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sm121probe::report {

namespace {

using doctor::severity;

std::string targets_line(const doctor::tool_record& t) {
  std::string s;
  for (const auto& c : t.targets) s += fmt::format("{}{} {}", s.empty() ? "" : ", ", c.target, c.accepted ? "ok" : "REJECTED");
  return s;
}

std::string indent(std::string_view text, std::string_view pad) {
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string lead = pos == 0 ? std::string(pad) : std::string(pad.size(), ' ');
    out += fmt::format("{}{}\n", lead, escape_for_text(text.substr(pos, nl - pos)));
    pos = nl + 1;
  }
  return out;
}

std::string opt_size(const std::optional<std::uint64_t>& v) { return v ? markup::human_bytes(*v) : "-"; }
std::string opt_ms(const std::optional<double>& v) { return v ? fmt::format("{:.1f} ms", *v) : "-"; }

std::string summary_line(const doctor::doctor_report& r) {
  const auto c = doctor::count(r);
  return fmt::format("{} error{}, {} warning{}, {} info", c.error, c.error == 1 ? "" : "s", c.warn,
                     c.warn == 1 ? "" : "s", c.info);
}

}  // namespace

std::string render_doctor_text(const doctor::doctor_report& r) {
  std::string out = fmt::format("sm121-probe doctor: target {} ({}), driver CUDA {} ({})\n", r.target, r.target_source,
                                r.driver_cuda.empty() ? "unknown" : r.driver_cuda, r.driver_source);
  out += fmt::format("Python: {}{}\n", r.python.empty() ? "none" : escape_for_text(r.python),
                     r.python_version.empty() ? "" : " " + r.python_version);
  out += fmt::format("Findings: {}\n\n", summary_line(r));
  for (const auto& f : r.findings) {
    out += fmt::format("[{}] {}: {}\n", doctor::to_string(f.level), f.id, escape_for_text(f.summary));
    if (!f.observed.empty()) out += indent(f.observed, "    observed: ");
    if (!f.why.empty()) out += fmt::format("    why: {}\n", escape_for_text(f.why));
    if (!f.fix.empty()) out += fmt::format("    fix: {}\n", escape_for_text(f.fix));
  }
  if (!r.tools.empty()) {
    out += "\nCompilers and JITs:\n";
    for (const auto& t : r.tools) {
      out += fmt::format("  {:<9} {} {}{}\n", doctor::to_string(t.kind), escape_for_text(t.path),
                         t.version.empty() ? "" : fmt::format("[{}] ", t.version),
                         t.used_by_triton ? "(used by Triton)" : "");
      out += fmt::format("            origin: {}\n", escape_for_text(t.origin));
      if (!t.error.empty()) out += fmt::format("            error: {}\n", escape_for_text(t.error));
      if (!t.targets.empty()) out += fmt::format("            targets: {}\n", targets_line(t));
      if (!t.ptx_isa.empty()) out += fmt::format("            PTX ISA: {}\n", t.ptx_isa);
    }
  }
  if (!r.packages.empty()) {
    out += "\nPython packages:\n";
    for (const auto& p : r.packages)
      out += fmt::format("  {} {}{}{}\n", escape_for_text(p.name), escape_for_text(p.version),
                         p.cuda.empty() ? "" : fmt::format(" (CUDA {})", escape_for_text(p.cuda)),
                         p.note.empty() ? "" : fmt::format(": {}", escape_for_text(p.note)));
  }
  out += "\nEnvironment:\n";
  for (const auto& e : r.environment)
    out += fmt::format("  {:<22} {}\n", e.name,
                       e.set ? fmt::format("= {}", escape_for_text(e.value)) : fmt::format("unset (default: {})", e.default_value));
  if (r.device) {
    const auto& d = *r.device;
    out += fmt::format("\nDevice: {} (cc {}), driver CUDA {}\n", escape_for_text(d.name), d.cc, d.driver_cuda);
    if (!d.error.empty()) out += fmt::format("  error: {}\n", escape_for_text(d.error));
    out += fmt::format("  memory: cuMemGetInfo free {} of {}; /proc/meminfo MemAvailable {} of {}; NVML {} ({} free of {})\n",
                       opt_size(d.memory.cuda_free), opt_size(d.memory.cuda_total), opt_size(d.memory.meminfo_available),
                       opt_size(d.memory.meminfo_total), d.memory.nvml_status, opt_size(d.memory.nvml_free),
                       opt_size(d.memory.nvml_total));
    out += fmt::format("  largest single allocation: {} (searched up to {})\n", opt_size(d.memory.largest_allocation),
                       markup::human_bytes(d.memory.allocation_limit));
    out += fmt::format("  kernel load: cubin {}, PTX cold {}, PTX again {}{}\n", opt_ms(d.jit.cubin_ms),
                       opt_ms(d.jit.ptx_cold_ms), opt_ms(d.jit.ptx_warm_ms),
                       d.jit.error.empty() ? "" : fmt::format(" ({})", escape_for_text(d.jit.error)));
  }
  return out;
}

std::string render_doctor_markdown(const doctor::doctor_report& r, int heading_level) {
  using markup::md_code;
  using markup::md_text;
  constexpr std::size_t limit = 60 * 1024;
  const std::string h(static_cast<std::size_t>(std::clamp(heading_level, 1, 6)), '#');
  std::string out = fmt::format("{} sm121-probe doctor: {}\n\n", h, md_text(r.target));
  out += fmt::format("Target **{}** ({}), driver CUDA {} ({}); Python {}. **{}**.\n\n", md_text(r.target),
                     md_text(r.target_source), r.driver_cuda.empty() ? "unknown" : md_text(r.driver_cuda),
                     md_text(r.driver_source),
                     r.python.empty() ? "none" : fmt::format("{} {}", md_code(r.python), md_text(r.python_version)),
                     summary_line(r));
  if (!r.findings.empty()) {
    out += "| Severity | Id | Finding | Fix |\n|---|---|---|---|\n";
    for (const auto& f : r.findings) {
      const std::string sev(doctor::to_string(f.level));
      out += fmt::format("| {} | {} | {} | {} |\n", f.level == severity::error ? fmt::format("**{}**", sev) : sev,
                         md_code(f.id), md_text(markup::one_line(f.summary, 300)),
                         f.fix.empty() ? "-" : md_code(markup::one_line(f.fix, 300)));
    }
    out += "\n<details><summary>What was observed, and why it matters</summary>\n\n";
    for (const auto& f : r.findings) {
      out += fmt::format("**{}** ({}): {}\n\n", md_code(f.id), doctor::to_string(f.level), md_text(markup::one_line(f.why, 600)));
      if (!f.observed.empty()) {
        bool trimmed = false;
        out += markup::md_block(markup::trim_log(f.observed, 2000, trimmed));
        out += "\n";
      }
    }
    out += "</details>\n\n";
  }
  if (!r.tools.empty()) {
    out += "<details><summary>Compilers and JITs</summary>\n\n| Tool | Path | Origin | Version | Targets | PTX ISA |\n"
           "|---|---|---|---|---|---|\n";
    for (const auto& t : r.tools)
      out += fmt::format("| {}{} | {} | {} | {} | {} | {} |\n", doctor::to_string(t.kind),
                         t.used_by_triton ? " (Triton)" : "", md_code(t.path), md_text(markup::one_line(t.origin, 200)),
                         t.version.empty() ? "-" : md_text(t.version),
                         t.error.empty() ? md_text(targets_line(t)) : md_text(markup::one_line(t.error, 200)),
                         t.ptx_isa.empty() ? "-" : md_text(t.ptx_isa));
    out += "\n</details>\n\n";
  }
  if (!r.packages.empty()) {
    out += "<details><summary>Python packages</summary>\n\n| Package | Version | CUDA | Note |\n|---|---|---|---|\n";
    for (const auto& p : r.packages)
      out += fmt::format("| {} | {} | {} | {} |\n", md_code(p.name), md_text(p.version),
                         p.cuda.empty() ? "-" : md_text(p.cuda), p.note.empty() ? "-" : md_text(markup::one_line(p.note, 300)));
    out += "\n</details>\n\n";
  }
  out += "<details><summary>Environment variables</summary>\n\n| Variable | Value | Default |\n|---|---|---|\n";
  for (const auto& e : r.environment)
    out += fmt::format("| {} | {} | {} |\n", md_code(e.name), e.set ? md_code(e.value) : "unset",
                       md_text(e.default_value));
  out += "\n</details>\n\n";
  if (r.device) {
    const auto& d = *r.device;
    out += fmt::format("Device {} (cc {}), driver CUDA {}: memory free per cuMemGetInfo {} of {}, MemAvailable {} of {}, "
                       "NVML {}; largest single allocation {}; kernel load cubin {}, PTX cold {}, PTX again {}.\n\n",
                       md_text(d.name), md_text(d.cc), md_text(d.driver_cuda), opt_size(d.memory.cuda_free),
                       opt_size(d.memory.cuda_total), opt_size(d.memory.meminfo_available),
                       opt_size(d.memory.meminfo_total), md_text(d.memory.nvml_status),
                       opt_size(d.memory.largest_allocation), opt_ms(d.jit.cubin_ms), opt_ms(d.jit.ptx_cold_ms),
                       opt_ms(d.jit.ptx_warm_ms));
  }
  return markup::cut_markdown(std::move(out), limit);
}

std::string render_doctor_junit(const doctor::doctor_report& r) {
  const auto attr = [](std::string_view s) { return markup::xml_text(s, true); };
  const auto c = doctor::count(r);
  const std::size_t tests = r.findings.size();
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"sm121-probe doctor\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" "
                     "time=\"0.000\">\n",
                     tests, c.error);
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"0.000\">\n",
                     attr(fmt::format("sm121-probe doctor {}", r.target)), tests, c.error);
  out += "    <properties>\n";
  const auto prop = [&](std::string_view name, std::string_view value) {
    out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", attr(name), attr(value));
  };
  prop("target", r.target);
  prop("driver_cuda", r.driver_cuda.empty() ? "unknown" : r.driver_cuda);
  prop("python", r.python);
  out += "    </properties>\n";
  for (const auto& f : r.findings) {
    const std::string story = fmt::format("{}\nobserved: {}\nwhy: {}\nfix: {}\n", f.summary, f.observed, f.why, f.fix);
    out += fmt::format("    <testcase classname=\"doctor.{}\" name=\"{}\" time=\"0.000\">\n",
                       attr(doctor::to_string(f.level)), attr(f.id));
    if (f.level == severity::error)
      out += fmt::format("      <failure message=\"{}\" type=\"error\">{}</failure>\n", attr(markup::one_line(f.summary, 300)),
                         markup::xml_text(story));
    else
      out += fmt::format("      <system-out>{}</system-out>\n", markup::xml_text(story));
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace sm121probe::report
