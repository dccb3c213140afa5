#include "sm121probe/report/json.hpp"

#include <fmt/format.h>

namespace sm121probe::report {

using nlohmann::json;

namespace {

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json str_or_null(const std::string& s) { return s.empty() ? json(nullptr) : json(s); }

// --- reading helpers: every access checks type and names the field on error --

const json& field(const json& j, const char* key, const char* where) {
  if (!j.is_object()) throw report_error(fmt::format("{}: expected an object", where));
  const auto it = j.find(key);
  if (it == j.end()) throw report_error(fmt::format("{}: missing field '{}'", where, key));
  return *it;
}

std::string get_string(const json& j, const char* key, const char* where, bool nullable = false) {
  const json& v = field(j, key, where);
  if (nullable && v.is_null()) return {};
  if (!v.is_string()) throw report_error(fmt::format("{}: field '{}' must be a string", where, key));
  return v.get<std::string>();
}

bool get_bool(const json& j, const char* key, const char* where) {
  const json& v = field(j, key, where);
  if (!v.is_boolean()) throw report_error(fmt::format("{}: field '{}' must be a boolean", where, key));
  return v.get<bool>();
}

template <typename T>
std::optional<T> get_opt_number(const json& j, const char* key, const char* where) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) throw report_error(fmt::format("{}: field '{}' must be a number", where, key));
  return it->get<T>();
}

template <typename T>
T get_number(const json& j, const char* key, const char* where) {
  const json& v = field(j, key, where);
  if (!v.is_number()) throw report_error(fmt::format("{}: field '{}' must be a number", where, key));
  return v.get<T>();
}

const json& get_array(const json& j, const char* key, const char* where) {
  const json& v = field(j, key, where);
  if (!v.is_array()) throw report_error(fmt::format("{}: field '{}' must be an array", where, key));
  return v;
}

// An optional array of strings (absent or null = empty).
std::vector<std::string> get_strings(const json& j, const char* key, const char* where) {
  std::vector<std::string> out;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) throw report_error(fmt::format("{}: field '{}' must be an array of strings", where, key));
  for (const auto& v : *it) {
    if (!v.is_string()) throw report_error(fmt::format("{}: field '{}' must be an array of strings", where, key));
    out.push_back(v.get<std::string>());
  }
  return out;
}

template <typename E>
E get_enum(const json& j, const char* key, const char* where, std::optional<E> (*parse)(std::string_view)) {
  const std::string s = get_string(j, key, where);
  const auto v = parse(s);
  if (!v) throw report_error(fmt::format("{}: field '{}' has unknown value '{}'", where, key, s));
  return *v;
}

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
          {"note", str_or_null(s.note)}};
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
            {"nvjitlink_error", str_or_null(r.toolkit.nvjitlink_error)}}},
          {"driver", to_json(r.driver)},
          {"device", r.device ? to_json(*r.device) : json(nullptr)},
          {"probes", probes},
          {"summary",
           {{"native", r.totals.native},
            {"fallback", r.totals.fallback},
            {"failing", r.totals.failing},
            {"skipped", r.totals.skipped},
            {"unexpected", r.totals.unexpected},
            {"worse_than_expected", r.totals.worse_than_expected},
            {"baseline_deviations", r.totals.baseline_deviations}}}};
}

stage_result stage_from_json(const json& j) {
  constexpr const char* w = "stage";
  stage_result s;
  s.stage = get_enum(j, "stage", w, parse_stage_kind);
  s.ok = get_bool(j, "ok", w);
  s.ms = get_number<double>(j, "ms", w);
  s.error = get_string(j, "error", w, true);
  s.log = get_string(j, "log", w, true);
  if (const auto it = j.find("predicted"); it != j.end() && it->is_boolean()) s.predicted = it->get<bool>();
  return s;
}

attempt_result attempt_from_json(const json& j) {
  constexpr const char* w = "attempt";
  attempt_result a;
  a.variant = get_string(j, "variant", w);
  a.target = get_string(j, "target", w);
  a.fallback = get_bool(j, "fallback", w);
  for (const auto& s : get_array(j, "stages", w)) a.stages.push_back(stage_from_json(s));
  a.max_abs_err = get_opt_number<double>(j, "max_abs_err", w);
  a.max_rel_err = get_opt_number<double>(j, "max_rel_err", w);
  a.mismatches = get_opt_number<std::uint64_t>(j, "mismatches", w);
  a.notes = get_strings(j, "notes", w);
  a.warnings = get_strings(j, "warnings", w);
  if (const auto it = j.find("emulated"); it != j.end() && !it->is_null()) a.emulated = get_bool(j, "emulated", w);
  if (const auto it = j.find("sass"); it != j.end() && !it->is_null()) {
    constexpr const char* sw = "sass";
    sass_summary ss;
    ss.expected_class = get_string(*it, "expected_class", sw);
    ss.expected_found = get_bool(*it, "expected_found", sw);
    ss.instructions = get_number<int>(*it, "instructions", sw);
    const json& classes = field(*it, "classes", sw);
    if (!classes.is_object()) throw report_error("sass: field 'classes' must be an object");
    for (const auto& [k, v] : classes.items()) {
      if (!v.is_number_integer()) throw report_error("sass: class counts must be integers");
      ss.classes[k] = v.get<int>();
    }
    ss.note = get_string(*it, "note", sw, true);
    a.sass = std::move(ss);
  }
  return a;
}

device_info device_from_json(const json& j) {
  constexpr const char* w = "device";
  device_info d;
  d.ordinal = get_number<int>(j, "ordinal", w);
  d.name = get_string(j, "name", w);
  d.uuid = get_string(j, "uuid", w, true);
  d.pci_bus_id = get_string(j, "pci_bus_id", w, true);
  d.cc_major = get_number<int>(j, "cc_major", w);
  d.cc_minor = get_number<int>(j, "cc_minor", w);
  d.total_memory_bytes = get_number<std::uint64_t>(j, "total_memory_bytes", w);
  d.free_memory_bytes = get_opt_number<std::uint64_t>(j, "free_memory_bytes", w);
  d.system_mem_available_bytes = get_opt_number<std::uint64_t>(j, "system_mem_available_bytes", w);
  d.memory_note = get_string(j, "memory_note", w, true);
  const json& attrs = field(j, "attributes", w);
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
  d.available = get_bool(drv, "available", w);
  d.version = get_opt_number<int>(drv, "version", w);
  d.cuda_version = get_string(drv, "cuda_version", w, true);
  d.error = get_string(drv, "error", w, true);
  d.nvidia_version_file = get_string(drv, "nvidia_version_file", w, true);
  d.device_count = get_number<int>(drv, "device_count", w);
  return d;
}

run_report report_from_json(const json& j) {
  constexpr const char* w = "report";
  if (!j.is_object()) throw report_error("not a report: expected a JSON object");
  run_report r;
  const json& sv = field(j, "schema_version", w);
  if (!sv.is_number_integer()) throw report_error("report: schema_version must be an integer");
  r.schema = sv.get<int>();
  if (r.schema > schema_version)
    throw report_error(fmt::format("report has schema_version {}, newer than this tool understands ({})", r.schema,
                                   schema_version));
  if (r.schema < 1) throw report_error(fmt::format("report has invalid schema_version {}", r.schema));
  const json& tool = field(j, "tool", w);
  r.tool.name = get_string(tool, "name", "tool");
  r.tool.version = get_string(tool, "version", "tool");
  r.tool.git_sha = get_string(tool, "git_sha", "tool");
  r.created = get_string(j, "created", w);
  r.command_line = get_strings(j, "command_line", w);
  r.mode = get_enum(j, "mode", w, parse_run_mode);
  r.target = get_string(j, "target", w);
  const json& host = field(j, "host", w);
  r.host.hostname = get_string(host, "hostname", "host");
  r.host.os = get_string(host, "os", "host");
  r.host.kernel = get_string(host, "kernel", "host");
  r.host.arch = get_string(host, "arch", "host");
  const json& tk = field(j, "toolkit", w);
  r.toolkit.nvrtc_version = get_string(tk, "nvrtc_version", "toolkit");
  for (const auto& a : get_array(tk, "nvrtc_archs", "toolkit")) {
    if (!a.is_number_integer()) throw report_error("toolkit: nvrtc_archs must hold integers");
    r.toolkit.nvrtc_archs.push_back(a.get<int>());
  }
  r.toolkit.nvjitlink_version = get_string(tk, "nvjitlink_version", "toolkit", true);
  r.toolkit.nvjitlink_error = get_string(tk, "nvjitlink_error", "toolkit", true);
  r.driver = driver_from_json(field(j, "driver", w));
  const json& dev = field(j, "device", w);
  if (!dev.is_null()) r.device = device_from_json(dev);
  for (const auto& pj : get_array(j, "probes", w)) {
    constexpr const char* pw = "probe";
    probe_result p;
    p.id = get_string(pj, "id", pw);
    p.category = get_string(pj, "category", pw);
    p.description = get_string(pj, "description", pw);
    p.result = get_enum(pj, "verdict", pw, parse_verdict);
    p.basis = get_enum(pj, "evidence", pw, parse_evidence);
    p.reason = get_string(pj, "reason", pw, true);
    for (const auto& a : get_array(pj, "attempts", pw)) p.attempts.push_back(attempt_from_json(a));
    if (pj.contains("least_specific_target"))
      p.least_specific_target = get_string(pj, "least_specific_target", pw, true);
    p.see_also = get_strings(pj, "see_also", pw);
    if (const auto it = pj.find("expected"); it != pj.end() && !it->is_null()) {
      const std::string e = get_string(pj, "expected", pw);
      if (e == "unknown") {
        p.expectation = expectation_kind::unknown;
      } else {
        p.expectation = expectation_kind::verdict;
        p.expected = get_enum(pj, "expected", pw, parse_verdict);
      }
    }
    if (pj.contains("expected_source")) p.expected_source = get_string(pj, "expected_source", pw, true);
    if (pj.contains("as_expected")) p.as_expected = get_bool(pj, "as_expected", pw);
    if (pj.contains("worse_than_expected")) p.worse_than_expected = get_bool(pj, "worse_than_expected", pw);
    if (const auto it = pj.find("baseline"); it != pj.end() && !it->is_null()) {
      baseline_check b;
      b.rule = get_string(*it, "rule", "baseline");
      b.allowed = get_strings(*it, "allowed", "baseline");
      b.ok = get_bool(*it, "ok", "baseline");
      p.baseline = std::move(b);
    }
    r.probes.push_back(std::move(p));
  }
  const json& sum = field(j, "summary", w);
  r.totals.native = get_number<int>(sum, "native", "summary");
  r.totals.fallback = get_number<int>(sum, "fallback", "summary");
  r.totals.failing = get_number<int>(sum, "failing", "summary");
  r.totals.skipped = get_number<int>(sum, "skipped", "summary");
  r.totals.unexpected = get_opt_number<int>(sum, "unexpected", "summary").value_or(0);
  r.totals.worse_than_expected = get_opt_number<int>(sum, "worse_than_expected", "summary").value_or(0);
  r.totals.baseline_deviations = get_opt_number<int>(sum, "baseline_deviations", "summary").value_or(0);
  return r;
}

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

run_report parse_run_report(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    std::string msg = e.what();
    // nlohmann messages start with "[json.exception.parse_error.101] "; keep the useful part.
    if (const auto p = msg.find("] "); p != std::string::npos) msg = msg.substr(p + 2);
    throw report_error("malformed JSON: " + msg);
  }
  try {
    return report_from_json(j);
  } catch (const json::exception& e) {
    throw report_error(std::string("unexpected report content: ") + e.what());
  }
}

}  // namespace sm121probe::report
