// Reading the scan JSON back into the model (scan_formats.hpp).
#include "sm121probe/report/scan_formats.hpp"
#include "sm121probe/report/scan_render.hpp"

#include "sm121probe/util/json_read.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

namespace sm121probe::report {

namespace {

using json = nlohmann::json;

using rd = util::json_reader<scan_read_error>;

template <typename E, std::size_t N>
E get_enum(const json& j, const char* key, std::string_view where, const std::array<E, N>& values) {
  const std::string s = rd::string(j, key, where);
  for (const E v : values)
    if (binscan::to_string(v) == s) return v;
  throw scan_read_error(fmt::format("{}: field '{}' has unknown value '{}'", where, key, s));
}

std::string base64_decode(std::string_view in, std::string_view where) {
  std::string out;
  unsigned buf = 0;
  int bits = 0;
  for (const char c : in) {
    if (c == '=') break;
    int v = -1;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    if (v < 0) throw scan_read_error(fmt::format("{}: path_bytes is not base64", where));
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return out;
}

binscan::module_counts counts_from(const json& j, std::string_view where) {
  binscan::module_counts c;
  c.native = rd::count(j, "native", where);
  c.jit = rd::count(j, "jit", where);
  c.other = rd::count(j, "other", where);
  c.empty = rd::count(j, "empty", where);
  c.lto_only = rd::count(j, "lto_only", where);
  c.link_input = rd::count(j, "link_input", where);
  return c;
}

binscan::scan_report from_json(const json& j) {
  if (!j.is_object()) throw scan_read_error("not a scan report: expected a JSON object");
  const json& sv = rd::field(j, "schema_version", "scan report");
  if (!sv.is_number_integer()) throw scan_read_error("scan report: schema_version must be an integer");
  // Compare as the JSON number it is: 2^64-1 is a (much) newer schema, not -1.
  if (sv.is_number_unsigned() ? sv.get<std::uint64_t>() > std::uint64_t(scan_schema_version)
                              : sv.get<std::int64_t>() > std::int64_t(scan_schema_version))
    throw scan_read_error(fmt::format("scan report has schema_version {}, newer than this tool understands ({})",
                                      sv.dump(), scan_schema_version));
  if (!sv.is_number_unsigned() && sv.get<std::int64_t>() < 1)
    throw scan_read_error(fmt::format("scan report has invalid schema_version {}", sv.dump()));
  binscan::scan_report r;
  const std::string target = rd::string(j, "target", "scan report");
  const auto arch = parse_arch_name(target);
  if (!arch || arch->kind != code_kind::sass)
    throw scan_read_error(fmt::format("scan report: target '{}' is not a device architecture", target));
  r.target.device = arch->arch.base();
  const std::string driver = rd::string(j, "driver_cuda", "scan report");
  const auto dv = parse_cuda_version(driver);
  if (!dv) throw scan_read_error(fmt::format("scan report: driver_cuda '{}' is not a CUDA release", driver));
  r.target.driver = *dv;
  r.target_source = rd::string(j, "target_source", "scan report");
  r.driver_source = rd::string(j, "driver_cuda_source", "scan report");
  r.group_by = get_enum(j, "grouping", "scan report",
                        std::array{binscan::grouping::directory, binscan::grouping::python_package});
  r.roots = rd::strings(j, "roots", "scan report");
  if (const auto tc = j.find("trap_check"); tc != j.end()) {
    if (!tc->is_string()) throw scan_read_error("scan report: field 'trap_check' must be a string");
    r.trap_check = tc->get<std::string>();
  }
  const json& files = rd::field(j, "files", "scan report");
  if (!files.is_array()) throw scan_read_error("scan report: field 'files' must be an array");
  for (const auto& fj : files) {
    binscan::file_result f;
    constexpr std::string_view w = "file";
    f.path = rd::string(fj, "path", w);
    if (const auto pb = fj.find("path_bytes"); pb != fj.end()) {
      if (!pb->is_string()) throw scan_read_error("file: field 'path_bytes' must be a string");
      f.path = base64_decode(pb->get<std::string>(), w);
    }
    f.group = rd::string(fj, "group", w);
    f.format = get_enum(fj, "format", w,
                        std::array{binscan::file_format::elf, binscan::file_format::archive, binscan::file_format::cubin,
                                   binscan::file_format::fatbin, binscan::file_format::ptx, binscan::file_format::raw,
                                   binscan::file_format::unknown});
    f.size_bytes = rd::count(fj, "size_bytes", w);
    f.result = get_enum(fj, "verdict", w,
                        std::array{binscan::verdict::native, binscan::verdict::fallback, binscan::verdict::failing,
                                   binscan::verdict::no_gpu_code, binscan::verdict::error});
    f.reason = rd::string(fj, "reason", w);
    f.sass = rd::strings(fj, "sass", w);
    const json& ptx = rd::field(fj, "ptx", w);
    if (!ptx.is_array()) throw scan_read_error("file: field 'ptx' must be an array");
    for (const auto& p : ptx) f.ptx.push_back({rd::string(p, "arch", "ptx"), rd::string(p, "isa", "ptx")});
    f.lto_ir = rd::strings(fj, "lto_ir", w);
    f.counts = counts_from(rd::field(fj, "modules", w), "modules");
    f.warnings = rd::strings(fj, "warnings", w);
    if (const auto fd = fj.find("findings"); fd != fj.end()) {
      if (!fd->is_array()) throw scan_read_error("file: field 'findings' must be an array");
      for (const auto& x : *fd) f.findings.push_back({rd::string(x, "kind", "finding"), rd::string(x, "message", "finding")});
    }
    if (const auto k = fj.find("kernels"); k != fj.end()) {
      binscan::kernel_census c;
      c.kernels = rd::count(*k, "checked", "kernels");
      c.trap_only = rd::count(*k, "trap_only", "kernels");
      c.images_skipped = rd::count(*k, "images_skipped", "kernels");
      c.examples = rd::strings(*k, "trap_only_examples", "kernels");
      f.kernels = std::move(c);
    }
    if (const auto alt = fj.find("alternative"); alt != fj.end()) {
      if (!alt->is_string()) throw scan_read_error("file: field 'alternative' must be a string");
      f.alternative = alt->get<std::string>();
    }
    f.named = std::find(r.roots.begin(), r.roots.end(), f.path) != r.roots.end();
    r.files.push_back(std::move(f));
  }
  if (const auto pk = j.find("packages"); pk != j.end()) {
    if (!pk->is_array()) throw scan_read_error("scan report: field 'packages' must be an array");
    r.package_view = true;
    for (const auto& pj : *pk) {
      constexpr std::string_view w = "package";
      binscan::package_result p;
      p.name = rd::string(pj, "name", w);
      if (const auto v = pj.find("version"); v != pj.end() && v->is_string()) p.version = v->get<std::string>();
      p.source = rd::string(pj, "source", w);
      p.location = rd::string(pj, "location", w);
      p.result = get_enum(pj, "verdict", w,
                          std::array{binscan::package_verdict::native, binscan::package_verdict::fallback,
                                     binscan::package_verdict::runtime_compile, binscan::package_verdict::failing,
                                     binscan::package_verdict::error});
      p.how = get_enum(pj, "how", w,
                       std::array{binscan::package_how::native_sass, binscan::package_how::ptx_jit,
                                  binscan::package_how::jit_link, binscan::package_how::runtime_compile,
                                  binscan::package_how::nothing});
      p.reason = rd::string(pj, "reason", w);
      p.files = rd::count(pj, "files", w);
      p.native = rd::count(pj, "native", w);
      p.fallback = rd::count(pj, "fallback", w);
      p.failing = rd::count(pj, "failing", w);
      p.error = rd::count(pj, "error", w);
      if (const auto a = pj.find("alternatives"); a != pj.end()) {
        binscan::package_alternatives alt;
        alt.cuda = rd::string(*a, "cuda", "alternatives");
        alt.cuda_source = rd::string(*a, "cuda_source", "alternatives");
        if (const auto sel = a->find("selected"); sel != a->end() && sel->is_string()) alt.selected = sel->get<std::string>();
        alt.others = rd::strings(*a, "others", "alternatives");
        p.alternatives = std::move(alt);
      }
      if (const auto rc = pj.find("runtime_compile"); rc != pj.end()) {
        if (!rc->is_string()) throw scan_read_error("package: field 'runtime_compile' must be a string");
        p.runtime_compile = rc->get<std::string>();
      }
      r.packages.push_back(std::move(p));
    }
  }
  if (const auto fd = j.find("findings"); fd != j.end()) {
    if (!fd->is_array()) throw scan_read_error("scan report: field 'findings' must be an array");
    for (const auto& x : *fd)
      r.findings.push_back({rd::string(x, "kind", "finding"), rd::string(x, "message", "finding"),
                            rd::strings(x, "packages", "finding")});
  }
  const json& summary = rd::field(j, "summary", "scan report");
  r.skipped_files = rd::count(summary, "skipped_files", "summary");
  r.skipped_symlinks = rd::count(summary, "skipped_symlinks", "summary");
  return r;
}

}  // namespace

binscan::scan_report parse_scan_report(std::string_view text) {
  const json j = rd::parse(text);
  try {
    return from_json(j);
  } catch (const json::exception& e) {
    throw scan_read_error(std::string("unexpected scan report content: ") + e.what());
  }
}

}  // namespace sm121probe::report
