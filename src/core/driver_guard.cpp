#include "sm121probe/util/driver_guard.hpp"

#include <atomic>
#include <cstring>

namespace sm121probe::util {

namespace {
std::atomic<bool> g_blocked{false};
}

void block_driver_in_this_process() { g_blocked.store(true); }
void allow_driver_in_this_process() { g_blocked.store(false); }
bool driver_allowed() { return !g_blocked.load(); }

bool is_driver_library(const char* file) {
  if (!file) return false;
  const char* slash = std::strrchr(file, '/');
  const char* base = slash ? slash + 1 : file;
  return std::strncmp(base, "libcuda.so", 10) == 0;
}

}  // namespace sm121probe::util
