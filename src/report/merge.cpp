// `merge`: the fleet view over many run reports and its renderers (merge.hpp).
#include "sm121probe/report/merge.hpp"

#include "markup.hpp"
#include "sm121probe/report/render.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <map>

namespace sm121probe::report {

namespace {

using ordered = nlohmann::ordered_json;

// Up to this many hosts the probe matrix has one column per host.
constexpr std::size_t matrix_max_hosts = 8;

std::vector<std::pair<std::string, std::string>> facts_of(const run_report& r) {
  return {{"mode", std::string(to_string(r.mode))},
          {"target", r.target},
          {"device.name", r.device ? r.device->name : ""},
          {"driver.cuda_version", r.driver.cuda_version},
          {"driver.kernel_module", r.driver.nvidia_version_file},
          {"toolkit.nvrtc_version", r.toolkit.nvrtc_version},
          {"toolkit.nvjitlink_version", r.toolkit.nvjitlink_version},
          {"tool.version", r.tool.version}};
}

// Best rank first: native, fallback, failing; skipped and unverified are not ranked.
int preference(verdict v) { return verdict_rank(v); }

std::string cell_text(const fleet_probe& p, std::size_t h) {
  if (!p.verdicts[h]) return "-";
  std::string s(to_string(*p.verdicts[h]));
  if (p.deviates[h]) s += '*';
  return s;
}

std::string headline(const fleet& f) {
  const std::size_t dev = f.deviations(), hosts = f.deviating_hosts();
  std::string s = fmt::format("Fleet of {} report{}, {} probes: ", f.hosts.size(), f.hosts.size() == 1 ? "" : "s",
                              f.probes.size());
  if (dev == 0) return s + "every host agrees with the majority on every probe.";
  return s + fmt::format("{} host{} deviate{} from the majority ({} verdict{}).", hosts, hosts == 1 ? "" : "s",
                         hosts == 1 ? "s" : "", dev, dev == 1 ? "" : "s");
}

std::size_t fact_deviations(const fleet& f) {
  std::size_t n = 0;
  for (const auto& fact : f.facts) n += static_cast<std::size_t>(std::count(fact.deviates.begin(), fact.deviates.end(), true));
  return n;
}

}  // namespace

std::size_t fleet::deviations() const {
  std::size_t n = 0;
  for (const auto& p : probes) n += static_cast<std::size_t>(std::count(p.deviates.begin(), p.deviates.end(), true));
  return n;
}

std::size_t fleet::deviating_hosts() const {
  return static_cast<std::size_t>(
      std::count_if(hosts.begin(), hosts.end(), [](const fleet_host& h) { return h.deviations > 0; }));
}

std::optional<verdict> majority_verdict(const std::vector<std::optional<verdict>>& verdicts) {
  std::map<verdict, std::size_t> counts;
  for (const auto& v : verdicts)
    if (v) ++counts[*v];
  std::optional<verdict> best;
  std::size_t best_n = 0;
  for (const auto& [v, n] : counts) {
    if (n > best_n || (n == best_n && best && preference(v) > preference(*best))) {
      best = v;
      best_n = n;
    }
  }
  return best;
}

fleet merge_reports(const std::vector<std::pair<std::string, run_report>>& reports) {
  fleet f;
  // Labels: the host name, made unique with the device ordinal, then a counter.
  std::map<std::string, std::size_t> seen;
  for (const auto& [file, r] : reports) {
    std::string base = r.host.hostname.empty() ? std::filesystem::path(file).stem().string() : r.host.hostname;
    ++seen[base];
  }
  std::map<std::string, std::size_t> used;
  for (const auto& [file, r] : reports) {
    fleet_host h;
    h.file = file;
    h.hostname = r.host.hostname;
    h.mode = r.mode;
    h.target = r.target;
    h.device = r.device ? r.device->name : "";
    h.totals = r.totals;
    std::string label = r.host.hostname.empty() ? std::filesystem::path(file).stem().string() : r.host.hostname;
    if (seen[label] > 1 && r.device) label += fmt::format(":{}", r.device->ordinal);
    if (used[label]++ > 0) label += fmt::format("#{}", used[label]);
    h.label = std::move(label);
    f.hosts.push_back(std::move(h));
  }
  std::map<std::string, std::size_t> index;
  for (std::size_t hi = 0; hi < reports.size(); ++hi) {
    for (const auto& p : reports[hi].second.probes) {
      auto [it, fresh] = index.emplace(p.id, f.probes.size());
      if (fresh) {
        fleet_probe fp;
        fp.id = p.id;
        fp.category = p.category;
        fp.verdicts.assign(reports.size(), std::nullopt);
        f.probes.push_back(std::move(fp));
      }
      f.probes[it->second].verdicts[hi] = p.result;
    }
  }
  for (auto& p : f.probes) {
    p.majority = majority_verdict(p.verdicts);
    p.deviates.assign(reports.size(), false);
    for (std::size_t h = 0; h < reports.size(); ++h) {
      if (p.verdicts[h] && p.majority && *p.verdicts[h] != *p.majority) {
        p.deviates[h] = true;
        ++f.hosts[h].deviations;
      }
    }
  }
  if (!reports.empty()) {
    const auto first = facts_of(reports.front().second);
    for (std::size_t k = 0; k < first.size(); ++k) {
      fleet_fact fact;
      fact.field = first[k].first;
      std::map<std::string, std::size_t> counts;
      for (const auto& [file, r] : reports) {
        fact.values.push_back(facts_of(r)[k].second);
        ++counts[fact.values.back()];
      }
      // Most frequent value; a tie goes to the one seen first.
      std::size_t best = 0;
      for (const auto& v : fact.values) {
        if (counts[v] > best) {
          best = counts[v];
          fact.majority = v;
        }
      }
      for (const auto& v : fact.values) fact.deviates.push_back(v != fact.majority);
      f.facts.push_back(std::move(fact));
    }
  }
  return f;
}

std::string render_merge_text(const fleet& f) {
  std::string out = headline(f) + "\n\n";
  std::size_t hw = 4;
  for (const auto& h : f.hosts) hw = std::max(hw, h.label.size());
  std::size_t dw = 6;
  for (const auto& h : f.hosts) dw = std::max(dw, h.device.size());
  out += fmt::format("{:<{}}  {:<{}}  {:<7}  {:<7}  {:>6}  {:>8}  {:>7}  {:>7}  {:>10}\n", "HOST", hw, "DEVICE", dw,
                     "MODE", "TARGET", "NATIVE", "FALLBACK", "FAILING", "SKIPPED", "DEVIATIONS");
  for (const auto& h : f.hosts)
    out += fmt::format("{:<{}}  {:<{}}  {:<7}  {:<7}  {:>6}  {:>8}  {:>7}  {:>7}  {:>10}\n", h.label, hw,
                       h.device.empty() ? "-" : h.device, dw, to_string(h.mode), h.target, h.totals.native,
                       h.totals.fallback, h.totals.failing, h.totals.skipped, h.deviations);
  std::size_t pw = 5;
  for (const auto& p : f.probes) pw = std::max(pw, p.id.size());
  out += "\n";
  if (f.hosts.size() <= matrix_max_hosts) {
    std::vector<std::size_t> cw;
    for (const auto& h : f.hosts) cw.push_back(std::max<std::size_t>(h.label.size(), 9));
    std::string header = fmt::format("{:<{}}  {:<9}", "PROBE", pw, "MAJORITY");
    for (std::size_t h = 0; h < f.hosts.size(); ++h) header += fmt::format("  {:<{}}", f.hosts[h].label, cw[h]);
    while (!header.empty() && header.back() == ' ') header.pop_back();
    out += header + "\n";
    for (const auto& p : f.probes) {
      std::string line = fmt::format("{:<{}}  {:<9}", p.id, pw, p.majority ? to_string(*p.majority) : "-");
      for (std::size_t h = 0; h < f.hosts.size(); ++h) line += fmt::format("  {:<{}}", cell_text(p, h), cw[h]);
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
    out += "(* deviates from the majority; - not in that report)\n";
  } else {
    out += fmt::format("{:<{}}  {:<9}  {:>7}  {}\n", "PROBE", pw, "MAJORITY", "AGREE", "DEVIATING HOSTS");
    for (const auto& p : f.probes) {
      std::vector<std::string> dev;
      std::size_t have = 0, agree = 0;
      for (std::size_t h = 0; h < f.hosts.size(); ++h) {
        if (!p.verdicts[h]) continue;
        ++have;
        if (p.deviates[h]) dev.push_back(fmt::format("{}={}", f.hosts[h].label, to_string(*p.verdicts[h])));
        else ++agree;
      }
      std::string line = fmt::format("{:<{}}  {:<9}  {:>7}  {}", p.id, pw, p.majority ? to_string(*p.majority) : "-",
                                     fmt::format("{}/{}", agree, have), fmt::join(dev, ", "));
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
  }
  if (f.deviations() > 0) {
    out += "\nDeviations from the majority:\n";
    for (const auto& p : f.probes)
      for (std::size_t h = 0; h < f.hosts.size(); ++h)
        if (p.deviates[h])
          out += fmt::format("  {:<{}}  {:<{}}  {} (majority: {})\n", f.hosts[h].label, hw, p.id, pw,
                             to_string(*p.verdicts[h]), to_string(*p.majority));
  }
  if (fact_deviations(f) > 0) {
    out += "\nEnvironment differences:\n";
    for (const auto& fact : f.facts)
      for (std::size_t h = 0; h < f.hosts.size(); ++h)
        if (fact.deviates[h])
          out += fmt::format("  {:<{}}  {}: {} (majority: {})\n", f.hosts[h].label, hw, fact.field,
                             markup::one_line(fact.values[h].empty() ? "-" : fact.values[h], 80),
                             markup::one_line(fact.majority.empty() ? "-" : fact.majority, 80));
  }
  return markup::terminal_text(out);  // names from the reports: no control characters
}

std::string render_merge_markdown(const fleet& f) {
  using markup::md_code;
  using markup::md_text;
  const auto cell = [&](const fleet_probe& p, std::size_t h) {
    if (!p.verdicts[h]) return std::string("-");
    const std::string v(to_string(*p.verdicts[h]));
    return p.deviates[h] ? fmt::format("**{}** (deviates)", v) : v;
  };
  // The news first: probes where a host deviates lead the table (in catalogue
  // order) and are never left out; the size limit cuts agreeing rows only.
  const auto deviating = [](const fleet_probe& p) {
    return std::find(p.deviates.begin(), p.deviates.end(), true) != p.deviates.end();
  };
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < f.probes.size(); ++i)
    if (deviating(f.probes[i])) rows.push_back(i);
  for (std::size_t i = 0; i < f.probes.size(); ++i)
    if (!deviating(f.probes[i])) rows.push_back(i);
  for (const std::size_t max_probes : {std::size_t(SIZE_MAX), std::size_t(100), std::size_t(20), std::size_t(0)}) {
    std::string out = fmt::format("### sm121-probe fleet view\n\n{}\n\n", md_text(headline(f)));
    out += "| Host | Device | Mode | Target | Driver | Native | Fallback | Failing | Skipped | Deviations |\n"
           "|---|---|---|---|---|---|---|---|---|---|\n";
    const fleet_fact* driver = nullptr;
    for (const auto& fact : f.facts)
      if (fact.field == "driver.cuda_version") driver = &fact;
    for (std::size_t i = 0; i < f.hosts.size(); ++i) {
      const auto& h = f.hosts[i];
      std::string drv = driver && !driver->values[i].empty() ? md_text(driver->values[i]) : std::string("-");
      if (driver && driver->deviates[i]) drv = fmt::format("**{}**", drv);
      out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", md_code(h.label),
                         h.device.empty() ? "-" : md_text(h.device), to_string(h.mode), md_text(h.target), drv,
                         h.totals.native, h.totals.fallback, h.totals.failing, h.totals.skipped,
                         h.deviations > 0 ? fmt::format("**{}**", h.deviations) : "0");
    }
    out += "\n";
    std::size_t shown = 0, agreeing_shown = 0;
    if (f.hosts.size() <= matrix_max_hosts) {
      out += "| Probe | Majority |";
      for (const auto& h : f.hosts) out += fmt::format(" {} |", md_code(h.label));
      out += "\n|---|---|";
      for (std::size_t h = 0; h < f.hosts.size(); ++h) out += "---|";
      out += "\n";
      for (const std::size_t pi : rows) {
        const fleet_probe& p = f.probes[pi];
        if (!deviating(p) && agreeing_shown == max_probes) break;
        ++shown;
        if (!deviating(p)) ++agreeing_shown;
        out += fmt::format("| {} | {} |", md_code(p.id), p.majority ? to_string(*p.majority) : "-");
        for (std::size_t h = 0; h < f.hosts.size(); ++h) out += fmt::format(" {} |", cell(p, h));
        out += "\n";
      }
    } else {
      out += "| Probe | Majority | Agree | Deviating hosts |\n|---|---|---|---|\n";
      for (const std::size_t pi : rows) {
        const fleet_probe& p = f.probes[pi];
        if (!deviating(p) && agreeing_shown == max_probes) break;
        ++shown;
        if (!deviating(p)) ++agreeing_shown;
        std::vector<std::string> dev;
        std::size_t have = 0, agree = 0;
        for (std::size_t h = 0; h < f.hosts.size(); ++h) {
          if (!p.verdicts[h]) continue;
          ++have;
          if (p.deviates[h])
            dev.push_back(fmt::format("{} **{}**", md_code(f.hosts[h].label), to_string(*p.verdicts[h])));
          else ++agree;
        }
        out += fmt::format("| {} | {} | {}/{} | {} |\n", md_code(p.id), p.majority ? to_string(*p.majority) : "-",
                           agree, have, fmt::join(dev, ", "));
      }
    }
    if (shown < f.probes.size())
      out += fmt::format("\n> Note: {} probes on which every host agrees left out to stay under 60 KB; `--format "
                         "json` has everything.\n",
                         f.probes.size() - shown);
    if (fact_deviations(f) > 0) {
      out += "\n<details><summary>Environment differences</summary>\n\n| Host | Field | Value | Majority |\n"
             "|---|---|---|---|\n";
      for (const auto& fact : f.facts)
        for (std::size_t h = 0; h < f.hosts.size(); ++h)
          if (fact.deviates[h])
            out += fmt::format("| {} | {} | {} | {} |\n", md_code(f.hosts[h].label), md_code(fact.field),
                               md_text(markup::one_line(fact.values[h].empty() ? "-" : fact.values[h], 120)),
                               md_text(markup::one_line(fact.majority.empty() ? "-" : fact.majority, 120)));
      out += "\n</details>\n";
    }
    if (out.size() < markdown_limit_bytes || max_probes == 0) return out;
  }
  return {};
}

ordered merge_to_json(const fleet& f) {
  ordered j;
  j["schema_version"] = merge_schema_version;
  j["kind"] = "merge";
  ordered hosts = ordered::array();
  for (const auto& h : f.hosts)
    hosts.push_back(ordered{{"label", h.label},
                            {"file", h.file},
                            {"hostname", h.hostname},
                            {"mode", to_string(h.mode)},
                            {"target", h.target},
                            {"device", h.device.empty() ? ordered(nullptr) : ordered(h.device)},
                            {"summary",
                             {{"native", h.totals.native},
                              {"fallback", h.totals.fallback},
                              {"failing", h.totals.failing},
                              {"skipped", h.totals.skipped},
                              {"unverified", h.totals.unverified}}},
                            {"deviations", h.deviations}});
  j["hosts"] = std::move(hosts);
  ordered probes = ordered::array();
  for (const auto& p : f.probes) {
    ordered verdicts = ordered::object();
    ordered deviating = ordered::array();
    for (std::size_t h = 0; h < f.hosts.size(); ++h) {
      verdicts[f.hosts[h].label] = p.verdicts[h] ? ordered(to_string(*p.verdicts[h])) : ordered(nullptr);
      if (p.deviates[h]) deviating.push_back(f.hosts[h].label);
    }
    probes.push_back(ordered{{"id", p.id},
                             {"category", p.category},
                             {"majority", p.majority ? ordered(to_string(*p.majority)) : ordered(nullptr)},
                             {"verdicts", std::move(verdicts)},
                             {"deviating_hosts", std::move(deviating)}});
  }
  j["probes"] = std::move(probes);
  ordered facts = ordered::array();
  for (const auto& fact : f.facts) {
    ordered values = ordered::object();
    ordered deviating = ordered::array();
    for (std::size_t h = 0; h < f.hosts.size(); ++h) {
      values[f.hosts[h].label] = fact.values[h];
      if (fact.deviates[h]) deviating.push_back(f.hosts[h].label);
    }
    facts.push_back(ordered{{"field", fact.field},
                            {"majority", fact.majority},
                            {"values", std::move(values)},
                            {"deviating_hosts", std::move(deviating)}});
  }
  j["environment"] = std::move(facts);
  j["summary"] = ordered{{"reports", f.hosts.size()},
                         {"probes", f.probes.size()},
                         {"deviations", f.deviations()},
                         {"deviating_hosts", f.deviating_hosts()},
                         {"environment_differences", fact_deviations(f)}};
  return j;
}

}  // namespace sm121probe::report
