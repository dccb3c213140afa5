#include "sm121probe/cli/app.hpp"
#include "sm121probe/util/driver_guard.hpp"

#include <dlfcn.h>

// Interposes dlopen for the whole process (the executable exports this symbol,
// see CMakeLists.txt), so that NVRTC and nvJitLink cannot load and initialise
// the CUDA driver in the parent process: util/driver_guard.hpp.
extern "C" void* dlopen(const char* file, int mode) {
  using dlopen_fn = void* (*)(const char*, int);
  static const auto real = reinterpret_cast<dlopen_fn>(::dlsym(RTLD_NEXT, "dlopen"));
  if (!sm121probe::util::driver_allowed() && sm121probe::util::is_driver_library(file)) return nullptr;
  if (!real) return nullptr;
  // Search as the loader would for the library that called dlopen, not for this executable.
  return sm121probe::util::dlopen_for_caller(real, file, mode, __builtin_return_address(0));
}

int main(int argc, char** argv) { return sm121probe::cli::main(argc, argv); }
