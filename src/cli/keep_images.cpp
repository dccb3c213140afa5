#include "keep_images.hpp"

#include "sm121probe/cli/app.hpp"
#include "sm121probe/probe/sass.hpp"
#include "sm121probe/util/io.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <system_error>

namespace sm121probe::cli {

namespace fs = std::filesystem;

namespace {

// A file name part: letters, digits, '.', '_' and '-' kept, anything else '_'.
std::string safe(std::string_view s) {
  std::string out;
  for (const char c : s)
    out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-') ? c : '_';
  return out.empty() ? "_" : out;
}

bool is_elf(const std::vector<std::byte>& image) {
  return image.size() >= 4 && image[0] == std::byte{0x7f} && image[1] == std::byte{'E'} &&
         image[2] == std::byte{'L'} && image[3] == std::byte{'F'};
}

void write_bytes(const fs::path& path, std::string_view bytes) { util::write_file_atomically(path, bytes); }

}  // namespace

image_keeper::image_keeper(const std::string& dir, const nvrtc::toolchain& tools)
    : m_dir(dir), m_tools(tools) {
  std::error_code ec;
  if (fs::exists(m_dir, ec) && !fs::is_directory(m_dir, ec))
    throw usage_error(fmt::format("--keep-images '{}' exists and is not a directory", dir));
  fs::create_directories(m_dir / "images", ec);
  if (!ec) fs::create_directories(m_dir / "references", ec);
  if (ec) throw usage_error(fmt::format("--keep-images '{}': cannot create it ({})", dir, ec.message()));
}

std::string image_keeper::reference_for(const probe::sass_check& c, const std::string& target) {
  const std::string key = target + '\x1f' + c.ptx + '\x1f' + c.outputs + '\x1f' + c.inputs;
  if (const auto it = m_references.find(key); it != m_references.end()) return it->second;
  const std::string stem = fmt::format("references/{}.{}", safe(target), m_references.size());
  const std::string source = probe::reference_source(c);
  nvrtc::compile_request rq;
  rq.name = "sass-reference.cu";
  rq.source = source;
  rq.target = target;
  const nvrtc::compile_result res = m_tools.compile(rq);
  std::string file;
  write_bytes(m_dir / (stem + ".cu"), source);
  if (res.ok) {
    file = stem + ".cubin";
    write_bytes(m_dir / file, std::string_view(reinterpret_cast<const char*>(res.image.data()), res.image.size()));
  }
  m_references.emplace(key, file);
  return file;
}

void image_keeper::add(const probe::probe& p, const std::vector<probe::compiled_variant>& variants) {
  for (const auto& cv : variants) {
    if (cv.image.empty()) continue;
    entry e;
    e.probe = p.id;
    e.variant = cv.attempt.variant;
    e.target = cv.attempt.target;
    e.kind = is_elf(cv.image) ? "cubin" : "ptx";
    e.file = fmt::format("images/{}.{}.{}.{}", safe(p.id), safe(e.variant), safe(e.target), e.kind);
    write_bytes(m_dir / e.file,
                std::string_view(reinterpret_cast<const char*>(cv.image.data()), cv.image.size()));
    e.emulated = cv.attempt.emulated;
    if (cv.attempt.sass) {
      e.has_sass = true;
      e.expected_class = cv.attempt.sass->expected_class;
      e.note = cv.attempt.sass->note;
      for (const auto& c : p.sass_checks) e.checks.emplace_back(&c, reference_for(c, e.target));
    }
    m_entries.push_back(std::move(e));
  }
}

void image_keeper::finish(const report::run_report& r) {
  nlohmann::ordered_json images = nlohmann::ordered_json::array();
  for (const auto& e : m_entries) {
    nlohmann::ordered_json j;
    j["probe"] = e.probe;
    j["variant"] = e.variant;
    j["target"] = e.target;
    j["kind"] = e.kind;
    j["file"] = e.file;
    std::string verdict;
    for (const auto& p : r.probes)
      if (p.id == e.probe) verdict = std::string(report::to_string(p.result));
    j["verdict"] = verdict;
    if (e.has_sass) {
      nlohmann::ordered_json checks = nlohmann::ordered_json::array();
      for (const auto& [c, ref] : e.checks)
        checks.push_back({{"class", c->expected_class},
                          {"ptx", c->ptx},
                          {"reference", ref.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(ref)}});
      j["sass"] = {{"expected_class", e.expected_class}, {"emulated", e.emulated}, {"note", e.note},
                   {"checks", std::move(checks)}};
    } else {
      j["sass"] = nullptr;
    }
    images.push_back(std::move(j));
  }
  nlohmann::ordered_json m;
  m["manifest_version"] = 1;
  m["target"] = r.target;
  m["mode"] = report::to_string(r.mode);
  m["nvrtc"] = {{"version", r.toolkit.nvrtc.version}, {"path", r.toolkit.nvrtc.path}};
  m["nvjitlink"] = {{"version", r.toolkit.nvjitlink.version}, {"path", r.toolkit.nvjitlink.path}};
  m["images"] = std::move(images);
  write_bytes(m_dir / "manifest.json", m.dump(2) + "\n");
}

}  // namespace sm121probe::cli
