#include "sm121probe/report/json.hpp"

#include "sm121probe/util/json_read.hpp"

#include <fmt/format.h>

namespace sm121probe::report {

using nlohmann::json;

namespace {

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json str_or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

using rd = util::json_reader<report_error>;

}  // namespace

json to_json(const stage_result& s) {
  json j = {{"stage", to_string(s.stage)}, {"ok", s.ok}, {"ms", s.ms},
            {"error", str_or_null(s.error)}, {"log", str_or_null(s.log)}};
  if (s.predicted) j["predicted"] = true;
  return j;
}

json to_json(const sass_summary& s) {
  json classes = json::object();
  for (const auto& [k, v] : s.classes) classes[k] = v;
  return {{"expected_class", s.expected_class},
          {"expected_found", s.expected_found},
          {"instructions", s.instructions},
          {"classes", classes},
          {"note", str_or_null(s.note)},
          {"inconclusive", s.inconclusive}};
}

json to_json(const attempt_result& a) {
  json stages = json::array();
  for (const auto& s : a.stages) stages.push_back(to_json(s));
  return {{"variant", a.variant},
          {"target", a.target},
          {"fallback", a.fallback},
          {"stages", stages},
          {"max_abs_err", opt(a.max_abs_err)},
          {"max_rel_err", opt(a.max_rel_err)},
          {"mismatches", opt(a.mismatches)},
          {"notes", a.notes},
          {"warnings", a.warnings},
          {"emulated", a.emulated},
          {"sass", a.sass ? to_json(*a.sass) : json(nullptr)}};
}

json to_json(const probe_result& p) {
  json attempts = json::array();
  for (const auto& a : p.attempts) attempts.push_back(to_json(a));
  json expected = nullptr;
  if (p.expectation == expectation_kind::unknown) expected = "unknown";
  else if (p.expectation == expectation_kind::verdict) expected = to_string(p.expected);
  json baseline = nullptr;
  if (p.baseline)
    baseline = {{"rule", p.baseline->rule}, {"allowed", p.baseline->allowed}, {"ok", p.baseline->ok}};
  return {{"id", p.id},
          {"category", p.category},
          {"description", p.description},
          {"verdict", to_string(p.result)},
          {"evidence", to_string(p.basis)},
          {"reason", str_or_null(p.reason)},
          {"least_specific_target", str_or_null(p.least_specific_target)},
          {"see_also", p.see_also},
          {"expected", expected},
          {"expected_source", str_or_null(p.expected_source)},
          {"as_expected", p.as_expected},
          {"worse_than_expected", p.worse_than_expected},
          {"baseline", baseline},
          {"attempts", attempts}};
}

json to_json(const device_info& d) {
  json attrs = json::object();
  for (const auto& [k, v] : d.attributes) attrs[k] = opt(v);
  return {{"ordinal", d.ordinal},
          {"name", d.name},
          {"uuid", str_or_null(d.uuid)},
          {"pci_bus_id", str_or_null(d.pci_bus_id)},
          {"compute_capability", fmt::format("{}.{}", d.cc_major, d.cc_minor)},
          {"cc_major", d.cc_major},
          {"cc_minor", d.cc_minor},
          {"total_memory_bytes", d.total_memory_bytes},
          {"free_memory_bytes", opt(d.free_memory_bytes)},
          {"system_mem_available_bytes", opt(d.system_mem_available_bytes)},
          {"memory_note", str_or_null(d.memory_note)},
          {"attributes", attrs}};
}

json to_json(const library_record& l) {
  if (l.empty()) return nullptr;
  return {{"path", l.path}, {"version", l.version}, {"version_source", l.version_source}, {"found_by", l.found_by}};
}

json to_json(const driver_info& d) {
  return {{"available", d.available},
          {"version", opt(d.version)},
          {"cuda_version", str_or_null(d.cuda_version)},
          {"error", str_or_null(d.error)},
          {"nvidia_version_file", str_or_null(d.nvidia_version_file)},
          {"device_count", d.device_count}};
}

json to_json(const run_report& r) {
  json probes = json::array();
  for (const auto& p : r.probes) probes.push_back(to_json(p));
  return {{"schema_version", r.schema},
          {"tool", {{"name", r.tool.name}, {"version", r.tool.version}, {"git_sha", r.tool.git_sha}}},
          {"created", r.created},
          {"command_line", r.command_line},
          {"mode", to_string(r.mode)},
          {"target", r.target},
          {"host", {{"hostname", r.host.hostname}, {"os", r.host.os}, {"kernel", r.host.kernel}, {"arch", r.host.arch}}},
          {"toolkit",
           {{"nvrtc_version", r.toolkit.nvrtc_version},
            {"nvrtc_archs", r.toolkit.nvrtc_archs},
            {"nvjitlink_version", str_or_null(r.toolkit.nvjitlink_version)},
            {"nvjitlink_error", str_or_null(r.toolkit.nvjitlink_error)},
            {"nvrtc_library", to_json(r.toolkit.nvrtc)},
            {"nvjitlink_library", to_json(r.toolkit.nvjitlink)},
            {"pair_mismatch", str_or_null(r.toolkit.pair_mismatch)}}},
          {"driver", to_json(r.driver)},
          {"device", r.device ? to_json(*r.device) : json(nullptr)},
          {"probes", probes},
          {"summary",
           {{"native", r.totals.native},
            {"fallback", r.totals.fallback},
            {"failing", r.totals.failing},
            {"skipped", r.totals.skipped},
            {"unverified", r.totals.unverified},
            {"unexpected", r.totals.unexpected},
            {"worse_than_expected", r.totals.worse_than_expected},
            {"baseline_deviations", r.totals.baseline_deviations}}}};
}

stage_result stage_from_json(const json& j) {
  constexpr const char* w = "stage";
  stage_result s;
  s.stage = rd::enumeration(j, "stage", w, parse_stage_kind);
  s.ok = rd::boolean(j, "ok", w);
  s.ms = rd::number<double>(j, "ms", w);
  s.error = rd::string(j, "error", w, true);
  s.log = rd::string(j, "log", w, true);
  if (const auto it = j.find("predicted"); it != j.end() && it->is_boolean()) s.predicted = it->get<bool>();
  return s;
}

attempt_result attempt_from_json(const json& j) {
  constexpr const char* w = "attempt";
  attempt_result a;
  a.variant = rd::string(j, "variant", w);
  a.target = rd::string(j, "target", w);
  a.fallback = rd::boolean(j, "fallback", w);
  for (const auto& s : rd::array(j, "stages", w)) a.stages.push_back(stage_from_json(s));
  a.max_abs_err = rd::opt_number<double>(j, "max_abs_err", w);
  a.max_rel_err = rd::opt_number<double>(j, "max_rel_err", w);
  a.mismatches = rd::opt_number<std::uint64_t>(j, "mismatches", w);
  a.notes = rd::strings(j, "notes", w, true);
  a.warnings = rd::strings(j, "warnings", w, true);
  if (const auto it = j.find("emulated"); it != j.end() && !it->is_null()) a.emulated = rd::boolean(j, "emulated", w);
  if (const auto it = j.find("sass"); it != j.end() && !it->is_null()) {
    constexpr const char* sw = "sass";
    sass_summary ss;
    ss.expected_class = rd::string(*it, "expected_class", sw);
    ss.expected_found = rd::boolean(*it, "expected_found", sw);
    ss.instructions = rd::number<int>(*it, "instructions", sw);
    const json& classes = rd::field(*it, "classes", sw);
    if (!classes.is_object()) throw report_error("sass: field 'classes' must be an object");
    for (const auto& [k, v] : classes.items()) {
      if (!v.is_number_integer()) throw report_error("sass: class counts must be integers");
      ss.classes[k] = v.get<int>();
    }
    ss.note = rd::string(*it, "note", sw, true);
    if (const auto inc = it->find("inconclusive"); inc != it->end() && !inc->is_null())
      ss.inconclusive = rd::boolean(*it, "inconclusive", sw);
    a.sass = std::move(ss);
  }
  return a;
}

device_info device_from_json(const json& j) {
  constexpr const char* w = "device";
  device_info d;
  d.ordinal = rd::number<int>(j, "ordinal", w);
  d.name = rd::string(j, "name", w);
  d.uuid = rd::string(j, "uuid", w, true);
  d.pci_bus_id = rd::string(j, "pci_bus_id", w, true);
  d.cc_major = rd::number<int>(j, "cc_major", w);
  d.cc_minor = rd::number<int>(j, "cc_minor", w);
  d.total_memory_bytes = rd::number<std::uint64_t>(j, "total_memory_bytes", w);
  d.free_memory_bytes = rd::opt_number<std::uint64_t>(j, "free_memory_bytes", w);
  d.system_mem_available_bytes = rd::opt_number<std::uint64_t>(j, "system_mem_available_bytes", w);
  d.memory_note = rd::string(j, "memory_note", w, true);
  const json& attrs = rd::field(j, "attributes", w);
  if (!attrs.is_object()) throw report_error("device: field 'attributes' must be an object");
  for (const auto& [k, v] : attrs.items()) {
    if (v.is_null()) d.attributes[k] = std::nullopt;
    else if (v.is_number_integer()) d.attributes[k] = v.get<std::int64_t>();
    else throw report_error(fmt::format("device: attribute '{}' must be an integer or null", k));
  }
  return d;
}

driver_info driver_from_json(const json& drv) {
  constexpr const char* w = "driver";
  driver_info d;
  d.available = rd::boolean(drv, "available", w);
  d.version = rd::opt_number<int>(drv, "version", w);
  d.cuda_version = rd::string(drv, "cuda_version", w, true);
  d.error = rd::string(drv, "error", w, true);
  d.nvidia_version_file = rd::string(drv, "nvidia_version_file", w, true);
  d.device_count = rd::number<int>(drv, "device_count", w);
  return d;
}

run_report report_from_json(const json& j) {
  constexpr const char* w = "report";
  if (!j.is_object()) throw report_error("not a report: expected a JSON object");
  run_report r;
  const json& sv = rd::field(j, "schema_version", w);
  if (!sv.is_number_integer()) throw report_error("report: schema_version must be an integer");
  // Compare as the JSON number it is: 2^64-1 is a (much) newer schema, not -1.
  if (sv.is_number_unsigned() ? sv.get<std::uint64_t>() > std::uint64_t(schema_version)
                              : sv.get<std::int64_t>() > std::int64_t(schema_version))
    throw report_error(fmt::format("report has schema_version {}, newer than this tool understands ({})", sv.dump(),
                                   schema_version));
  if (!sv.is_number_unsigned() && sv.get<std::int64_t>() < 1)
    throw report_error(fmt::format("report has invalid schema_version {}", sv.dump()));
  r.schema = sv.get<int>();
  if (r.schema < 1) throw report_error(fmt::format("report has invalid schema_version {}", sv.dump()));
  const json& tool = rd::field(j, "tool", w);
  r.tool.name = rd::string(tool, "name", "tool");
  r.tool.version = rd::string(tool, "version", "tool");
  r.tool.git_sha = rd::string(tool, "git_sha", "tool");
  r.created = rd::string(j, "created", w);
  r.command_line = rd::strings(j, "command_line", w, true);
  r.mode = rd::enumeration(j, "mode", w, parse_run_mode);
  r.target = rd::string(j, "target", w);
  const json& host = rd::field(j, "host", w);
  r.host.hostname = rd::string(host, "hostname", "host");
  r.host.os = rd::string(host, "os", "host");
  r.host.kernel = rd::string(host, "kernel", "host");
  r.host.arch = rd::string(host, "arch", "host");
  const json& tk = rd::field(j, "toolkit", w);
  r.toolkit.nvrtc_version = rd::string(tk, "nvrtc_version", "toolkit");
  for (const auto& a : rd::array(tk, "nvrtc_archs", "toolkit")) {
    if (!a.is_number_integer()) throw report_error("toolkit: nvrtc_archs must hold integers");
    r.toolkit.nvrtc_archs.push_back(a.get<int>());
  }
  r.toolkit.nvjitlink_version = rd::string(tk, "nvjitlink_version", "toolkit", true);
  r.toolkit.nvjitlink_error = rd::string(tk, "nvjitlink_error", "toolkit", true);
  // Reports of versions before the toolkit's libraries were recorded lack these.
  const auto library = [&](const char* key) {
    library_record l;
    const auto it = tk.find(key);
    if (it == tk.end() || it->is_null()) return l;
    l.path = rd::string(*it, "path", key);
    l.version = rd::string(*it, "version", key);
    l.version_source = rd::string(*it, "version_source", key);
    l.found_by = rd::string(*it, "found_by", key);
    return l;
  };
  r.toolkit.nvrtc = library("nvrtc_library");
  r.toolkit.nvjitlink = library("nvjitlink_library");
  if (tk.contains("pair_mismatch")) r.toolkit.pair_mismatch = rd::string(tk, "pair_mismatch", "toolkit", true);
  r.driver = driver_from_json(rd::field(j, "driver", w));
  const json& dev = rd::field(j, "device", w);
  if (!dev.is_null()) r.device = device_from_json(dev);
  for (const auto& pj : rd::array(j, "probes", w)) {
    constexpr const char* pw = "probe";
    probe_result p;
    p.id = rd::string(pj, "id", pw);
    p.category = rd::string(pj, "category", pw);
    p.description = rd::string(pj, "description", pw);
    p.result = rd::enumeration(pj, "verdict", pw, parse_verdict);
    p.basis = rd::enumeration(pj, "evidence", pw, parse_evidence);
    p.reason = rd::string(pj, "reason", pw, true);
    for (const auto& a : rd::array(pj, "attempts", pw)) p.attempts.push_back(attempt_from_json(a));
    if (pj.contains("least_specific_target"))
      p.least_specific_target = rd::string(pj, "least_specific_target", pw, true);
    p.see_also = rd::strings(pj, "see_also", pw, true);
    if (const auto it = pj.find("expected"); it != pj.end() && !it->is_null()) {
      const std::string e = rd::string(pj, "expected", pw);
      if (e == "unknown") {
        p.expectation = expectation_kind::unknown;
      } else {
        p.expectation = expectation_kind::verdict;
        p.expected = rd::enumeration(pj, "expected", pw, parse_verdict);
      }
    }
    if (pj.contains("expected_source")) p.expected_source = rd::string(pj, "expected_source", pw, true);
    if (pj.contains("as_expected")) p.as_expected = rd::boolean(pj, "as_expected", pw);
    if (pj.contains("worse_than_expected")) p.worse_than_expected = rd::boolean(pj, "worse_than_expected", pw);
    if (const auto it = pj.find("baseline"); it != pj.end() && !it->is_null()) {
      baseline_check b;
      b.rule = rd::string(*it, "rule", "baseline");
      b.allowed = rd::strings(*it, "allowed", "baseline", true);
      b.ok = rd::boolean(*it, "ok", "baseline");
      p.baseline = std::move(b);
    }
    r.probes.push_back(std::move(p));
  }
  const json& sum = rd::field(j, "summary", w);
  r.totals.native = rd::number<int>(sum, "native", "summary");
  r.totals.fallback = rd::number<int>(sum, "fallback", "summary");
  r.totals.failing = rd::number<int>(sum, "failing", "summary");
  r.totals.skipped = rd::number<int>(sum, "skipped", "summary");
  r.totals.unverified = rd::opt_number<int>(sum, "unverified", "summary").value_or(0);
  r.totals.unexpected = rd::opt_number<int>(sum, "unexpected", "summary").value_or(0);
  r.totals.worse_than_expected = rd::opt_number<int>(sum, "worse_than_expected", "summary").value_or(0);
  r.totals.baseline_deviations = rd::opt_number<int>(sum, "baseline_deviations", "summary").value_or(0);
  return r;
}

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

run_report parse_run_report(std::string_view text) {
  const json j = rd::parse(text);
  try {
    return report_from_json(j);
  } catch (const json::exception& e) {
    throw report_error(std::string("unexpected report content: ") + e.what());
  }
}

}  // namespace sm121probe::report
