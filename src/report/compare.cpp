// `compare`: the comparison of two run reports and its renderers (compare.hpp).
#include "sm121probe/report/compare.hpp"

#include "markup.hpp"
#include "sm121probe/report/render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace sm121probe::report {

namespace {

using ordered = nlohmann::ordered_json;

report_label label_of(const run_report& r, const std::string& file) {
  return {file, r.created, r.host.hostname, r.target, r.mode, r.device ? r.device->name : std::string(),
          r.tool.version};
}

// The facts compared for "environment changes", in display order.
std::vector<std::pair<std::string, std::string>> facts_of(const run_report& r) {
  std::vector<std::pair<std::string, std::string>> f;
  f.emplace_back("mode", std::string(to_string(r.mode)));
  f.emplace_back("target", r.target);
  f.emplace_back("device.name", r.device ? r.device->name : "");
  f.emplace_back("device.compute_capability",
                 r.device ? fmt::format("{}.{}", r.device->cc_major, r.device->cc_minor) : "");
  f.emplace_back("device.uuid", r.device ? r.device->uuid : "");
  f.emplace_back("device.pci_bus_id", r.device ? r.device->pci_bus_id : "");
  f.emplace_back("driver.cuda_version", r.driver.cuda_version);
  f.emplace_back("driver.version", r.driver.version ? std::to_string(*r.driver.version) : "");
  f.emplace_back("driver.kernel_module", r.driver.nvidia_version_file);
  f.emplace_back("toolkit.nvrtc_version", r.toolkit.nvrtc_version);
  f.emplace_back("toolkit.nvjitlink_version", r.toolkit.nvjitlink_version);
  f.emplace_back("tool.version", r.tool.version);
  f.emplace_back("host.hostname", r.host.hostname);
  f.emplace_back("host.kernel", r.host.kernel);
  return f;
}

std::string side_text(const report_label& l) {
  std::string s = fmt::format("{} ({}, {}, {}, sm121-probe {}", l.file, l.hostname.empty() ? "?" : l.hostname,
                              l.mode == run_mode::device ? l.device : std::string("offline"), l.target,
                              l.tool_version.empty() ? "?" : l.tool_version);
  if (!l.created.empty()) s += fmt::format(", {}", l.created);
  s += ')';
  return s;
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

std::string result_line(const comparison& c) {
  if (c.identical())
    return fmt::format("No differences: {} probes with the same verdicts and errors, same environment.",
                       c.new_probes);
  return fmt::format("{}, {}, {}, {} new, {} removed, {}, {}.", plural(c.count(change_kind::regression), "regression", "regressions"),
                     plural(c.count(change_kind::improvement), "improvement", "improvements"),
                     plural(c.count(change_kind::change), "other verdict change", "other verdict changes"),
                     c.added.size(), c.removed.size(), plural(c.errors.size(), "changed error", "changed errors"),
                     plural(c.environment.size(), "environment change", "environment changes"));
}

ordered label_json(const report_label& l) {
  const auto n = [](const std::string& s) { return s.empty() ? ordered(nullptr) : ordered(s); };
  return ordered{{"file", l.file},         {"created", n(l.created)},    {"hostname", n(l.hostname)},
                 {"mode", to_string(l.mode)}, {"target", l.target},     {"device", n(l.device)},
                 {"tool_version", n(l.tool_version)}};
}

}  // namespace

std::string_view to_string(change_kind k) {
  switch (k) {
    case change_kind::regression: return "regression";
    case change_kind::improvement: return "improvement";
    case change_kind::change: return "change";
  }
  return "change";
}

change_kind judge_change(verdict old_v, verdict new_v) {
  const int o = verdict_rank(old_v), n = verdict_rank(new_v);
  if (o >= 0 && n >= 0) return n < o ? change_kind::regression : n > o ? change_kind::improvement : change_kind::change;
  if (o >= 0 && new_v == verdict::skipped) return change_kind::regression;  // no longer tested
  if (old_v == verdict::native && new_v == verdict::unverified) return change_kind::regression;  // no longer proven
  if (old_v == verdict::skipped && new_v == verdict::failing) return change_kind::regression;
  return change_kind::change;
}

std::string key_errors(const probe_result& p) {
  std::string out;
  for (const auto& a : p.attempts) {
    for (const auto& s : a.stages) {
      if (s.ok) continue;
      if (!out.empty()) out += "; ";
      out += fmt::format("{}/{}: {}", a.variant, to_string(s.stage), s.error.empty() ? "failed" : s.error);
    }
  }
  return out;
}

std::size_t comparison::count(change_kind k) const {
  return static_cast<std::size_t>(
      std::count_if(verdicts.begin(), verdicts.end(), [k](const verdict_change& v) { return v.kind == k; }));
}

bool comparison::identical() const {
  return verdicts.empty() && added.empty() && removed.empty() && errors.empty() && environment.empty();
}

comparison compare_reports(const run_report& old_r, const run_report& new_r, const std::string& old_file,
                           const std::string& new_file) {
  comparison c;
  c.old_report = label_of(old_r, old_file);
  c.new_report = label_of(new_r, new_file);
  c.old_probes = old_r.probes.size();
  c.new_probes = new_r.probes.size();
  std::map<std::string, const probe_result*> old_by_id, new_by_id;
  for (const auto& p : old_r.probes) old_by_id.emplace(p.id, &p);
  for (const auto& p : new_r.probes) new_by_id.emplace(p.id, &p);
  for (const auto& p : new_r.probes) {
    const auto it = old_by_id.find(p.id);
    if (it == old_by_id.end()) {
      c.added.push_back({p.id, p.result, p.reason});
      continue;
    }
    const probe_result& o = *it->second;
    if (o.result != p.result) {
      c.verdicts.push_back({p.id, p.category, o.result, p.result, judge_change(o.result, p.result), o.reason, p.reason});
    } else if (const auto oe = key_errors(o), ne = key_errors(p); oe != ne) {
      c.errors.push_back({p.id, p.result, oe, ne});
    }
  }
  for (const auto& p : old_r.probes)
    if (!new_by_id.count(p.id)) c.removed.push_back({p.id, p.result, p.reason});
  std::stable_sort(c.verdicts.begin(), c.verdicts.end(),
                   [](const verdict_change& a, const verdict_change& b) { return a.kind < b.kind; });
  const auto of = facts_of(old_r), nf = facts_of(new_r);
  for (std::size_t i = 0; i < of.size(); ++i)
    if (of[i].second != nf[i].second) c.environment.push_back({of[i].first, of[i].second, nf[i].second});
  return c;
}

std::string render_compare_text(const comparison& c) {
  std::string out = fmt::format("old: {}\nnew: {}\n", side_text(c.old_report), side_text(c.new_report));
  std::size_t w = 5;
  for (const auto& v : c.verdicts) w = std::max(w, v.id.size());
  for (const auto& v : c.added) w = std::max(w, v.id.size());
  for (const auto& v : c.removed) w = std::max(w, v.id.size());
  for (const auto& v : c.errors) w = std::max(w, v.id.size());
  for (const change_kind k : {change_kind::regression, change_kind::improvement, change_kind::change}) {
    const std::size_t n = c.count(k);
    if (n == 0) continue;
    out += fmt::format("\n{} ({}):\n", k == change_kind::regression    ? "REGRESSIONS"
                                       : k == change_kind::improvement ? "IMPROVEMENTS"
                                                                       : "OTHER VERDICT CHANGES",
                       n);
    for (const auto& v : c.verdicts) {
      if (v.kind != k) continue;
      const std::string arrow = fmt::format("{} -> {}", to_string(v.old_verdict), to_string(v.new_verdict));
      out += fmt::format("  {:<{}}  {:<20}  {}\n", v.id, w, arrow, markup::one_line(v.new_reason, 100));
    }
  }
  if (!c.added.empty()) {
    out += fmt::format("\nNEW PROBES ({}):\n", c.added.size());
    for (const auto& p : c.added)
      out += fmt::format("  {:<{}}  {:<20}  {}\n", p.id, w, to_string(p.result), markup::one_line(p.reason, 100));
  }
  if (!c.removed.empty()) {
    out += fmt::format("\nREMOVED PROBES ({}):\n", c.removed.size());
    for (const auto& p : c.removed)
      out += fmt::format("  {:<{}}  was {}\n", p.id, w, to_string(p.result));
  }
  if (!c.errors.empty()) {
    out += fmt::format("\nCHANGED ERRORS ({}):\n", c.errors.size());
    for (const auto& e : c.errors)
      out += fmt::format("  {:<{}}  {}\n  {:<{}}    was: {}\n  {:<{}}    now: {}\n", e.id, w, to_string(e.result), "", w,
                         markup::one_line(or_dash(e.old_errors), 160), "", w,
                         markup::one_line(or_dash(e.new_errors), 160));
  }
  if (!c.environment.empty()) {
    std::size_t fw = 5;
    for (const auto& f : c.environment) fw = std::max(fw, f.field.size());
    out += fmt::format("\nENVIRONMENT ({}):\n", c.environment.size());
    for (const auto& f : c.environment)
      out += fmt::format("  {:<{}}  {} -> {}\n", f.field, fw, markup::one_line(or_dash(f.old_value), 100),
                         markup::one_line(or_dash(f.new_value), 100));
  }
  out += fmt::format("\n{}\n", result_line(c));
  // No trailing blanks (columns padded for an empty last field).
  std::string trimmed;
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t nl = out.find('\n', start);
    if (nl == std::string::npos) nl = out.size();
    std::size_t end = nl;
    while (end > start && out[end - 1] == ' ') --end;
    trimmed.append(out, start, end - start);
    if (nl < out.size()) trimmed += '\n';
    start = nl + 1;
  }
  return markup::terminal_text(trimmed);  // names and errors from the reports: no control characters
}

std::string render_compare_markdown(const comparison& c) {
  using markup::md_code;
  using markup::md_text;
  // Rows beyond this many per table are left out (with a note) if the whole would pass the size limit.
  for (std::size_t max_rows : {std::size_t(SIZE_MAX), std::size_t(200), std::size_t(50), std::size_t(10)}) {
    bool cut = false;
    std::string out = "### sm121-probe compare\n\n";
    out += fmt::format("Old: {}  \nNew: {}\n\n**{}**\n\n", md_text(side_text(c.old_report)),
                       md_text(side_text(c.new_report)), md_text(result_line(c)));
    const auto limit_rows = [&](std::size_t n) {
      if (n > max_rows) cut = true;
      return std::min(n, max_rows);
    };
    if (!c.verdicts.empty()) {
      out += "| Probe | Change | Old | New | Reason now |\n|---|---|---|---|---|\n";
      const std::size_t n = limit_rows(c.verdicts.size());
      for (std::size_t i = 0; i < n; ++i) {
        const auto& v = c.verdicts[i];
        const std::string kind(to_string(v.kind));
        out += fmt::format("| {} | {} | {} | {} | {} |\n", md_code(v.id),
                           v.kind == change_kind::regression ? fmt::format("**{}**", kind) : kind,
                           to_string(v.old_verdict), to_string(v.new_verdict),
                           md_text(markup::one_line(v.new_reason, 140)));
      }
      out += "\n";
    }
    if (!c.added.empty() || !c.removed.empty()) {
      out += "| Probe | Presence | Verdict |\n|---|---|---|\n";
      std::size_t n = limit_rows(c.added.size());
      for (std::size_t i = 0; i < n; ++i)
        out += fmt::format("| {} | new | {} |\n", md_code(c.added[i].id), to_string(c.added[i].result));
      n = limit_rows(c.removed.size());
      for (std::size_t i = 0; i < n; ++i)
        out += fmt::format("| {} | removed | was {} |\n", md_code(c.removed[i].id), to_string(c.removed[i].result));
      out += "\n";
    }
    if (!c.errors.empty()) {
      out += "<details><summary>Changed errors</summary>\n\n| Probe | Verdict | Old errors | New errors |\n"
             "|---|---|---|---|\n";
      const std::size_t n = limit_rows(c.errors.size());
      for (std::size_t i = 0; i < n; ++i) {
        const auto& e = c.errors[i];
        out += fmt::format("| {} | {} | {} | {} |\n", md_code(e.id), to_string(e.result),
                           md_code(markup::one_line(or_dash(e.old_errors), 300)),
                           md_code(markup::one_line(or_dash(e.new_errors), 300)));
      }
      out += "\n</details>\n\n";
    }
    if (!c.environment.empty()) {
      out += "<details><summary>Environment changes</summary>\n\n| Field | Old | New |\n|---|---|---|\n";
      for (const auto& f : c.environment)
        out += fmt::format("| {} | {} | {} |\n", md_code(f.field), md_text(markup::one_line(or_dash(f.old_value), 200)),
                           md_text(markup::one_line(or_dash(f.new_value), 200)));
      out += "\n</details>\n\n";
    }
    if (cut) out += "> Note: long lists were cut to stay under 60 KB; `--format json` has everything.\n";
    if (out.size() < markdown_limit_bytes || max_rows == 10) return out;
  }
  return {};  // unreachable: the last iteration returns
}

ordered compare_to_json(const comparison& c) {
  const auto n = [](const std::string& s) { return s.empty() ? ordered(nullptr) : ordered(s); };
  ordered j;
  j["schema_version"] = compare_schema_version;
  j["kind"] = "compare";
  j["old"] = label_json(c.old_report);
  j["new"] = label_json(c.new_report);
  j["regressed"] = c.regressed();
  j["identical"] = c.identical();
  ordered verdicts = ordered::array();
  for (const auto& v : c.verdicts)
    verdicts.push_back(ordered{{"id", v.id},
                               {"category", v.category},
                               {"kind", to_string(v.kind)},
                               {"old", to_string(v.old_verdict)},
                               {"new", to_string(v.new_verdict)},
                               {"old_reason", n(v.old_reason)},
                               {"new_reason", n(v.new_reason)}});
  j["verdict_changes"] = std::move(verdicts);
  const auto lone = [&](const std::vector<lone_probe>& ps) {
    ordered a = ordered::array();
    for (const auto& p : ps) a.push_back(ordered{{"id", p.id}, {"verdict", to_string(p.result)}, {"reason", n(p.reason)}});
    return a;
  };
  j["new_probes"] = lone(c.added);
  j["removed_probes"] = lone(c.removed);
  ordered errors = ordered::array();
  for (const auto& e : c.errors)
    errors.push_back(ordered{{"id", e.id}, {"verdict", to_string(e.result)}, {"old_errors", n(e.old_errors)},
                             {"new_errors", n(e.new_errors)}});
  j["changed_errors"] = std::move(errors);
  ordered env = ordered::array();
  for (const auto& f : c.environment)
    env.push_back(ordered{{"field", f.field}, {"old", n(f.old_value)}, {"new", n(f.new_value)}});
  j["environment_changes"] = std::move(env);
  j["summary"] = ordered{{"old_probes", c.old_probes},
                         {"new_probes", c.new_probes},
                         {"regressions", c.count(change_kind::regression)},
                         {"improvements", c.count(change_kind::improvement)},
                         {"other_changes", c.count(change_kind::change)},
                         {"added", c.added.size()},
                         {"removed", c.removed.size()},
                         {"changed_errors", c.errors.size()},
                         {"environment_changes", c.environment.size()}};
  return j;
}

}  // namespace sm121probe::report
