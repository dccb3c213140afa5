// Installed Python distributions read from their files (python_dist.hpp); moved
// here from the doctor so that `scan` and `doctor` share one reader.
#include "sm121probe/binscan/python_dist.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>

namespace sm121probe::binscan {

namespace fs = std::filesystem;

std::string read_file_head(const std::string& path, std::size_t max) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return {};
  std::string s(max, '\0');
  f.read(s.data(), static_cast<std::streamsize>(max));
  s.resize(static_cast<std::size_t>(std::max<std::streamsize>(f.gcount(), 0)));
  return s;
}

std::string py_assignment(const std::string& text, const std::string& name) {
  const std::regex re("(^|\\n)" + name + R"(\s*(:[^=\n]*)?=\s*['"]([^'"\n]*)['"])");
  std::smatch m;
  return std::regex_search(text, m, re) ? m[3].str() : std::string();
}

std::string normalize_name(std::string_view name) {
  std::string out;
  bool sep = false;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      sep = true;
      continue;
    }
    if (sep && !out.empty()) out += '-';
    sep = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::vector<std::string> metadata_fields(const std::string& metadata, const std::string& field) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < metadata.size()) {
    auto nl = metadata.find('\n', pos);
    if (nl == std::string::npos) nl = metadata.size();
    std::string_view line(metadata.data() + pos, nl - pos);
    pos = nl + 1;
    if (line.empty() || line == "\r") break;  // end of the header block
    if (line.size() > field.size() + 1 && line.substr(0, field.size()) == field && line[field.size()] == ':') {
      std::string v(line.substr(field.size() + 1));
      while (!v.empty() && (v.front() == ' ')) v.erase(v.begin());
      while (!v.empty() && (v.back() == '\r' || v.back() == ' ')) v.pop_back();
      out.push_back(std::move(v));
    }
  }
  return out;
}

std::string metadata_field(const std::string& metadata, const std::string& field) {
  auto all = metadata_fields(metadata, field);
  return all.empty() ? std::string() : std::move(all.front());
}

requirement parse_requirement(std::string_view text) {
  requirement r;
  std::size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  std::size_t j = i;
  while (j < text.size() && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '-' || text[j] == '_' ||
                             text[j] == '.'))
    ++j;
  r.name = normalize_name(text.substr(i, j - i));
  if (const auto semi = text.find(';'); semi != std::string_view::npos)
    r.only_with_extra = text.substr(semi).find("extra") != std::string_view::npos;
  return r;
}

std::vector<distribution> read_distributions(const std::vector<std::string>& sites) {
  std::vector<distribution> out;
  for (const auto& site : sites) {
    std::error_code ec;
    std::vector<fs::path> infos;
    for (fs::directory_iterator it(site, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".dist-info") infos.push_back(it->path());
    std::sort(infos.begin(), infos.end());
    for (const auto& d : infos) {
      const std::string meta = read_file_head((d / "METADATA").string(), 256 * 1024);
      distribution dist{metadata_field(meta, "Name"), metadata_field(meta, "Version"), d.string(), site,
                        metadata_fields(meta, "Requires-Dist"), 0};
      if (dist.name.empty()) {
        // name-version.dist-info
        const std::string stem = d.stem().string();
        const auto dash = stem.find('-');
        dist.name = stem.substr(0, dash);
        if (dash != std::string::npos) dist.version = stem.substr(dash + 1);
      }
      struct stat st {};
      if (::stat((d / "RECORD").c_str(), &st) == 0)
        dist.installed_ns = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
      out.push_back(std::move(dist));
    }
  }
  return out;
}

bool for_each_record_path(const distribution& d, const std::function<void(std::string_view)>& fn) {
  std::ifstream f(fs::path(d.dist_info) / "RECORD", std::ios::binary);
  if (!f) return false;
  std::string line;
  std::size_t total = 0;
  while (std::getline(f, line)) {
    total += line.size() + 1;
    if (total > max_record_bytes) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::string_view path;
    std::string unquoted;
    if (line.front() == '"') {  // csv quoting: "a,b.so",sha256=...,123
      for (std::size_t i = 1; i < line.size(); ++i) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            unquoted += '"';
            ++i;
            continue;
          }
          break;
        }
        unquoted += line[i];
      }
      path = unquoted;
    } else {
      path = std::string_view(line).substr(0, line.find(','));
    }
    if (!path.empty()) fn(path);
  }
  return true;
}

}  // namespace sm121probe::binscan
