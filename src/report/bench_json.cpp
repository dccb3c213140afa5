// JSON of the bench report (docs/bench.schema.json) and its rows.
#include "sm121probe/report/bench_json.hpp"

#include "sm121probe/report/json.hpp"

namespace sm121probe::report {

using nlohmann::json;

std::string_view to_string(bench_status s) {
  switch (s) {
    case bench_status::measured: return "measured";
    case bench_status::compiled: return "compiled";
    case bench_status::format_absent: return "format-absent";
    case bench_status::rejected: return "rejected";
    case bench_status::failed: return "failed";
    case bench_status::skipped: return "skipped";
  }
  return "failed";
}

std::optional<bench_status> parse_bench_status(std::string_view s) {
  for (auto v : {bench_status::measured, bench_status::compiled, bench_status::format_absent, bench_status::rejected,
                 bench_status::failed, bench_status::skipped})
    if (to_string(v) == s) return v;
  return std::nullopt;
}

bool bench_failed(const bench_report& r) {
  const auto bad = [](bench_status s) { return s == bench_status::failed || s == bench_status::rejected; };
  for (const auto& t : r.tensor)
    if (bad(t.status)) return true;
  for (const auto& m : r.memory)
    if (bad(m.status)) return true;
  for (const auto& l : r.latency)
    if (bad(l.status)) return true;
  return false;
}

namespace {

template <typename T>
json opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}
template <typename T>
std::optional<T> get_opt(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  return j.at(key).get<T>();
}
json opt_timing(const std::optional<bench_timing>& t) { return t ? to_json(*t) : json(nullptr); }
std::optional<bench_timing> timing_from(const json& j, const char* key) {
  if (!j.contains(key) || j.at(key).is_null()) return std::nullopt;
  const json& t = j.at(key);
  bench_timing out;
  out.warmup = t.at("warmup").get<int>();
  out.samples = t.at("samples_ms").get<std::vector<double>>();
  out.median_ms = t.at("median_ms").get<double>();
  out.min_ms = t.at("min_ms").get<double>();
  out.max_ms = t.at("max_ms").get<double>();
  out.spread_pct = t.at("spread_pct").get<double>();
  return out;
}
bench_status status_from(const json& j) {
  const auto s = parse_bench_status(j.at("status").get<std::string>());
  if (!s) throw std::runtime_error("unknown bench status");
  return *s;
}

}  // namespace

json to_json(const bench_timing& t) {
  return {{"warmup", t.warmup},        {"samples_ms", t.samples}, {"median_ms", t.median_ms},
          {"min_ms", t.min_ms},        {"max_ms", t.max_ms},     {"spread_pct", t.spread_pct}};
}

json to_json(const bench_tensor& t) {
  const bench_sass& s = t.sass;
  return {{"id", t.id},
          {"format", t.format},
          {"path", t.path},
          {"description", t.description},
          {"target", t.target},
          {"sass_target", t.sass_target},
          {"status", to_string(t.status)},
          {"reason", t.reason},
          {"shape", {{"m", t.m}, {"n", t.n}, {"k", t.k}}},
          {"mma_per_iteration", t.mma_per_iteration},
          {"ops_per_mma", t.ops_per_mma},
          {"unit", t.unit},
          {"sass",
           {{"inspected", s.inspected},
            {"expected_class", s.expected_class},
            {"expected_per_iteration", s.expected_per_iteration},
            {"per_iteration", s.per_iteration},
            {"per_mma", s.per_mma},
            {"loop_confirmed", s.loop_confirmed},
            {"expected_found", s.expected_found},
            {"instructions", s.instructions},
            {"registers", opt(s.registers)},
            {"spill_store_bytes", opt(s.spill_store_bytes)},
            {"spill_load_bytes", opt(s.spill_load_bytes)},
            {"note", s.note}}},
          {"iterations", t.iterations},
          {"warps", t.warps},
          {"ops_per_launch", t.ops_per_launch},
          {"timing", opt_timing(t.timing)},
          {"throughput", opt(t.throughput)},
          {"verify", t.verify},
          {"native_over_fallback", opt(t.native_over_fallback)},
          {"anchor", t.anchor.empty() ? json(nullptr) : json(t.anchor)}};
}

bench_tensor bench_tensor_from_json(const json& j) {
  bench_tensor t;
  t.id = j.at("id").get<std::string>();
  t.format = j.at("format").get<std::string>();
  t.path = j.at("path").get<std::string>();
  t.description = j.at("description").get<std::string>();
  t.target = j.at("target").get<std::string>();
  t.sass_target = j.at("sass_target").get<std::string>();
  t.status = status_from(j);
  t.reason = j.at("reason").get<std::string>();
  t.m = j.at("shape").at("m").get<int>();
  t.n = j.at("shape").at("n").get<int>();
  t.k = j.at("shape").at("k").get<int>();
  t.mma_per_iteration = j.at("mma_per_iteration").get<int>();
  t.ops_per_mma = j.at("ops_per_mma").get<double>();
  t.unit = j.at("unit").get<std::string>();
  const json& s = j.at("sass");
  t.sass.inspected = s.at("inspected").get<bool>();
  t.sass.expected_class = s.at("expected_class").get<std::string>();
  t.sass.expected_per_iteration = s.at("expected_per_iteration").get<int>();
  t.sass.per_iteration = s.at("per_iteration").get<std::map<std::string, int>>();
  t.sass.per_mma = s.at("per_mma").get<std::map<std::string, double>>();
  t.sass.loop_confirmed = s.at("loop_confirmed").get<bool>();
  t.sass.expected_found = s.at("expected_found").get<bool>();
  t.sass.instructions = s.at("instructions").get<int>();
  t.sass.registers = get_opt<int>(s, "registers");
  t.sass.spill_store_bytes = get_opt<int>(s, "spill_store_bytes");
  t.sass.spill_load_bytes = get_opt<int>(s, "spill_load_bytes");
  t.sass.note = s.at("note").get<std::string>();
  t.iterations = j.at("iterations").get<std::int64_t>();
  t.warps = j.at("warps").get<std::int64_t>();
  t.ops_per_launch = j.at("ops_per_launch").get<double>();
  t.timing = timing_from(j, "timing");
  t.throughput = get_opt<double>(j, "throughput");
  t.verify = j.at("verify").get<std::string>();
  t.native_over_fallback = get_opt<double>(j, "native_over_fallback");
  t.anchor = j.at("anchor").is_null() ? std::string() : j.at("anchor").get<std::string>();
  return t;
}

json to_json(const bench_memory& m) {
  return {{"id", m.id},
          {"memory", m.memory},
          {"op", m.op},
          {"status", to_string(m.status)},
          {"reason", m.reason},
          {"buffer_bytes", m.buffer_bytes},
          {"bytes_per_launch", m.bytes_per_launch},
          {"timing", opt_timing(m.timing)},
          {"gb_per_s", opt(m.gb_per_s)},
          {"fraction_of_peak", opt(m.fraction_of_peak)},
          {"peak_gb_per_s", opt(m.peak_gb_per_s)},
          {"peak_source", m.peak_source},
          {"verify", m.verify},
          {"anchor", m.anchor.empty() ? json(nullptr) : json(m.anchor)}};
}

bench_memory bench_memory_from_json(const json& j) {
  bench_memory m;
  m.id = j.at("id").get<std::string>();
  m.memory = j.at("memory").get<std::string>();
  m.op = j.at("op").get<std::string>();
  m.status = status_from(j);
  m.reason = j.at("reason").get<std::string>();
  m.buffer_bytes = j.at("buffer_bytes").get<std::uint64_t>();
  m.bytes_per_launch = j.at("bytes_per_launch").get<std::uint64_t>();
  m.timing = timing_from(j, "timing");
  m.gb_per_s = get_opt<double>(j, "gb_per_s");
  m.fraction_of_peak = get_opt<double>(j, "fraction_of_peak");
  m.peak_gb_per_s = get_opt<double>(j, "peak_gb_per_s");
  m.peak_source = j.at("peak_source").get<std::string>();
  m.verify = j.at("verify").get<std::string>();
  m.anchor = j.at("anchor").is_null() ? std::string() : j.at("anchor").get<std::string>();
  return m;
}

json to_json(const bench_latency& l) {
  return {{"id", l.id},         {"description", l.description}, {"status", to_string(l.status)},
          {"reason", l.reason}, {"timing", opt_timing(l.timing)}, {"value", opt(l.value)},
          {"unit", l.unit},     {"clock", l.clock}};
}

bench_latency bench_latency_from_json(const json& j) {
  bench_latency l;
  l.id = j.at("id").get<std::string>();
  l.description = j.at("description").get<std::string>();
  l.status = status_from(j);
  l.reason = j.at("reason").get<std::string>();
  l.timing = timing_from(j, "timing");
  l.value = get_opt<double>(j, "value");
  l.unit = j.at("unit").get<std::string>();
  l.clock = j.at("clock").get<std::string>();
  return l;
}

json to_json(const bench_snapshot& s) {
  return {{"sm_clock_mhz", opt(s.sm_clock_mhz)},   {"mem_clock_mhz", opt(s.mem_clock_mhz)},
          {"power_w", opt(s.power_w)},             {"power_limit_w", opt(s.power_limit_w)},
          {"temperature_c", opt(s.temperature_c)}, {"throttle_reasons", s.throttle_reasons},
          {"throttle_reported", s.throttle_reported}};
}

bench_snapshot bench_snapshot_from_json(const json& j) {
  bench_snapshot s;
  s.sm_clock_mhz = get_opt<int>(j, "sm_clock_mhz");
  s.mem_clock_mhz = get_opt<int>(j, "mem_clock_mhz");
  s.power_w = get_opt<double>(j, "power_w");
  s.power_limit_w = get_opt<double>(j, "power_limit_w");
  s.temperature_c = get_opt<double>(j, "temperature_c");
  s.throttle_reasons = j.at("throttle_reasons").get<std::vector<std::string>>();
  s.throttle_reported = j.at("throttle_reported").get<bool>();
  return s;
}

json to_json(const bench_report& r) {
  json tensor = json::array(), memory = json::array(), latency = json::array(), anchors = json::array();
  for (const auto& t : r.tensor) tensor.push_back(to_json(t));
  for (const auto& m : r.memory) memory.push_back(to_json(m));
  for (const auto& l : r.latency) latency.push_back(to_json(l));
  for (const auto& a : r.anchors)
    anchors.push_back({{"key", a.key}, {"figure", a.figure}, {"what", a.what}, {"source", a.source}, {"url", a.url}});
  json conditions = nullptr;
  if (r.conditions)
    conditions = {{"nvml", r.conditions->nvml},
                  {"clock_source", r.conditions->clock_source},
                  {"before", r.conditions->before ? to_json(*r.conditions->before) : json(nullptr)},
                  {"after", r.conditions->after ? to_json(*r.conditions->after) : json(nullptr)}};
  const toolkit_info& tk = r.toolkit;
  return {{"schema_version", r.schema},
          {"kind", "bench"},
          {"tool", {{"name", r.tool.name}, {"version", r.tool.version}, {"git_sha", r.tool.git_sha}}},
          {"created", r.created},
          {"command_line", r.command_line},
          {"mode", to_string(r.mode)},
          {"target", r.target},
          {"nothing_timed", r.nothing_timed},
          {"host", {{"hostname", r.host.hostname}, {"os", r.host.os}, {"kernel", r.host.kernel}, {"arch", r.host.arch}}},
          {"toolkit",
           {{"nvrtc_version", tk.nvrtc_version},
            {"nvjitlink_version", tk.nvjitlink_version.empty() ? json(nullptr) : json(tk.nvjitlink_version)}}},
          {"driver", to_json(r.driver)},
          {"device", r.device ? to_json(*r.device) : json(nullptr)},
          {"seconds_per_measurement", r.seconds_per_measurement},
          {"tensor", tensor},
          {"memory", memory},
          {"latency", latency},
          {"conditions", conditions},
          {"anchors", anchors},
          {"notes", r.notes}};
}

}  // namespace sm121probe::report
