#include "sm121probe/report/scan_render.hpp"

#include "markup.hpp"

#include <fmt/format.h>

#include <sstream>
#include <fmt/ostream.h>

#include <algorithm>
#include <ostream>

namespace sm121probe::report {

namespace {

std::string human_bytes(std::uint64_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  if (n < 1024 * 1024) return fmt::format("{:.1f} KiB", static_cast<double>(n) / 1024.0);
  return fmt::format("{:.1f} MiB", static_cast<double>(n) / (1024.0 * 1024.0));
}

std::string entry_text(const binscan::fatbin_entry& e) {
  std::string s = e.name();
  if (e.isa) s += fmt::format(" ISA {}", to_string(*e.isa));
  if (e.comp == binscan::compression::none)
    s += fmt::format(" [{}]", human_bytes(e.payload_size));
  else
    s += fmt::format(" [{} {} -> {}]", binscan::to_string(e.comp), human_bytes(e.compressed_size),
                     human_bytes(e.uncompressed_size));
  return s;
}

void print_details(const binscan::file_result& f, std::ostream& out) {
  for (const auto& c : f.containers) {
    std::vector<std::string> entries;
    for (const auto& e : c.container.entries) entries.push_back(entry_text(e));
    std::string cls(binscan::to_string(c.cls));
    if (c.stub) cls += " (stub)";
    fmt::print(out, "      0x{:08x}  {:<16} {:<16} {}\n", c.container.offset,
               c.section.empty() ? "-" : escape_for_text(c.section), cls,
               entries.empty() ? std::string("(no images)") : fmt::format("{}", fmt::join(entries, ", ")));
  }
}

/// The package table (--python): one row per package with GPU code, failing first,
/// then the environment's warnings.
void print_packages(const binscan::scan_report& report, std::ostream& out) {
  const std::string target = sass_name(report.target.device.base());
  if (report.packages.empty()) {
    fmt::print(out, "No installed package carries GPU code.\n\n");
  } else {
    std::size_t width = 7;
    for (const auto& p : report.packages) width = std::max(width, escape_for_text(p.name).size());
    width = std::min<std::size_t>(width, 40);
    fmt::print(out, "Packages with GPU code ({}), by installed distribution, for {}:\n", report.packages.size(), target);
    fmt::print(out, "{:<20} {:<16} {:<{}} {}\n", "VERDICT", "HOW", "PACKAGE", width, "VERSION");
    for (const auto& p : report.packages) {
      fmt::print(out, "{:<20} {:<16} {:<{}} {}\n", binscan::to_string(p.result), binscan::to_string(p.how),
                 escape_for_text(p.name), width, p.version.empty() ? "-" : escape_for_text(p.version));
      fmt::print(out, "{:20} {}\n", "", escape_for_text(p.reason));
      if (p.alternatives)
        for (const auto& o : p.alternatives->others) fmt::print(out, "{:20} not loaded: {}\n", "", escape_for_text(o));
    }
    fmt::print(out, "\n");
  }
  for (const auto& fd : report.findings)
    fmt::print(out, "warning [{}]: {}\n", fd.kind, escape_for_text(fd.message));
  if (!report.findings.empty()) fmt::print(out, "\n");
}

}  // namespace

namespace {

void render_scan_text_raw(const binscan::scan_report& report, std::ostream& out, const scan_render_options& opts) {
  fmt::print(out, "Target {} ({}); driver CUDA {} ({}), accepts PTX ISA {}\n",
             sass_name(report.target.device.base()), escape_for_text(report.target_source),
             to_string(report.target.driver), escape_for_text(report.driver_source),
             describe_ptx_limit(report.target.driver));
  if (!report.trap_check.empty()) fmt::print(out, "Trap-only kernels: {}\n", escape_for_text(report.trap_check));
  fmt::print(out, "\n");

  const bool packages = report.package_view;
  if (packages) print_packages(report, out);

  std::uint64_t hidden = 0, cut = 0, shown = 0;
  bool header = false;
  for (const auto& f : report.files) {
    if (f.result == binscan::verdict::no_gpu_code && !f.named && !opts.all) {
      ++hidden;
      continue;
    }
    if (packages && !opts.all && shown >= scan_file_rows_default) {
      ++cut;
      continue;
    }
    ++shown;
    if (!header && packages) fmt::print(out, "Files (failing first):\n");
    if (!header) {
      fmt::print(out, "{:<12} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}  {}\n", "VERDICT", "NATIVE", "JIT", "OTHER", "EMPTY",
                 "LTO", "RELOC", "FILE");
      header = true;
    }
    fmt::print(out, "{:<12} {:>6} {:>6} {:>6} {:>6} {:>6} {:>6}  {}\n", binscan::to_string(f.result), f.counts.native,
               f.counts.jit, f.counts.other, f.counts.empty, f.counts.lto_only, f.counts.link_input,
               escape_for_text(f.path));
    fmt::print(out, "{:12} {}\n", "", escape_for_text(f.reason));
    if (f.alternative == "not-loaded")
      fmt::print(out, "{:12} (an alternative for another CUDA release: not loaded, its verdict does not count)\n", "");
    for (const auto& w : f.warnings) fmt::print(out, "{:12} warning: {}\n", "", escape_for_text(w));
    if (opts.details) print_details(f, out);
  }
  if (!header) fmt::print(out, "No files with GPU code found.\n");
  if (cut > 0)
    fmt::print(out, "({} more file{} with GPU code not listed; --all lists every file, --format json has all)\n", cut,
               cut == 1 ? "" : "s");
  if (hidden > 0)
    fmt::print(out, "({} file{} without GPU code not listed; --all lists them)\n", hidden, hidden == 1 ? "" : "s");
  if (header)
    fmt::print(out,
               "\nColumns count modules (fatbin containers): NATIVE loads SASS, JIT only through PTX JIT, OTHER "
               "carries\nnothing for {}, EMPTY holds no kernels, LTO only LTO-IR (linked at run time), RELOC "
               "relocatable\nobjects in __nv_relfatbin (used only through JIT linking).\n",
               sass_name(report.target.device.base()));

  const auto groups = binscan::summarize_groups(report);
  const std::string_view what = report.group_by == binscan::grouping::python_package ? "PACKAGE" : "DIRECTORY";
  std::size_t width = std::max<std::size_t>(what.size(), 5);
  for (const auto& g : groups) width = std::max(width, escape_for_text(g.name).size());
  width = std::min<std::size_t>(width, 60);
  fmt::print(out, "\nSummary by {}:\n", report.group_by == binscan::grouping::python_package ? "Python package"
                                                                                             : "directory");
  fmt::print(out, "  {:<{}} {:>6} {:>7} {:>9} {:>8} {:>12} {:>6}\n", what, width, "FILES", "NATIVE", "FALLBACK",
             "FAILING", "NO-GPU-CODE", "ERROR");
  const auto row = [&](const binscan::group_summary& g, const std::string& name) {
    fmt::print(out, "  {:<{}} {:>6} {:>7} {:>9} {:>8} {:>12} {:>6}\n", name, width, g.files, g.native, g.fallback,
               g.failing, g.no_gpu_code, g.error);
  };
  for (const auto& g : groups) row(g, escape_for_text(g.name));
  row(binscan::summarize_all(report), "total");
  if (report.skipped_files > 0 || report.skipped_symlinks > 0)
    fmt::print(out, "Skipped {} file{} that cannot hold GPU code and {} symlink{} (not followed).\n",
               report.skipped_files, report.skipped_files == 1 ? "" : "s", report.skipped_symlinks,
               report.skipped_symlinks == 1 ? "" : "s");
}

}  // namespace

void render_scan_text(const binscan::scan_report& report, std::ostream& out, const scan_render_options& opts) {
  // File names come from the disk: render, then make every control character visible.
  std::ostringstream raw;
  render_scan_text_raw(report, raw, opts);
  out << markup::terminal_text(raw.str());
}

}  // namespace sm121probe::report
