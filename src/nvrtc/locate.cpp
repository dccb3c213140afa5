#include "sm121probe/nvrtc/locate.hpp"

#include "sm121probe/arch.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <system_error>

namespace sm121probe::nvrtc {

namespace fs = std::filesystem;

namespace {

bool is_dir(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec) && !fs::is_directory(p, ec);
}

std::string real(const fs::path& p) {
  std::error_code ec;
  const fs::path r = fs::canonical(p, ec);
  return ec ? p.lexically_normal().string() : r.string();
}

// A small text file, or empty (metadata files are small; a bound keeps a stray
// huge file from costing anything).
std::string read_small(const fs::path& p, std::size_t max = 1 << 20) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return {};
  std::string s(max, '\0');
  in.read(s.data(), static_cast<std::streamsize>(max));
  s.resize(static_cast<std::size_t>(in.gcount()));
  return s;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool agrees(const std::string& full, const std::string& api) {
  return api.empty() || full == api || full.starts_with(api + ".");
}

// The wheel that installed `file` (its dist-info lists the file in RECORD).
std::optional<version_found> from_wheel(const fs::path& file, library_kind kind, const std::string& api) {
  const std::string prefix = kind == library_kind::nvrtc ? "nvidia_cuda_nvrtc" : "nvidia_nvjitlink";
  const std::string name = file.filename().string();
  fs::path dir = file.parent_path();
  for (int up = 0; up < 5 && !dir.empty(); ++up, dir = dir.parent_path()) {
    for (const fs::path& where : {dir, dir / "dist-info"}) {
      if (!is_dir(where)) continue;
      std::error_code ec;
      std::vector<fs::path> infos;
      for (const auto& e : fs::directory_iterator(where, ec)) {
        const std::string n = lower(e.path().filename().string());
        if (n.starts_with(prefix) && n.ends_with(".dist-info")) infos.push_back(e.path());
      }
      std::sort(infos.begin(), infos.end());
      for (const auto& info : infos) {
        const std::string record = read_small(info / "RECORD");
        if (!record.empty() && record.find("/" + name + ",") == std::string::npos &&
            !record.starts_with(name + ","))
          continue;
        std::istringstream meta(read_small(info / "METADATA"));
        for (std::string line; std::getline(meta, line);) {
          if (!line.starts_with("Version:")) continue;
          std::string v = line.substr(8);
          v.erase(0, v.find_first_not_of(" \t"));
          while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
          if (!v.empty() && agrees(v, api))
            return version_found{v, fmt::format("wheel metadata ({})", info.filename().string())};
          break;
        }
      }
    }
    if (dir == dir.root_path()) break;
  }
  return std::nullopt;
}

// A CUDA toolkit's version.json (runfile and package installs).
std::optional<version_found> from_version_json(const fs::path& file, library_kind kind, const std::string& api) {
  const char* key = kind == library_kind::nvrtc ? "cuda_nvrtc" : "libnvjitlink";
  fs::path dir = file.parent_path();
  for (int up = 0; up < 4 && !dir.empty(); ++up, dir = dir.parent_path()) {
    const fs::path vj = dir / "version.json";
    if (is_file(vj)) {
      const auto j = nlohmann::json::parse(read_small(vj), nullptr, false);
      if (!j.is_discarded() && j.is_object() && j.contains(key) && j[key].is_object() &&
          j[key].contains("version") && j[key]["version"].is_string()) {
        const std::string v = j[key]["version"].get<std::string>();
        if (agrees(v, api)) return version_found{v, fmt::format("version.json ({})", vj.string())};
      }
    }
    if (dir == dir.root_path()) break;
  }
  return std::nullopt;
}

}  // namespace

std::string_view library_stem(library_kind k) { return k == library_kind::nvrtc ? "libnvrtc" : "libnvJitLink"; }
std::string_view library_title(library_kind k) { return k == library_kind::nvrtc ? "NVRTC" : "nvJitLink"; }
library_kind partner_of(library_kind k) {
  return k == library_kind::nvrtc ? library_kind::nvjitlink : library_kind::nvrtc;
}

std::vector<std::string> toolkit_library_dirs(const std::string& root) {
  if (root.empty()) return {};
  const fs::path r(root);
  std::vector<fs::path> cands = {r / "lib64", r / "lib"};
  std::error_code ec;
  if (is_dir(r / "targets")) {
    std::vector<fs::path> t;
    for (const auto& e : fs::directory_iterator(r / "targets", ec)) t.push_back(e.path() / "lib");
    std::sort(t.begin(), t.end());
    cands.insert(cands.end(), t.begin(), t.end());
  }
  if (is_dir(r / "nvidia")) {
    std::vector<fs::path> cu;
    for (const auto& e : fs::directory_iterator(r / "nvidia", ec))
      if (e.path().filename().string().starts_with("cu") && e.path().filename() != "cuda_nvrtc")
        cu.push_back(e.path() / "lib");
    std::sort(cu.begin(), cu.end(), std::greater<>());  // cu13 before cu12
    cands.insert(cands.end(), cu.begin(), cu.end());
  }
  cands.push_back(r / "nvidia" / "cuda_nvrtc" / "lib");
  cands.push_back(r / "nvidia" / "nvjitlink" / "lib");
  cands.push_back(r);
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& c : cands)
    if (is_dir(c) && seen.insert(real(c)).second) out.push_back(c.lexically_normal().string());
  return out;
}

std::vector<std::string> library_files_in(const std::string& dir, library_kind kind, int prefer_major) {
  std::vector<std::pair<int, std::string>> numbered;
  std::string plain;
  const std::string stem(library_stem(kind));
  const std::regex re(stem + R"(\.so\.(\d+))");
  std::error_code ec;
  if (dir.empty() || !is_dir(dir)) return {};
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    std::smatch m;
    if (std::regex_match(n, m, re)) numbered.emplace_back(std::stoi(m[1].str()), e.path().string());
    else if (n == stem + ".so") plain = e.path().string();
  }
  std::sort(numbered.begin(), numbered.end(), [&](const auto& a, const auto& b) {
    if ((a.first == prefer_major) != (b.first == prefer_major)) return a.first == prefer_major;
    return a.first > b.first;
  });
  std::vector<std::string> out;
  for (auto& [major, path] : numbered)
    if (is_file(path)) out.push_back(std::move(path));
  if (!plain.empty() && is_file(plain)) out.push_back(plain);
  return out;
}

std::vector<std::string> partner_dirs(const std::string& path, library_kind partner) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  const auto add = [&](const fs::path& d) {
    if (!d.empty() && is_dir(d) && seen.insert(real(d)).second) out.push_back(d.lexically_normal().string());
  };
  const fs::path given(path);
  if (!given.has_parent_path()) return out;  // a bare soname: nothing is "next to" it
  for (const fs::path& dir : {given.parent_path(), fs::path(real(given)).parent_path()}) {
    add(dir);
    // CUDA 12 wheels: nvidia/cuda_nvrtc/lib and nvidia/nvjitlink/lib are siblings.
    if (dir.filename() == "lib" && dir.parent_path().parent_path().filename() == "nvidia") {
      const fs::path nvidia = dir.parent_path().parent_path();
      add(nvidia / (partner == library_kind::nvjitlink ? "nvjitlink" : "cuda_nvrtc") / "lib");
    }
  }
  return out;
}

version_found full_version(const std::string& real_path, library_kind kind, const std::string& api_version) {
  const fs::path file(real_path);
  static const std::regex numbered(R"(lib(?:nvrtc|nvJitLink)\.so\.(\d+\.\d+\.\d+))");
  std::smatch m;
  const std::string name = file.filename().string();
  if (std::regex_match(name, m, numbered) && agrees(m[1].str(), api_version)) return {m[1].str(), "file name"};
  if (!real_path.empty()) {
    if (auto w = from_wheel(file, kind, api_version)) return *w;
    if (auto v = from_version_json(file, kind, api_version)) return *v;
  }
  return {api_version, kind == library_kind::nvrtc ? "API (nvrtcVersion)" : "API (nvJitLinkVersion)"};
}

std::string describe_pair_mismatch(const library_info& nvrtc, const std::string& nvrtc_api,
                                   const library_info& nvjitlink, const std::string& jit_api) {
  const auto a = parse_cuda_version(nvrtc_api), b = parse_cuda_version(jit_api);
  if (!a || !b || *a == *b) return {};
  const std::string head = fmt::format("NVRTC {} ({}) and nvJitLink {} ({}) are not from one toolkit", nvrtc.version,
                                       nvrtc.path, nvjitlink.version, nvjitlink.path);
  const std::string fix =
      "choose a pair: --cuda-home DIR, or --nvrtc and --nvjitlink (or both SM121PROBE_*_LIBRARY variables)";
  if (*b < *a)
    return fmt::format("{}: nvJitLink {} cannot link PTX of an ISA newer than it knows, and NVRTC {} writes such "
                       "PTX; offline, those link failures are the toolkit's, not the probe's; {}",
                       head, jit_api, nvrtc_api, fix);
  return fmt::format("{}: nvJitLink {} links NVRTC {}'s PTX with a newer ptxas than the one that builds NVRTC's own "
                     "SASS, so offline PTX and SASS verdicts come from different compilers; {}",
                     head, jit_api, nvrtc_api, fix);
}

}  // namespace sm121probe::nvrtc
