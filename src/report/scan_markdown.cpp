// Markdown rendering of the scan model (scan_formats.hpp).
#include "markup.hpp"
#include "sm121probe/report/render.hpp"
#include "sm121probe/report/scan_formats.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

namespace sm121probe::report {

namespace {

using markup::md_code;
using markup::md_text;

bool listed(const binscan::file_result& f) { return f.result != binscan::verdict::no_gpu_code || f.named; }

std::string images(const binscan::file_result& f) {
  std::vector<std::string> parts;
  for (const auto& s : f.sass) parts.push_back(s);
  for (const auto& p : f.ptx) parts.push_back(fmt::format("{} (PTX {})", p.arch, p.isa));
  for (const auto& l : f.lto_ir) parts.push_back(l);
  if (parts.empty()) return "-";
  std::string s = fmt::format("{}", fmt::join(parts, ", "));
  return md_text(markup::one_line(s, 160));
}

/// "up to 9.0" (with the assumption spelled out for a driver newer than the table).
std::string isa_limit_words(const cuda_version& driver) {
  std::string s = describe_ptx_limit(driver);
  if (s.starts_with("≤ ")) s = "up to " + s.substr(std::string_view("≤ ").size());
  return s;
}

/// The package table (--python): every package with GPU code, failing first, then
/// the environment's warnings. Leads the markdown so the answer is not buried.
std::string package_table(const binscan::scan_report& r, std::size_t max_rows) {
  std::string out;
  if (r.packages.empty()) return "No installed package carries GPU code.\n\n";
  std::size_t fails = 0;
  for (const auto& p : r.packages) fails += p.fails() ? 1 : 0;
  out += fmt::format("**{} package{} with GPU code, {} with nothing that runs.**\n\n", r.packages.size(),
                     r.packages.size() == 1 ? "" : "s", fails);
  out += "| Package | Version | Verdict | How | Reason |\n|---|---|---|---|---|\n";
  const std::size_t n = std::min(r.packages.size(), max_rows);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& p = r.packages[i];
    const std::string v(binscan::to_string(p.result));
    out += fmt::format("| {} | {} | {} | {} | {} |\n", md_code(p.name), p.version.empty() ? "-" : md_text(p.version),
                       p.fails() ? fmt::format("**{}**", v) : v, binscan::to_string(p.how),
                       md_text(markup::one_line(p.reason, 240)));
  }
  if (n < r.packages.size()) out += fmt::format("| ({} more) | | | | |\n", r.packages.size() - n);
  out += "\n";
  for (const auto& fd : r.findings)
    out += fmt::format("- **warning** (`{}`): {}\n", fd.kind, md_text(markup::one_line(fd.message, 400)));
  if (!r.findings.empty()) out += "\n";
  return out;
}

std::string render_with(const binscan::scan_report& r, std::size_t max_rows, std::size_t limit_kb) {
  const auto all = binscan::summarize_all(r);
  const std::string target = sass_name(r.target.device.base());
  std::string out = fmt::format("### sm121-probe scan: {}, driver CUDA {}\n\n", target, to_string(r.target.driver));
  const std::uint64_t with_code = all.files - all.no_gpu_code;
  out += fmt::format("Scanned {} for **{}** ({}) with a driver for CUDA {} ({}), which accepts PTX ISA {}: {} file{} "
                     "with GPU code, **{} native**, {} fallback (PTX JIT only), {} failing, {} unreadable; {} without "
                     "GPU code{}.\n\n",
                     r.roots.size() == 1 ? fmt::format("{}", md_code(r.roots.front()))
                                         : fmt::format("{} paths", r.roots.size()),
                     target, md_text(r.target_source), to_string(r.target.driver), md_text(r.driver_source),
                     md_text(isa_limit_words(r.target.driver)), with_code,
                     with_code == 1 ? "" : "s", all.native, all.fallback, all.failing, all.error, all.no_gpu_code,
                     r.skipped_files > 0 ? fmt::format(" ({} more skipped by name)", r.skipped_files) : "");

  if (r.package_view) out += package_table(r, max_rows);

  std::vector<const binscan::file_result*> rows;
  for (const auto& f : r.files)
    if (listed(f)) rows.push_back(&f);
  // Keep the interesting rows when cutting: failing, error, fallback before native and no-gpu-code.
  std::stable_sort(rows.begin(), rows.end(), [](const auto* a, const auto* b) {
    return binscan::listing_rank(a->result) < binscan::listing_rank(b->result);
  });
  if (rows.empty()) {
    out += "No files with GPU code found.\n\n";
  } else {
    out += "| Verdict | File | Images | Reason |\n|---|---|---|---|\n";
    const std::size_t n = std::min(rows.size(), max_rows);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& f = *rows[i];
      const std::string v(binscan::to_string(f.result));
      const bool plain = f.result == binscan::verdict::native || f.result == binscan::verdict::no_gpu_code;
      out += fmt::format("| {} | {} | {} | {} |\n", plain ? v : fmt::format("**{}**", v), md_code(f.path), images(f),
                         md_text(markup::one_line(f.reason, 200)));
    }
    if (n < rows.size())
      out += fmt::format("\n_{} more file{} not shown to stay under {} KB (`--all` lists every file); the JSON report "
                         "lists all._\n",
                         rows.size() - n, rows.size() - n == 1 ? "" : "s", limit_kb);
    out += "\n";
  }

  const auto groups = binscan::summarize_groups(r);
  if (!groups.empty()) {
    const bool python = r.group_by == binscan::grouping::python_package;
    out += fmt::format("<details><summary>Summary by {}</summary>\n\n", python ? "Python package" : "directory");
    out += fmt::format("| {} | Files | Native | Fallback | Failing | No GPU code | Error |\n|---|---|---|---|---|---|---|\n",
                       python ? "Package" : "Directory");
    const std::size_t n = std::min(groups.size(), max_rows);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& g = groups[i];
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", md_code(g.name), g.files, g.native, g.fallback,
                         g.failing, g.no_gpu_code, g.error);
    }
    if (n < groups.size()) out += fmt::format("| ({} more) | | | | | | |\n", groups.size() - n);
    out += fmt::format("| total | {} | {} | {} | {} | {} | {} |\n", all.files, all.native, all.fallback, all.failing,
                       all.no_gpu_code, all.error);
    out += "\n</details>\n\n";
  }

  std::size_t warnings = 0;
  for (const auto* f : rows) warnings += f->warnings.size();
  if (warnings > 0) {
    out += fmt::format("<details><summary>Warnings ({})</summary>\n\n", warnings);
    std::size_t shown = 0;
    for (const auto* f : rows) {
      for (const auto& w : f->warnings) {
        if (shown == max_rows) continue;
        ++shown;
        out += fmt::format("- {}: {}\n", md_code(f->path), md_text(markup::one_line(w, 300)));
      }
    }
    if (shown < warnings) out += fmt::format("- ({} more)\n", warnings - shown);
    out += "\n</details>\n\n";
  }
  if (max_rows != SIZE_MAX)
    out += fmt::format("> Note: lists were cut to stay under {} KB; `--format json` (or `--json FILE`) has "
                       "everything.\n",
                       limit_kb);
  return out;
}

}  // namespace

std::string render_scan_markdown(const binscan::scan_report& r, const scan_render_options& opts) {
  const std::size_t limit = scan_markdown_limit_bytes;
  const std::size_t kb = limit / 1024;
  if (opts.all) return render_with(r, SIZE_MAX, kb);  // asked for every file: no cut
  // With packages, the file list after the package table is capped from the start.
  const bool packages = r.package_view;
  std::size_t rows = packages ? scan_file_rows_default : SIZE_MAX;
  std::string out = render_with(r, rows, kb);
  if (out.size() >= limit)
    for (rows = std::min(rows, std::max<std::size_t>(r.files.size(), 1)) / 2; out.size() >= limit; rows /= 2) {
      out = render_with(r, rows, kb);
      if (rows == 0) break;
    }
  return markup::cut_markdown(std::move(out), limit);  // only absurdly long names reach it
}

}  // namespace sm121probe::report
