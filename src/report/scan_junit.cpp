// JUnit XML rendering of the scan model (scan_formats.hpp).
#include "markup.hpp"
#include "sm121probe/report/scan_formats.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace sm121probe::report {

namespace {

std::string attr(std::string_view s) { return markup::xml_text(s, true); }

bool listed(const binscan::file_result& f) { return f.result != binscan::verdict::no_gpu_code || f.named; }

std::string file_story(const binscan::file_result& f) {
  std::string s = fmt::format("{}: {} ({}, {} bytes)\nreason: {}\n", f.path, binscan::to_string(f.result),
                              binscan::to_string(f.format), f.size_bytes, f.reason);
  s += fmt::format("modules: {} native, {} jit, {} other, {} empty, {} lto-only, {} relocatable\n", f.counts.native,
                   f.counts.jit, f.counts.other, f.counts.empty, f.counts.lto_only, f.counts.link_input);
  if (!f.sass.empty()) s += fmt::format("SASS: {}\n", fmt::join(f.sass, " "));
  for (const auto& p : f.ptx) s += fmt::format("PTX: {} (ISA {})\n", p.arch, p.isa);
  if (!f.lto_ir.empty()) s += fmt::format("LTO-IR: {}\n", fmt::join(f.lto_ir, " "));
  for (const auto& w : f.warnings) s += fmt::format("warning: {}\n", w);
  return s;
}

std::string package_story(const binscan::package_result& p) {
  std::string s = fmt::format("{} {}: {} ({})\nreason: {}\nfiles: {} ({} native, {} fallback, {} failing, {} unreadable)\n",
                              p.name, p.version.empty() ? "-" : p.version, binscan::to_string(p.result),
                              binscan::to_string(p.how), p.reason, p.files, p.native, p.fallback, p.failing, p.error);
  if (p.alternatives)
    for (const auto& o : p.alternatives->others) s += fmt::format("not loaded (alternative): {}\n", o);
  if (!p.runtime_compile.empty()) s += fmt::format("compiles at run time: {}\n", p.runtime_compile);
  return s;
}

}  // namespace

std::string render_scan_junit(const binscan::scan_report& r) {
  const bool by_package = r.package_view;
  std::size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  std::size_t pkg_failures = 0, pkg_errors = 0;
  for (const auto& p : r.packages) {
    if (p.result == binscan::package_verdict::failing) ++pkg_failures;
    if (p.result == binscan::package_verdict::error) ++pkg_errors;
  }
  for (const auto& f : r.files) {
    if (!listed(f)) continue;
    ++tests;
    if (by_package) continue;  // files only inform; the packages pass or fail
    if (f.result == binscan::verdict::failing) ++failures;
    else if (f.result == binscan::verdict::error) ++errors;
    else if (f.result == binscan::verdict::no_gpu_code) ++skipped;
  }
  const std::string target = sass_name(r.target.device.base());
  const auto limit = max_ptx_isa_for(r.target.driver);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"sm121-probe scan\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
                     "time=\"0.000\">\n",
                     tests + r.packages.size(), failures + pkg_failures, errors + pkg_errors, skipped);
  if (by_package) {
    out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" "
                       "time=\"0.000\">\n",
                       attr(fmt::format("sm121-probe scan packages {} (driver CUDA {})", target,
                                        to_string(r.target.driver))),
                       r.packages.size(), pkg_failures, pkg_errors);
    for (const auto& p : r.packages) {
      out += fmt::format("    <testcase name=\"{}\" classname=\"package\" time=\"0.000\">\n",
                         attr(p.version.empty() ? p.name : p.name + " " + p.version));
      if (p.result == binscan::package_verdict::failing)
        out += fmt::format("      <failure message=\"{}\" type=\"failing\">{}</failure>\n", attr(p.reason),
                           markup::xml_text(package_story(p)));
      else if (p.result == binscan::package_verdict::error)
        out += fmt::format("      <error message=\"{}\" type=\"unreadable\">{}</error>\n", attr(p.reason),
                           markup::xml_text(package_story(p)));
      else
        out += fmt::format("      <system-out>{}</system-out>\n", markup::xml_text(package_story(p)));
      out += "    </testcase>\n";
    }
    for (const auto& fd : r.findings)
      out += fmt::format("    <system-err>{}</system-err>\n",
                         markup::xml_text(fmt::format("warning [{}]: {}", fd.kind, fd.message)));
    out += "  </testsuite>\n";
  }
  out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" "
                     "time=\"0.000\">\n",
                     attr(fmt::format("sm121-probe scan {} (driver CUDA {})", target, to_string(r.target.driver))),
                     tests, failures, errors, skipped);
  out += "    <properties>\n";
  const auto prop = [&](std::string_view name, std::string_view value) {
    out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", attr(name), attr(value));
  };
  prop("target", target);
  prop("target_source", r.target_source);
  prop("driver_cuda", to_string(r.target.driver));
  prop("driver_cuda_source", r.driver_source);
  prop("max_ptx_isa", limit ? to_string(limit->isa) : std::string("unknown"));
  if (limit && !limit->exact) prop("max_ptx_isa_assumed", describe_ptx_limit(r.target.driver));
  prop("grouping", binscan::to_string(r.group_by));
  for (const auto& root : r.roots) prop("root", root);
  out += "    </properties>\n";
  for (const auto& f : r.files) {
    if (!listed(f)) continue;
    out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"0.000\">\n", attr(f.path),
                       attr(f.group.empty() ? "." : f.group));
    switch (by_package && (f.result == binscan::verdict::failing || f.result == binscan::verdict::error)
                ? binscan::verdict::native  // told, not failed: the package testcase decides
                : f.result) {
      case binscan::verdict::failing:
        out += fmt::format("      <failure message=\"{}\" type=\"failing\">{}</failure>\n", attr(f.reason),
                           markup::xml_text(file_story(f)));
        break;
      case binscan::verdict::error:
        out += fmt::format("      <error message=\"{}\" type=\"unreadable\">{}</error>\n", attr(f.reason),
                           markup::xml_text(file_story(f)));
        break;
      case binscan::verdict::no_gpu_code:
        out += fmt::format("      <skipped message=\"{}\"/>\n", attr(f.reason.empty() ? "no GPU code" : f.reason));
        break;
      case binscan::verdict::native:
      case binscan::verdict::fallback:
        out += fmt::format("      <system-out>{}</system-out>\n", markup::xml_text(file_story(f)));
        break;
    }
    out += "    </testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

}  // namespace sm121probe::report
