#include "sm121probe/binscan/needed.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>

namespace sm121probe::binscan {

namespace {

constexpr std::uint64_t dt_null = 0, dt_needed = 1, dt_rpath = 15, dt_runpath = 29;

std::vector<std::string> split_path(std::string_view s) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    const auto colon = s.find(':', pos);
    const auto part = s.substr(pos, colon == std::string_view::npos ? std::string_view::npos : colon - pos);
    if (!part.empty()) out.emplace_back(part);
    if (colon == std::string_view::npos) break;
    pos = colon + 1;
  }
  return out;
}

std::string dir_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

/// $ORIGIN / ${ORIGIN} replaced by the file's directory.
std::string expand_origin(std::string dir, const std::string& file) {
  const std::string origin = dir_of(file);
  for (const std::string token : {"${ORIGIN}", "$ORIGIN"}) {
    for (auto at = dir.find(token); at != std::string::npos; at = dir.find(token, at + origin.size()))
      dir.replace(at, token.size(), origin);
  }
  return dir;
}

bool is_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

/// The directories searched for a file's needed libraries, in the loader's order.
std::vector<std::string> search_dirs(const library_search& s, const std::string& file, const dynamic_info& dyn) {
  std::vector<std::string> dirs;
  if (dyn.runpath.empty())
    for (const auto& d : dyn.rpath) dirs.push_back(expand_origin(d, file));
  dirs.insert(dirs.end(), s.ld_library_path.begin(), s.ld_library_path.end());
  for (const auto& d : dyn.runpath) dirs.push_back(expand_origin(d, file));
  return dirs;
}

/// "libcudart.so." for "libcudart.so.12".
std::string stem_of(const std::string& soname) {
  const auto so = soname.find(".so");
  return so == std::string::npos ? soname : soname.substr(0, so + 3);
}

}  // namespace

std::optional<dynamic_info> read_dynamic(const byte_source& src, const elf_file& elf) {
  const elf_section* dyn = elf.find(".dynamic");
  if (!dyn || dyn->size == 0 || dyn->link == 0 || dyn->link >= elf.sections.size()) return std::nullopt;
  const elf_section& strtab = elf.sections[dyn->link];
  if (strtab.size > max_section_name_table)
    throw parse_error(strtab.offset, "dynamic string table is implausibly large");
  std::vector<std::byte> scratch, str_scratch;
  const byte_reader d = src.reader(dyn->offset, dyn->size, scratch, ".dynamic", elf.little_endian);
  const auto strings = src.view(strtab.offset, strtab.size, str_scratch, "dynamic string table");
  const auto str = [&](std::uint64_t off) -> std::string {
    if (off >= strings.size()) return {};
    const auto* p = reinterpret_cast<const char*>(strings.data()) + off;
    return std::string(p, strnlen(p, strings.size() - off));
  };
  const std::uint64_t entry = elf.is_64 ? 16 : 8;
  dynamic_info out;
  for (std::uint64_t at = 0; at + entry <= d.size(); at += entry) {
    const std::uint64_t tag = elf.is_64 ? d.read<std::uint64_t>(at) : d.read<std::uint32_t>(at);
    const std::uint64_t val = elf.is_64 ? d.read<std::uint64_t>(at + 8) : d.read<std::uint32_t>(at + 4);
    if (tag == dt_null) break;
    if (tag == dt_needed) out.needed.push_back(str(val));
    if (tag == dt_rpath)
      for (auto& p : split_path(str(val))) out.rpath.push_back(std::move(p));
    if (tag == dt_runpath)
      for (auto& p : split_path(str(val))) out.runpath.push_back(std::move(p));
  }
  return out;
}

bool is_cuda_library(std::string_view soname) {
  static constexpr std::array prefixes = {"libcudart.so",  "libcublas.so",    "libcublasLt.so", "libcufft.so",
                                          "libcufftw.so",  "libcurand.so",    "libcusparse.so", "libcusolver.so",
                                          "libcusolverMg.so", "libnvrtc.so",  "libnvJitLink.so", "libcudnn",
                                          "libnccl.so",    "libnvjpeg.so",    "libnpp",         "libcupti.so",
                                          "libcufile.so",  "libnvshmem",      "libcusparseLt.so", "libnvToolsExt.so",
                                          "libcuda.so.1"};
  for (std::string_view p : prefixes)
    if (soname.starts_with(p)) return p != "libcuda.so.1";  // the driver's library is not the toolkit's to ship
  return false;
}

library_search library_search::from_system(const std::string& cache_file) {
  library_search s;
  if (const char* llp = std::getenv("LD_LIBRARY_PATH")) s.ld_library_path = split_path(llp);
  s.cache = read_ld_cache(cache_file);
  return s;
}

void library_search::add_nvidia_wheels(const std::string& site_packages) {
  const std::string base = site_packages + "/nvidia";
  DIR* d = ::opendir(base.c_str());
  if (!d) return;
  std::vector<std::string> found;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string lib = base + "/" + name + "/lib";
    struct stat st {};
    if (::stat(lib.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) found.push_back(lib);
  }
  ::closedir(d);
  std::sort(found.begin(), found.end());
  for (auto& f : found)
    if (std::find(extra_dirs.begin(), extra_dirs.end(), f) == extra_dirs.end()) extra_dirs.push_back(std::move(f));
}

std::optional<std::string> library_search::find(const std::string& soname, const std::string& file,
                                                const dynamic_info& dyn) const {
  if (soname.find('/') != std::string::npos) return is_file(soname) ? std::optional(soname) : std::nullopt;
  for (const auto& d : search_dirs(*this, file, dyn))
    if (is_file(d + "/" + soname)) return d + "/" + soname;
  if (const auto it = cache.find(soname); it != cache.end() && is_file(it->second)) return it->second;
  for (const auto* list : {&default_dirs, &extra_dirs})
    for (const auto& d : *list)
      if (is_file(d + "/" + soname)) return d + "/" + soname;
  return std::nullopt;
}

std::vector<std::string> library_search::other_versions(const std::string& soname, const std::string& file,
                                                        const dynamic_info& dyn) const {
  const std::string stem = stem_of(soname) + ".";  // "libcudart.so."
  std::set<std::string> out;
  for (const auto& [name, path] : cache)
    if (name.starts_with(stem) && name != soname && is_file(path)) out.insert(name);
  std::vector<std::string> dirs = search_dirs(*this, file, dyn);
  dirs.insert(dirs.end(), default_dirs.begin(), default_dirs.end());
  dirs.insert(dirs.end(), extra_dirs.begin(), extra_dirs.end());
  for (const auto& dir : dirs) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) continue;
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name.starts_with(stem) && name != soname) out.insert(name);
    }
    ::closedir(d);
  }
  return {out.begin(), out.end()};
}

std::map<std::string, std::string> read_ld_cache(const std::string& path) {
  std::map<std::string, std::string> out;
  std::ifstream in(path, std::ios::binary);
  if (!in) return out;
  // The cache is small (tens of KiB); refuse anything absurd. Read what is there,
  // not a 64 MiB zero-filled buffer (that alone was 64 MB of every scan's peak RSS).
  constexpr std::size_t max_cache = 64u << 20;
  std::string data;
  char buf[64 * 1024];
  while (data.size() < max_cache && in.read(buf, sizeof buf).gcount() > 0)
    data.append(buf, static_cast<std::size_t>(in.gcount()));
  if (data.size() > max_cache) data.resize(max_cache);
  static constexpr std::string_view magic = "glibc-ld.so.cache1.1";
  if (!std::string_view(data).starts_with(magic)) return out;
  const byte_reader r({reinterpret_cast<const std::byte*>(data.data()), data.size()});
  try {
    const auto count = r.read<std::uint32_t>(20);
    constexpr std::uint64_t header = 48, entry = 24;  // flags, key, value, osversion, hwcap
    for (std::uint64_t i = 0; i < count && header + (i + 1) * entry <= data.size(); ++i) {
      const std::uint64_t e = header + i * entry;
      const auto key = r.read<std::uint32_t>(e + 4);
      const auto value = r.read<std::uint32_t>(e + 8);
      if (key >= data.size() || value >= data.size()) continue;
      std::string name(data.c_str() + key), where(data.c_str() + value);
      out.emplace(std::move(name), std::move(where));  // the first entry wins, as for the loader
    }
  } catch (const parse_error&) {
    out.clear();
  }
  return out;
}

}  // namespace sm121probe::binscan
