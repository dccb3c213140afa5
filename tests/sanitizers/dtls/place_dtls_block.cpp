// Fixture of sanitizer_runtime_test.cpp (sanitizer build only). Loads
// tls_lib.cpp's library, then allocates 24-byte blocks until the next one of
// that size class starts 16 bytes past a page boundary, then touches the
// library's TLS so that glibc's malloc(24) for the dynamic TLS block lands
// there. Prints "tls offset N" (the block's offset in its page) and exits 0;
// with the argument "leak" it also leaks 100 bytes. Exit 3: the block could not
// be placed (the allocator does not hand out that size class in order).
#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {
void* kept[65536];  // reachable from a global: not leaks
void* volatile leaked;
}  // namespace

int main(int argc, char** argv) {
  void* lib = ::dlopen(SM121PROBE_DTLS_LIBRARY, RTLD_NOW);
  if (!lib) {
    std::fprintf(stderr, "dlopen: %s\n", ::dlerror());
    return 2;
  }
  auto* tls_address = reinterpret_cast<void* (*)()>(::dlsym(lib, "sm121probe_fixture_tls_address"));
  if (!tls_address) return 2;
  std::size_t n = 0;
  kept[n++] = std::malloc(24);
  kept[n++] = std::malloc(24);
  for (; n < sizeof kept / sizeof kept[0]; ++n) {
    const auto last = reinterpret_cast<std::uintptr_t>(kept[n - 1]);
    const auto stride = last - reinterpret_cast<std::uintptr_t>(kept[n - 2]);
    if ((last + stride) % 4096 == 16) break;
    kept[n] = std::malloc(24);
  }
  const auto offset = reinterpret_cast<std::uintptr_t>(tls_address()) % 4096;
  std::printf("tls offset %u\n", static_cast<unsigned>(offset));
  std::fflush(stdout);  // a failed leak check ends the process without flushing stdio
  if (argc > 1 && std::strcmp(argv[1], "leak") == 0) {
    leaked = std::malloc(100);
    leaked = nullptr;
  }
  return offset == 16 ? 0 : 3;
}
