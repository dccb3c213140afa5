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

namespace {

json build_json(const binscan::scan_report& report, const scan_render_options& opts, bool with_files) {
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
  if (with_files)
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

// ---- A direct writer for files[] ---------------------------------------------------
// Byte for byte what json::dump(2) writes for file_json() (a test compares them),
// without building the tree: for 16,000 files the tree, its serializer and freeing
// it were about a third of the scan's CPU time (docs/performance.md).

/// A JSON string of valid UTF-8 (callers pass to_valid_utf8 output), escaped as nlohmann does.
std::string str(std::string_view s) {
  std::string o;
  o.reserve(s.size() + 2);
  o += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\b': o += "\\b"; break;
      case '\f': o += "\\f"; break;
      case '\n': o += "\\n"; break;
      case '\r': o += "\\r"; break;
      case '\t': o += "\\t"; break;
      default:
        if (c < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          o += "\\u00";
          o += hex[c >> 4];
          o += hex[c & 0xf];
        } else {
          o += ch;
        }
    }
  }
  o += '"';
  return o;
}

using member = std::pair<std::string_view, std::string>;

/// An object whose members are already rendered for indent `ind` + 2.
std::string obj(const std::vector<member>& ms, std::size_t ind) {
  if (ms.empty()) return "{}";
  std::string o = "{\n";
  for (std::size_t i = 0; i < ms.size(); ++i) {
    o.append(ind + 2, ' ');
    o += '"';
    o += ms[i].first;
    o += "\": ";
    o += ms[i].second;
    o += i + 1 < ms.size() ? ",\n" : "\n";
  }
  o.append(ind, ' ');
  o += '}';
  return o;
}

/// An array whose items are already rendered for indent `ind` + 2.
std::string arr(const std::vector<std::string>& items, std::size_t ind) {
  if (items.empty()) return "[]";
  std::string o = "[\n";
  for (std::size_t i = 0; i < items.size(); ++i) {
    o.append(ind + 2, ' ');
    o += items[i];
    o += i + 1 < items.size() ? ",\n" : "\n";
  }
  o.append(ind, ' ');
  o += ']';
  return o;
}

std::string strings(const std::vector<std::string>& v, std::size_t ind) {
  std::vector<std::string> items;
  items.reserve(v.size());
  for (const auto& x : v) items.push_back(str(to_valid_utf8(x)));
  return arr(items, ind);
}

std::string num(std::uint64_t n) { return std::to_string(n); }

/// One files[] object at indent `ind` (the same members, in the same order, as file_json).
std::string file_text(const binscan::file_result& f, std::size_t ind) {
  const std::size_t m = ind + 2;  // indent of the members' values' own members
  std::vector<member> ms;
  ms.reserve(16);
  ms.emplace_back("path", str(to_valid_utf8(f.path)));
  if (!is_valid_utf8(f.path)) ms.emplace_back("path_bytes", str(base64_encode(f.path)));
  ms.emplace_back("group", str(to_valid_utf8(f.group)));
  ms.emplace_back("format", str(binscan::to_string(f.format)));
  ms.emplace_back("size_bytes", num(f.size_bytes));
  ms.emplace_back("verdict", str(binscan::to_string(f.result)));
  ms.emplace_back("reason", str(to_valid_utf8(f.reason)));
  ms.emplace_back("sass", strings(f.sass, m));
  std::vector<std::string> ptx;
  for (const auto& p : f.ptx)
    ptx.push_back(obj({{"arch", str(to_valid_utf8(p.arch))}, {"isa", str(to_valid_utf8(p.isa))}}, m + 2));
  ms.emplace_back("ptx", arr(ptx, m));
  ms.emplace_back("lto_ir", strings(f.lto_ir, m));
  const auto& c = f.counts;
  ms.emplace_back("modules", obj({{"total", num(c.total())},
                                  {"native", num(c.native)},
                                  {"jit", num(c.jit)},
                                  {"other", num(c.other)},
                                  {"empty", num(c.empty)},
                                  {"lto_only", num(c.lto_only)},
                                  {"link_input", num(c.link_input)}},
                                 m));
  ms.emplace_back("warnings", strings(f.warnings, m));
  if (!f.findings.empty()) {
    std::vector<std::string> items;
    for (const auto& fd : f.findings)
      items.push_back(obj({{"kind", str(to_valid_utf8(fd.kind))}, {"message", str(to_valid_utf8(fd.message))}}, m + 2));
    ms.emplace_back("findings", arr(items, m));
  }
  if (f.kernels)
    ms.emplace_back("kernels", obj({{"checked", num(f.kernels->kernels)},
                                    {"trap_only", num(f.kernels->trap_only)},
                                    {"images_skipped", num(f.kernels->images_skipped)},
                                    {"trap_only_examples", strings(f.kernels->examples, m + 2)}},
                                   m));
  if (!f.alternative.empty()) ms.emplace_back("alternative", str(f.alternative));
  return obj(ms, ind);
}

}  // namespace

json scan_to_json(const binscan::scan_report& report, const scan_render_options& opts) {
  return build_json(report, opts, true);
}

std::string render_scan_json(const binscan::scan_report& report, const scan_render_options& opts) {
  const auto dump = [](const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); };
  if (opts.details) return dump(scan_to_json(report, opts)) + "\n";  // containers: through the tree
  std::string out = dump(build_json(report, opts, false));
  // Only the top-level files array can be empty here: every other "files" is a count.
  static constexpr std::string_view placeholder = "\n  \"files\": []";
  const auto at = out.find(placeholder);
  if (at == std::string::npos || report.files.empty()) return out + "\n";
  std::vector<std::string> items;
  items.reserve(report.files.size());
  for (const auto& f : report.files) items.push_back(file_text(f, 4));
  out.replace(at, placeholder.size(), "\n  \"files\": " + arr(items, 2));
  return out + "\n";
}

}  // namespace sm121probe::report
