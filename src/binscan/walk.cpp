#include "sm121probe/binscan/byte_source.hpp"
#include "sm121probe/binscan/scan_report.hpp"
#include "sm121probe/util/io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <array>
#include <atomic>
#include <cerrno>
#include <map>
#include <thread>

namespace sm121probe::binscan {

std::string_view to_string(grouping g) { return g == grouping::directory ? "directory" : "python_package"; }

void group_summary::add(const file_result& f) {
  ++files;
  switch (f.result) {
    case verdict::native: ++native; break;
    case verdict::fallback: ++fallback; break;
    case verdict::failing: ++failing; break;
    case verdict::no_gpu_code: ++no_gpu_code; break;
    case verdict::error: ++error; break;
  }
  modules += f.counts;
}

std::vector<group_summary> summarize_groups(const scan_report& report) {
  std::map<std::string, group_summary> groups;
  for (const auto& f : report.files) {
    auto& g = groups[f.group];
    g.name = f.group;
    g.add(f);
  }
  std::vector<group_summary> out;
  for (auto& [name, g] : groups) out.push_back(std::move(g));
  return out;
}

group_summary summarize_all(const scan_report& report) {
  group_summary all;
  all.name = "total";
  for (const auto& f : report.files) all.add(f);
  return all;
}

int scan_exit_code(const scan_report& report) {
  if (report.package_view) {
    // The package view: a package that compiles at run time, or whose failing files are
    // alternatives that would not be loaded, does not fail the environment.
    const bool bad = std::any_of(report.packages.begin(), report.packages.end(),
                                 [](const package_result& p) { return p.fails(); });
    return bad ? 1 : 0;
  }
  const bool bad = std::any_of(report.files.begin(), report.files.end(), [](const file_result& f) {
    return f.result == verdict::failing || f.result == verdict::error;
  });
  return bad ? 1 : 0;
}

void sort_for_listing(std::vector<file_result>& files) {
  std::stable_sort(files.begin(), files.end(), [](const file_result& a, const file_result& b) {
    const int ra = listing_rank(a.result), rb = listing_rank(b.result);
    if (ra != rb) return ra < rb;
    return a.path < b.path;
  });
}

namespace {

std::string parent_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string join(const std::string& dir, const char* name) {
  if (!dir.empty() && dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

bool has_suffix(std::string_view s, std::string_view suf) { return s.size() >= suf.size() && s.ends_with(suf); }

/// Extensions of files that never hold GPU code; skipped without being opened.
bool obviously_not_gpu(std::string_view name) {
  static constexpr std::array skip = {".py",  ".pyc", ".pyi", ".pyx", ".pxd",  ".txt", ".md",   ".rst", ".json",
                                      ".h",   ".hpp", ".cuh", ".c",   ".cc",   ".cpp", ".cu",   ".html", ".js",
                                      ".css", ".png", ".jpg", ".svg", ".csv",  ".yaml", ".yml", ".toml", ".cfg",
                                      ".ini", ".typed", ".pem", ".xml", ".cmake", ".pc",  ".la",  ".sh",  ".bat"};
  return std::any_of(skip.begin(), skip.end(), [name](std::string_view s) { return has_suffix(name, s); });
}

/// .cubin, .fatbin, .ptx (any case): scanned whatever their first bytes say (worth_scanning).
bool named_as_device_code(std::string_view name) {
  const auto ends_ci = [&](std::string_view suf) {
    if (name.size() < suf.size()) return false;
    for (std::size_t i = 0; i < suf.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(name[name.size() - suf.size() + i])) != suf[i]) return false;
    return true;
  };
  return ends_ci(".cubin") || ends_ci(".fatbin") || ends_ci(".ptx");
}

}  // namespace

bool path_scanner::seen(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return false;
  return seen(file_identity{static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)});
}

bool path_scanner::seen(const file_identity& id) { return !m_seen.insert(id).second; }

void path_scanner::scan_one(const std::string& path, std::string group) {
  file_result r;
  r.path = path;
  r.group = std::move(group);
  m_files.push_back(std::move(r));  // scanned in finish()
}

void path_scanner::add_path(const std::string& path) {
  m_roots.push_back(path);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    file_result r;
    r.path = path;
    r.group = parent_of(path);
    r.result = verdict::error;
    r.reason = "cannot access: " + util::errno_message(errno);
    r.named = true;
    m_files.push_back(std::move(r));
    return;
  }
  if (S_ISDIR(st.st_mode)) return walk(path, false);
  if (!seen(path)) {
    scan_one(path, parent_of(path));
    m_files.back().named = true;
  }
}

void path_scanner::add_site_packages(const std::string& dir) {
  m_roots.push_back(dir);
  walk(dir, true);
}

void path_scanner::walk(const std::string& root, bool python) {
  // Iterative depth-first walk; symlinks are never followed (lstat semantics via d_type / fstatat).
  std::vector<std::string> stack{root};
  while (!stack.empty()) {
    const std::string dir = std::move(stack.back());
    stack.pop_back();
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
      file_result r;
      r.path = dir;
      r.group = python ? python_package_of(root, dir + "/") : dir;
      r.result = verdict::error;
      r.reason = "cannot read directory: " + util::errno_message(errno);
      m_files.push_back(std::move(r));
      continue;
    }
    std::vector<std::string> subdirs;
    std::string dir_group;  // with python: the package of every file in this directory (below the site)
    while (const dirent* e = ::readdir(d)) {
      const std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      unsigned char type = e->d_type;
      if (type == DT_UNKNOWN) {
        struct stat st {};
        if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
      }
      const std::string path = join(dir, e->d_name);
      if (type == DT_LNK) {
        ++m_skipped_symlinks;
      } else if (type == DT_DIR) {
        subdirs.push_back(path);
      } else if (type == DT_REG) {
        if (obviously_not_gpu(name)) {
          ++m_skipped_files;
          continue;
        }
        file_identity id;
        if (named_as_device_code(name)) {
          // Scanned whatever its first bytes (worth_scanning): no need to open it twice.
          struct stat st {};
          if (::fstatat(::dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // removed while we walked
          id = {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
        } else {
        std::array<std::byte, 8> head{};
        std::size_t got = 0;
        if (const int err = read_head(path, head.data(), head.size(), got, &id); err != 0) {
          if (err == ENOENT) continue;  // removed while we walked
          file_result r;
          r.path = path;
          r.group = python ? python_package_of(root, path) : dir;
          r.result = verdict::error;
          r.reason = "cannot open: " + util::errno_message(err);
          m_files.push_back(std::move(r));
          continue;
        }
        if (!worth_scanning(name, std::span<const std::byte>(head.data(), got))) {
          ++m_skipped_files;
          continue;
        }
        }
        if (seen(id)) continue;
        if (!python) {
          scan_one(path, dir);
        } else if (dir == root) {
          scan_one(path, python_package_of(root, path));  // a module file directly in site-packages
        } else {
          if (dir_group.empty()) dir_group = python_package_of(root, path);  // one __init__.py check per directory
          scan_one(path, dir_group);
        }
      } else {
        ++m_skipped_files;  // sockets, fifos, devices
      }
    }
    ::closedir(d);
    std::sort(subdirs.begin(), subdirs.end(), std::greater<>());
    for (auto& s : subdirs) stack.push_back(std::move(s));
  }
}

void path_scanner::finish(scan_report& report) {
  // Scan the collected files on a few threads; each result slot is written by exactly one thread.
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < m_files.size(); i = next++) {
      file_result& slot = m_files[i];
      if (slot.result == verdict::error && !slot.reason.empty()) continue;  // already an access error
      std::string group = std::move(slot.group);
      const bool named = slot.named;
      slot = scan_file(slot.path, m_target);
      if (!m_keep_containers) std::vector<container_record>().swap(slot.containers);
      slot.group = std::move(group);
      slot.named = named;
    }
  };
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t n_threads =
      std::min<std::size_t>({hw, m_max_threads, std::max<std::size_t>(1, m_files.size())});
  std::vector<std::thread> threads;
  for (std::size_t t = 1; t < n_threads; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();

  sort_for_listing(m_files);
  report.target = m_target;
  report.files = std::move(m_files);
  report.roots = std::move(m_roots);
  report.skipped_files = m_skipped_files;
  report.skipped_symlinks = m_skipped_symlinks;
  m_files.clear();
}

std::string python_package_of(const std::string& site_packages, const std::string& file) {
  std::string_view rel = file;
  if (rel.starts_with(site_packages)) rel.remove_prefix(site_packages.size());
  while (rel.starts_with('/')) rel.remove_prefix(1);
  const auto slash = rel.find('/');
  if (slash == std::string_view::npos) {  // a module file directly in site-packages
    const auto dot = rel.find('.');
    return std::string(rel.substr(0, dot));
  }
  std::string top(rel.substr(0, slash));
  for (std::string_view suf : {".libs", ".data"})
    if (has_suffix(top, suf) && top.size() > suf.size()) return top.substr(0, top.size() - suf.size());
  for (std::string_view suf : {".dist-info", ".egg-info"})
    if (has_suffix(top, suf)) return top.substr(0, top.find('-'));
  // Namespace packages (no __init__.py), e.g. nvidia/cublas: use two levels.
  const std::string rest(rel.substr(slash + 1));
  const auto slash2 = rest.find('/');
  if (slash2 != std::string::npos) {
    const std::string top_dir = join(site_packages, top.c_str());
    struct stat st {};
    if (::stat((top_dir + "/__init__.py").c_str(), &st) != 0) return top + "." + rest.substr(0, slash2);
  }
  return top;
}

}  // namespace sm121probe::binscan
