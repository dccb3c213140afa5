// JSON form of the doctor model (docs/doctor.schema.json) and its redaction.
#include "sm121probe/report/doctor_render.hpp"
#include "sm121probe/report/scan_render.hpp"

namespace sm121probe::report {

namespace {

using json = nlohmann::ordered_json;

std::string u8(std::string_view s) { return to_valid_utf8(s); }

json opt_bytes(const std::optional<std::uint64_t>& v) { return v ? json(*v) : json(nullptr); }
json opt_ms(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json tool_json(const doctor::tool_record& t) {
  json j;
  j["kind"] = std::string(doctor::to_string(t.kind));
  j["path"] = u8(t.path);
  j["origin"] = u8(t.origin);
  j["version"] = u8(t.version);
  j["cuda_release"] = t.release ? json(to_string(*t.release)) : json(nullptr);
  j["error"] = u8(t.error);
  j["ptx_isa"] = u8(t.ptx_isa);
  j["used_by_triton"] = t.used_by_triton;
  json targets = json::array();
  for (const auto& c : t.targets)
    targets.push_back(json{{"target", u8(c.target)}, {"accepted", c.accepted}, {"message", u8(c.message)}});
  j["targets"] = std::move(targets);
  return j;
}

}  // namespace

json doctor_device_to_json(const doctor::device_record& d) {
  const auto& m = d.memory;
  return json{{"name", u8(d.name)},
              {"compute_capability", u8(d.cc)},
              {"driver_cuda", u8(d.driver_cuda)},
              {"error", u8(d.error)},
              {"memory",
               json{{"cuda_free_bytes", opt_bytes(m.cuda_free)},
                    {"cuda_total_bytes", opt_bytes(m.cuda_total)},
                    {"meminfo_available_bytes", opt_bytes(m.meminfo_available)},
                    {"meminfo_total_bytes", opt_bytes(m.meminfo_total)},
                    {"nvml_status", u8(m.nvml_status)},
                    {"nvml_free_bytes", opt_bytes(m.nvml_free)},
                    {"nvml_total_bytes", opt_bytes(m.nvml_total)},
                    {"largest_allocation_bytes", opt_bytes(m.largest_allocation)},
                    {"allocation_limit_bytes", m.allocation_limit}}},
              {"jit",
               json{{"cubin_load_ms", opt_ms(d.jit.cubin_ms)},
                    {"ptx_cold_load_ms", opt_ms(d.jit.ptx_cold_ms)},
                    {"ptx_warm_load_ms", opt_ms(d.jit.ptx_warm_ms)},
                    {"error", u8(d.jit.error)}}}};
}

doctor::device_record doctor_device_from_json(const nlohmann::json& j) {
  doctor::device_record d;
  if (!j.is_object()) {
    d.error = "the device worker sent no device record";
    return d;
  }
  const auto str = [](const nlohmann::json& o, const char* k) {
    return o.contains(k) && o[k].is_string() ? o[k].get<std::string>() : std::string();
  };
  const auto u64 = [](const nlohmann::json& o, const char* k) -> std::optional<std::uint64_t> {
    if (o.contains(k) && o[k].is_number_unsigned()) return o[k].get<std::uint64_t>();
    return std::nullopt;
  };
  const auto dbl = [](const nlohmann::json& o, const char* k) -> std::optional<double> {
    if (o.contains(k) && o[k].is_number()) return o[k].get<double>();
    return std::nullopt;
  };
  d.name = str(j, "name");
  d.cc = str(j, "compute_capability");
  d.driver_cuda = str(j, "driver_cuda");
  d.error = str(j, "error");
  if (j.contains("memory") && j["memory"].is_object()) {
    const auto& m = j["memory"];
    d.memory.cuda_free = u64(m, "cuda_free_bytes");
    d.memory.cuda_total = u64(m, "cuda_total_bytes");
    d.memory.meminfo_available = u64(m, "meminfo_available_bytes");
    d.memory.meminfo_total = u64(m, "meminfo_total_bytes");
    d.memory.nvml_status = str(m, "nvml_status");
    d.memory.nvml_free = u64(m, "nvml_free_bytes");
    d.memory.nvml_total = u64(m, "nvml_total_bytes");
    d.memory.largest_allocation = u64(m, "largest_allocation_bytes");
    d.memory.allocation_limit = u64(m, "allocation_limit_bytes").value_or(0);
  }
  if (j.contains("jit") && j["jit"].is_object()) {
    const auto& t = j["jit"];
    d.jit.cubin_ms = dbl(t, "cubin_load_ms");
    d.jit.ptx_cold_ms = dbl(t, "ptx_cold_load_ms");
    d.jit.ptx_warm_ms = dbl(t, "ptx_warm_load_ms");
    d.jit.error = str(t, "error");
  }
  return d;
}

json doctor_to_json(const doctor::doctor_report& r) {
  json j;
  j["schema_version"] = doctor::schema_version;
  j["kind"] = "doctor";
  j["tool_version"] = u8(r.tool_version);
  json cmd = json::array();
  for (const auto& a : r.command_line) cmd.push_back(u8(a));
  j["command_line"] = std::move(cmd);
  j["target"] = u8(r.target);
  j["target_source"] = u8(r.target_source);
  j["driver_cuda"] = r.driver_cuda.empty() ? json(nullptr) : json(u8(r.driver_cuda));
  j["driver_source"] = u8(r.driver_source);
  const auto c = doctor::count(r);
  j["summary"] = json{{"error", c.error}, {"warn", c.warn}, {"info", c.info}};
  json findings = json::array();
  for (const auto& f : r.findings)
    findings.push_back(json{{"id", u8(f.id)},
                            {"severity", std::string(doctor::to_string(f.level))},
                            {"summary", u8(f.summary)},
                            {"observed", u8(f.observed)},
                            {"why", u8(f.why)},
                            {"fix", u8(f.fix)}});
  j["findings"] = std::move(findings);
  json py;
  py["executable"] = u8(r.python);
  py["version"] = u8(r.python_version);
  json sites = json::array();
  for (const auto& s : r.site_packages) sites.push_back(u8(s));
  py["site_packages"] = std::move(sites);
  json pkgs = json::array();
  for (const auto& p : r.packages)
    pkgs.push_back(json{{"name", u8(p.name)},
                        {"version", u8(p.version)},
                        {"location", u8(p.location)},
                        {"cuda", u8(p.cuda)},
                        {"note", u8(p.note)},
                        {"jit_modules", p.jit_modules}});
  py["packages"] = std::move(pkgs);
  j["python"] = std::move(py);
  json tools = json::array();
  for (const auto& t : r.tools) tools.push_back(tool_json(t));
  j["tools"] = std::move(tools);
  json env = json::array();
  for (const auto& e : r.environment)
    env.push_back(json{{"name", u8(e.name)},
                       {"set", e.set},
                       {"value", e.set ? json(u8(e.value)) : json(nullptr)},
                       {"default", u8(e.default_value)},
                       {"effect", u8(e.effect)}});
  j["environment"] = std::move(env);
  j["device"] = r.device ? doctor_device_to_json(*r.device) : json(nullptr);
  return j;
}

std::string render_doctor_json(const doctor::doctor_report& r) {
  return doctor_to_json(r).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

doctor::doctor_report redacted(const doctor::doctor_report& r, redactor& rd) {
  doctor::doctor_report o = r;
  for (auto& a : o.command_line) a = rd.redact(a);
  o.target_source = rd.redact(o.target_source);
  o.driver_source = rd.redact(o.driver_source);
  o.python = rd.redact(o.python);
  for (auto& s : o.site_packages) s = rd.redact(s);
  for (auto& t : o.tools) {
    t.path = rd.redact(t.path);
    t.origin = rd.redact(t.origin);
    t.error = rd.redact(t.error);
    for (auto& c : t.targets) c.message = rd.redact(c.message);
  }
  for (auto& p : o.packages) {
    p.location = rd.redact(p.location);
    p.note = rd.redact(p.note);
  }
  for (auto& e : o.environment) e.value = rd.redact(e.value);
  for (auto& f : o.findings) {
    f.summary = rd.redact(f.summary);
    f.observed = rd.redact(f.observed);
    f.why = rd.redact(f.why);
    f.fix = rd.redact(f.fix);
  }
  if (o.device) {
    o.device->name = rd.redact(o.device->name);
    o.device->error = rd.redact(o.device->error);
    o.device->jit.error = rd.redact(o.device->jit.error);
  }
  return o;
}

}  // namespace sm121probe::report
