// Text and markdown of the bench report, and its redaction (docs/bench.md).
#include "sm121probe/report/bench_render.hpp"

#include "markup.hpp"

#include <fmt/format.h>

#include <map>
#include <ostream>
#include <sstream>

namespace sm121probe::report {

namespace {

const bench_anchor* find_anchor(const bench_report& r, const std::string& key) {
  for (const auto& a : r.anchors)
    if (a.key == key) return &a;
  return nullptr;
}

std::string counts(const std::map<std::string, int>& m) {
  std::string s;
  for (const auto& [label, n] : m) s += fmt::format("{}{} {}", s.empty() ? "" : " + ", n, label);
  return s.empty() ? "none" : s;
}

std::string sass_cell(const bench_tensor& t) {
  if (!t.sass.inspected) return "-";
  std::string s = counts(t.sass.per_iteration) + "/iter";
  if (t.sass.expected_found) s += " (ok)";
  else s += fmt::format(" (expected {} {})", t.sass.expected_per_iteration, t.sass.expected_class);
  if (t.sass.spill_store_bytes && (*t.sass.spill_store_bytes > 0 || t.sass.spill_load_bytes.value_or(0) > 0))
    s += fmt::format(", spills {}/{} B", *t.sass.spill_store_bytes, t.sass.spill_load_bytes.value_or(0));
  return s;
}

std::string figure(double v, const std::string& unit) { return fmt::format("{:.1f} {}", v, unit); }

std::string spread(const std::optional<bench_timing>& t) {
  if (!t) return "";
  return fmt::format("median of {}, spread {:.1f}%", t->samples.size(), t->spread_pct);
}

std::string tensor_result(const bench_report& r, const bench_tensor& t) {
  switch (t.status) {
    case bench_status::measured: {
      std::string s = figure(t.throughput.value_or(0), t.unit) + " (" + spread(t.timing) + ")";
      if (t.native_over_fallback) s += fmt::format(", {:.2f}x the fallback", *t.native_over_fallback);
      return s;
    }
    case bench_status::compiled:
      return fmt::format("not timed; {:.0f} ops per MMA, {} MMAs per iteration", t.ops_per_mma, t.mma_per_iteration);
    default: return fmt::format("{}: {}", to_string(t.status), t.reason.empty() ? t.verify : t.reason);
  }
  (void)r;
}

std::string anchor_text(const bench_report& r, const std::string& key) {
  if (key.empty()) return "";
  const bench_anchor* a = find_anchor(r, key);
  return a ? fmt::format("public anchor: {} ({})", a->figure, a->source) : "";
}

std::string header_line(const bench_report& r) {
  if (r.nothing_timed)
    return fmt::format(
        "sm121-probe bench, offline for {}: NOTHING WAS TIMED. These are compile-time facts (SASS tensor "
        "instructions per loop iteration, spills, operation counts), not speeds.",
        r.target);
  const std::string dev = r.device ? r.device->name : "the device";
  return fmt::format("sm121-probe bench on {} ({}), CUDA events, median of repetitions after warm-up", dev, r.target);
}

std::string snapshot_text(const std::optional<bench_snapshot>& s) {
  if (!s) return "not reported";
  std::string out;
  out += s->sm_clock_mhz ? fmt::format("SM {} MHz", *s->sm_clock_mhz) : "SM clock not reported";
  out += s->mem_clock_mhz ? fmt::format(", memory {} MHz", *s->mem_clock_mhz) : ", memory clock not reported";
  out += s->power_w ? fmt::format(", {:.1f} W", *s->power_w) : ", power not reported";
  if (s->power_limit_w) out += fmt::format(" (limit {:.1f} W)", *s->power_limit_w);
  if (!s->throttle_reported) out += ", throttle reasons not reported";
  else if (s->throttle_reasons.empty()) out += ", no throttling";
  else {
    out += ", throttled:";
    for (const auto& t : s->throttle_reasons) out += " " + t;
  }
  return out;
}

}  // namespace

void render_bench_text(const bench_report& r, std::ostream& os) {
  using markup::terminal_text;
  os << terminal_text(header_line(r)) << "\n\n";
  os << "Tensor throughput (warp MMA loops)\n";
  std::size_t w = 10;
  for (const auto& t : r.tensor) w = std::max(w, t.id.size());
  for (const auto& t : r.tensor) {
    os << fmt::format("  {:<{}}  {:<16}  {}\n", terminal_text(t.id), w, terminal_text(t.target.empty() ? "-" : t.target),
                      terminal_text(tensor_result(r, t)));
    if (t.sass.inspected) os << fmt::format("  {:<{}}  SASS: {}\n", "", w, terminal_text(sass_cell(t)));
    if (const std::string a = anchor_text(r, t.anchor); !a.empty() && t.status == bench_status::measured)
      os << fmt::format("  {:<{}}  {}\n", "", w, terminal_text(a));
  }
  if (!r.memory.empty()) {
    os << "\nMemory bandwidth\n";
    for (const auto& m : r.memory) {
      std::string s;
      if (m.status == bench_status::measured) {
        s = figure(m.gb_per_s.value_or(0), "GB/s") + " (" + spread(m.timing) + ")";
        if (m.fraction_of_peak)
          s += fmt::format(", {:.0f}% of {:.0f} GB/s ({})", *m.fraction_of_peak * 100, m.peak_gb_per_s.value_or(0),
                           m.peak_source);
        if (const std::string a = anchor_text(r, m.anchor); !a.empty()) s += "; " + a;
      } else {
        s = fmt::format("{}: {}", to_string(m.status), m.reason.empty() ? m.verify : m.reason);
      }
      os << fmt::format("  {:<28}  {}\n", terminal_text(m.id), terminal_text(s));
    }
  }
  if (!r.latency.empty()) {
    os << "\nLaunch and module load\n";
    for (const auto& l : r.latency) {
      const std::string s = l.status == bench_status::measured
                                ? fmt::format("{:.2f} {} ({}; {})", l.value.value_or(0), l.unit, spread(l.timing), l.clock)
                                : fmt::format("{}: {}", to_string(l.status), l.reason);
      os << fmt::format("  {:<28}  {}\n", terminal_text(l.id), terminal_text(s));
    }
  }
  if (r.conditions) {
    os << "\nConditions (NVML: " << terminal_text(r.conditions->nvml) << ")\n";
    os << "  before: " << terminal_text(snapshot_text(r.conditions->before)) << '\n';
    os << "  after:  " << terminal_text(snapshot_text(r.conditions->after)) << '\n';
  }
  if (!r.anchors.empty()) {
    os << "\nPublic anchors (measured by others, not by this run)\n";
    for (const auto& a : r.anchors)
      os << fmt::format("  {:<18} {}: {} <{}>\n", terminal_text(a.key), terminal_text(a.figure), terminal_text(a.what),
                        terminal_text(a.url));
  }
  for (const auto& n : r.notes) os << "\nNote: " << terminal_text(n) << '\n';
}

std::string render_bench_markdown(const bench_report& r) {
  using markup::md_code;
  using markup::md_text;
  std::ostringstream os;
  os << "### sm121-probe bench\n\n" << md_text(header_line(r)) << "\n\n";
  os << "| benchmark | target | result | SASS per loop iteration | anchor |\n|---|---|---|---|---|\n";
  for (const auto& t : r.tensor) {
    const std::string a = t.status == bench_status::measured ? anchor_text(r, t.anchor) : "";
    os << "| " << md_code(t.id) << " | " << md_code(t.target) << " | " << md_text(tensor_result(r, t)) << " | "
       << md_text(sass_cell(t)) << " | " << md_text(a) << " |\n";
  }
  if (!r.memory.empty()) {
    os << "\n| memory | result | anchor |\n|---|---|---|\n";
    for (const auto& m : r.memory) {
      std::string s = m.status == bench_status::measured
                          ? figure(m.gb_per_s.value_or(0), "GB/s") + " (" + spread(m.timing) + ")"
                          : fmt::format("{}: {}", to_string(m.status), m.reason);
      if (m.fraction_of_peak) s += fmt::format(", {:.0f}% of {:.0f} GB/s", *m.fraction_of_peak * 100, m.peak_gb_per_s.value_or(0));
      os << "| " << md_code(m.id) << " | " << md_text(s) << " | "
         << md_text(m.status == bench_status::measured ? anchor_text(r, m.anchor) : "") << " |\n";
    }
  }
  if (!r.latency.empty()) {
    os << "\n| latency | result |\n|---|---|\n";
    for (const auto& l : r.latency)
      os << "| " << md_code(l.id) << " | "
         << md_text(l.status == bench_status::measured
                        ? fmt::format("{:.2f} {} ({})", l.value.value_or(0), l.unit, spread(l.timing))
                        : fmt::format("{}: {}", to_string(l.status), l.reason))
         << " |\n";
  }
  if (r.conditions)
    os << "\nConditions (NVML: " << md_text(r.conditions->nvml) << "): before " << md_text(snapshot_text(r.conditions->before))
       << "; after " << md_text(snapshot_text(r.conditions->after)) << "\n";
  if (!r.anchors.empty()) {
    os << "\nPublic anchors (measured by others, not by this run):\n\n";
    for (const auto& a : r.anchors)
      os << "* " << md_text(a.figure) << ": " << md_text(a.what) << " ([" << md_text(a.source) << "]("
         << md_text(a.url) << "))\n";
  }
  os << "\n<sub>" << md_text(fmt::format("{} {} (git {}), NVRTC {}", r.tool.name, r.tool.version, r.tool.git_sha,
                                         r.toolkit.nvrtc_version))
     << "</sub>\n";
  return markup::cut_markdown(os.str(), 60 * 1024);
}

bench_report redacted(const bench_report& r, redactor& rd) {
  run_report shell;
  shell.tool = r.tool;
  shell.created = r.created;
  shell.command_line = r.command_line;
  shell.mode = r.mode;
  shell.target = r.target;
  shell.host = r.host;
  shell.toolkit = r.toolkit;
  shell.driver = r.driver;
  shell.device = r.device;
  const run_report red = redacted(shell, rd);
  bench_report out = r;
  out.command_line = red.command_line;
  out.host = red.host;
  out.driver = red.driver;
  out.device = red.device;
  out.toolkit = red.toolkit;
  for (auto& t : out.tensor) {
    t.reason = rd.redact(t.reason);
    t.verify = rd.redact(t.verify);
    t.sass.note = rd.redact(t.sass.note);
  }
  for (auto& m : out.memory) {
    m.reason = rd.redact(m.reason);
    m.verify = rd.redact(m.verify);
    m.peak_source = rd.redact(m.peak_source);
  }
  for (auto& l : out.latency) l.reason = rd.redact(l.reason);
  if (out.conditions) out.conditions->nvml = rd.redact(out.conditions->nvml);
  for (auto& n : out.notes) n = rd.redact(n);
  return out;
}

}  // namespace sm121probe::report
