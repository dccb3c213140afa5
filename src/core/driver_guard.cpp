#include "sm121probe/util/driver_guard.hpp"

#include <dlfcn.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

namespace sm121probe::util {

namespace {
std::atomic<bool> g_blocked{false};

// The directories the loader searches for a dlopen made by the object `handle`
// refers to, in its order (glibc's RTLD_DI_SERINFO; ld.so.cache is not a
// directory and is not listed).
std::vector<std::string> search_directories(void* handle) {
  Dl_serinfo size{};
  if (::dlinfo(handle, RTLD_DI_SERINFOSIZE, &size) != 0 || size.dls_size < sizeof(Dl_serinfo)) return {};
  std::vector<std::max_align_t> storage(size.dls_size / sizeof(std::max_align_t) + 1);
  auto* info = reinterpret_cast<Dl_serinfo*>(storage.data());
  info->dls_size = size.dls_size;
  info->dls_cnt = size.dls_cnt;
  if (::dlinfo(handle, RTLD_DI_SERINFO, info) != 0) return {};
  std::vector<std::string> dirs;
  for (unsigned i = 0; i < info->dls_cnt; ++i)
    if (const char* d = info->dls_serpath[i].dls_name; d && *d) dirs.emplace_back(d);
  return dirs;
}

}  // namespace

void block_driver_in_this_process() { g_blocked.store(true); }
void allow_driver_in_this_process() { g_blocked.store(false); }
bool driver_allowed() { return !g_blocked.load(); }

bool is_driver_library(const char* file) {
  if (!file) return false;
  const char* slash = std::strrchr(file, '/');
  const char* base = slash ? slash + 1 : file;
  return std::strncmp(base, "libcuda.so", 10) == 0;
}

void* dlopen_for_caller(dlopen_function real_dlopen, const char* file, int mode, const void* caller) {
  if (!file || std::strchr(file, '/') || !caller) return real_dlopen(file, mode);
  // Already loaded under this name or soname: the loader answers that the same way for every caller.
  if (void* h = real_dlopen(file, mode | RTLD_NOLOAD)) return h;
  Dl_info where{};
  link_map* caller_map = nullptr;
  if (::dladdr1(caller, &where, reinterpret_cast<void**>(&caller_map), RTLD_DL_LINKMAP) == 0 || !caller_map)
    return real_dlopen(file, mode);
  void* program = real_dlopen(nullptr, RTLD_LAZY);
  const std::vector<std::string> own = program ? search_directories(program) : std::vector<std::string>{};
  for (const std::string& dir : search_directories(caller_map)) {
    const std::string path = dir + "/" + file;
    if (::access(path.c_str(), F_OK) != 0) continue;
    if (std::find(own.begin(), own.end(), dir) != own.end()) break;  // the loader's own search finds it
    return real_dlopen(path.c_str(), mode);
  }
  return real_dlopen(file, mode);
}

}  // namespace sm121probe::util
