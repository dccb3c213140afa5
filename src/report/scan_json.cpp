#include "sm121probe/report/scan_render.hpp"

#include "sm121probe/version.hpp"

namespace sm121probe::report {

using json = nlohmann::ordered_json;

namespace {

/// Length of the well-formed UTF-8 sequence at s[i], or 0 when it is not one.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (b(i + 1) < lo || b(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k)
    if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
  return len;
}

json counts_json(const binscan::module_counts& c) {
  return json{{"total", c.total()}, {"native", c.native},     {"jit", c.jit},
              {"other", c.other},   {"empty", c.empty},       {"lto_only", c.lto_only},
              {"link_input", c.link_input}};
}

json group_json(const binscan::group_summary& g) {
  return json{{"name", to_valid_utf8(g.name)},
              {"files", g.files},
              {"native", g.native},
              {"fallback", g.fallback},
              {"failing", g.failing},
              {"no_gpu_code", g.no_gpu_code},
              {"error", g.error},
              {"modules", counts_json(g.modules)}};
}

std::string_view variant_name(arch_variant v) {
  switch (v) {
    case arch_variant::plain: return "plain";
    case arch_variant::arch_specific: return "a";
    case arch_variant::family: return "f";
  }
  return "plain";
}

json entry_json(const binscan::fatbin_entry& e) {
  json j{{"kind", binscan::to_string(e.kind)},
         {"name", to_valid_utf8(e.name())},
         {"sm", e.raw_arch},
         {"variant", e.arch ? json(variant_name(e.arch->variant)) : json(nullptr)},
         {"isa", e.isa ? json(to_string(*e.isa)) : json(nullptr)},
         {"compression", binscan::to_string(e.comp)},
         {"offset", e.offset},
         {"header_size", e.header_size},
         {"payload_size", e.payload_size},
         {"compressed_size", e.compressed_size},
         {"uncompressed_size", e.uncompressed_size},
         {"flags", e.flags}};
  return j;
}

json container_json(const binscan::container_record& c) {
  json entries = json::array();
  for (const auto& e : c.container.entries) entries.push_back(entry_json(e));
  return json{{"offset", c.container.offset},   {"size", c.container.size}, {"section", to_valid_utf8(c.section)},
              {"class", binscan::to_string(c.cls)}, {"stub", c.stub},          {"entries", std::move(entries)}};
}

json file_json(const binscan::file_result& f, const scan_render_options& opts) {
  json j;
  j["path"] = to_valid_utf8(f.path);
  if (!is_valid_utf8(f.path)) j["path_bytes"] = base64_encode(f.path);
  j["group"] = to_valid_utf8(f.group);
  j["format"] = binscan::to_string(f.format);
  j["size_bytes"] = f.size_bytes;
  j["verdict"] = binscan::to_string(f.result);
  j["reason"] = to_valid_utf8(f.reason);
  j["sass"] = f.sass;
  json ptx = json::array();
  for (const auto& p : f.ptx) ptx.push_back(json{{"arch", p.arch}, {"isa", p.isa}});
  j["ptx"] = std::move(ptx);
  j["lto_ir"] = f.lto_ir;
  j["modules"] = counts_json(f.counts);
  json warnings = json::array();
  for (const auto& w : f.warnings) warnings.push_back(to_valid_utf8(w));
  j["warnings"] = std::move(warnings);
  if (!f.findings.empty()) {
    json findings = json::array();
    for (const auto& fd : f.findings)
      findings.push_back(json{{"kind", fd.kind}, {"message", to_valid_utf8(fd.message)}});
    j["findings"] = std::move(findings);
  }
  if (f.kernels) {
    json examples = json::array();
    for (const auto& n : f.kernels->examples) examples.push_back(to_valid_utf8(n));
    j["kernels"] = json{{"checked", f.kernels->kernels},
                        {"trap_only", f.kernels->trap_only},
                        {"images_skipped", f.kernels->images_skipped},
                        {"trap_only_examples", std::move(examples)}};
  }
  if (!f.alternative.empty()) j["alternative"] = f.alternative;
  if (opts.details) {
    json containers = json::array();
    for (const auto& c : f.containers) containers.push_back(container_json(c));
    j["containers"] = std::move(containers);
  }
  return j;
}

json package_json(const binscan::package_result& p) {
  json j;
  j["name"] = to_valid_utf8(p.name);
  j["version"] = p.version.empty() ? json(nullptr) : json(to_valid_utf8(p.version));
  j["source"] = p.source;
  j["location"] = to_valid_utf8(p.location);
  j["verdict"] = binscan::to_string(p.result);
  j["how"] = binscan::to_string(p.how);
  j["reason"] = to_valid_utf8(p.reason);
  j["files"] = p.files;
  j["native"] = p.native;
  j["fallback"] = p.fallback;
  j["failing"] = p.failing;
  j["error"] = p.error;
  if (p.alternatives) {
    const auto& a = *p.alternatives;
    json others = json::array();
    for (const auto& o : a.others) others.push_back(to_valid_utf8(o));
    j["alternatives"] = json{{"cuda", a.cuda},
                             {"cuda_source", to_valid_utf8(a.cuda_source)},
                             {"selected", a.selected.empty() ? json(nullptr) : json(to_valid_utf8(a.selected))},
                             {"others", std::move(others)}};
  }
  if (!p.runtime_compile.empty()) j["runtime_compile"] = to_valid_utf8(p.runtime_compile);
  return j;
}

}  // namespace

bool is_valid_utf8(std::string_view raw) {
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t n = utf8_sequence(raw, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string to_valid_utf8(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t n = utf8_sequence(raw, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(raw.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string escape_for_text(std::string_view raw) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t n = utf8_sequence(raw, i);
    const auto c = static_cast<unsigned char>(raw[i]);
    if (n == 0 || c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
      ++i;
    } else {
      out.append(raw.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string base64_encode(std::string_view raw) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((raw.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(raw[k])); };
  for (; i + 3 <= raw.size(); i += 3) {
    const unsigned v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (const std::size_t rest = raw.size() - i; rest > 0) {
    const unsigned v = byte(i) << 16 | (rest == 2 ? byte(i + 1) << 8 : 0u);
    out += alphabet[v >> 18];
    out += alphabet[(v >> 12) & 63];
    out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

json scan_to_json(const binscan::scan_report& report, const scan_render_options& opts) {
  json j;
  j["schema_version"] = scan_schema_version;
  j["tool"] = json{{"name", "sm121-probe"}, {"version", build_info::version}, {"git_sha", build_info::git_sha}};
  j["target"] = sass_name(report.target.device.base());
  j["target_source"] = to_valid_utf8(report.target_source);
  j["driver_cuda"] = to_string(report.target.driver);
  j["driver_cuda_source"] = to_valid_utf8(report.driver_source);
  const auto limit = max_ptx_isa_for(report.target.driver);
  j["max_ptx_isa"] = limit ? json(to_string(limit->isa)) : json(nullptr);
  j["max_ptx_isa_assumed"] = limit && !limit->exact;
  j["grouping"] = binscan::to_string(report.group_by);
  if (!report.trap_check.empty()) j["trap_check"] = to_valid_utf8(report.trap_check);
  json roots = json::array();
  for (const auto& r : report.roots) roots.push_back(to_valid_utf8(r));
  j["roots"] = std::move(roots);
  if (report.package_view) {
    json packages = json::array();
    for (const auto& p : report.packages) packages.push_back(package_json(p));
    j["packages"] = std::move(packages);
    json findings = json::array();
    for (const auto& fd : report.findings) {
      json names = json::array();
      for (const auto& n : fd.packages) names.push_back(to_valid_utf8(n));
      findings.push_back(json{{"kind", fd.kind}, {"message", to_valid_utf8(fd.message)}, {"packages", std::move(names)}});
    }
    j["findings"] = std::move(findings);
  }
  json files = json::array();
  for (const auto& f : report.files) files.push_back(file_json(f, opts));
  j["files"] = std::move(files);

  const auto all = binscan::summarize_all(report);
  json groups = json::array();
  for (const auto& g : binscan::summarize_groups(report)) groups.push_back(group_json(g));
  json summary = group_json(all);
  summary.erase("name");
  summary["skipped_files"] = report.skipped_files;
  summary["skipped_symlinks"] = report.skipped_symlinks;
  summary["groups"] = std::move(groups);
  j["summary"] = std::move(summary);
  j["exit_code"] = binscan::scan_exit_code(report);
  return j;
}

std::string render_scan_json(const binscan::scan_report& report, const scan_render_options& opts) {
  return scan_to_json(report, opts).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace sm121probe::report
