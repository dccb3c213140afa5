// dlopen_for_caller (src/core/driver_guard.cpp): the sm121-probe executable
// interposes dlopen, so every library's dlopen reaches the real one from the
// executable. Without care the loader then searches the executable's
// directories instead of the calling library's RPATH/RUNPATH, and NVRTC from a
// pip wheel cannot find libnvrtc-builtins next to it (it happened in the
// ASan build, where the interposer's call is not a tail call).
#include "sm121probe/util/driver_guard.hpp"

#include <gtest/gtest.h>

#include <dlfcn.h>
#include <link.h>

#include <filesystem>
#include <string>

namespace {

namespace fs = std::filesystem;
using sm121probe::util::dlopen_for_caller;

const std::string fixture_dir = SM121PROBE_DLOPEN_FIXTURE_DIR;
constexpr const char* target_name = "libsm121probe_fixture_target.so";

std::string path_of(void* handle) {
  link_map* map = nullptr;
  if (handle == nullptr || ::dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || map == nullptr) return {};
  return fs::weakly_canonical(map->l_name).string();
}

// The address of a function inside the fixture caller library `kind`.
const void* caller_in(const std::string& kind) {
  void* lib = ::dlopen((fixture_dir + "/libsm121probe_fixture_caller_" + kind + ".so").c_str(), RTLD_NOW | RTLD_LOCAL);
  EXPECT_NE(lib, nullptr) << ::dlerror();
  if (lib == nullptr) return nullptr;
  void* fn = ::dlsym(lib, "sm121probe_fixture_caller");
  EXPECT_NE(fn, nullptr);
  return fn;
}

const std::string expected_target() { return fs::weakly_canonical(fixture_dir + "/" + target_name).string(); }

TEST(DlopenForCaller, TheSameNameIsFoundForTheLibraryAndNotForTheExecutable) {
  // A library of its own, so that no other test of this process has loaded it.
  constexpr const char* name = "libsm121probe_fixture_target2.so";
  ASSERT_EQ(::dlopen(name, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD), nullptr) << "loaded before the test";
  // What the interposer did before: the real dlopen searched for this executable.
  EXPECT_EQ(::dlopen(name, RTLD_NOW | RTLD_LOCAL), nullptr);
  EXPECT_EQ(dlopen_for_caller(&::dlopen, name, RTLD_NOW | RTLD_LOCAL, reinterpret_cast<const void*>(&path_of)), nullptr)
      << "a caller inside the executable searches the executable's directories";
  void* h = dlopen_for_caller(&::dlopen, name, RTLD_NOW | RTLD_LOCAL, caller_in("rpath"));
  ASSERT_NE(h, nullptr) << ::dlerror();
  EXPECT_EQ(path_of(h), fs::weakly_canonical(fixture_dir + "/" + name).string());
}

TEST(DlopenForCaller, FindsTheLibraryThroughTheCallersRpathOrigin) {
  void* h = dlopen_for_caller(&::dlopen, target_name, RTLD_NOW | RTLD_LOCAL, caller_in("rpath"));
  ASSERT_NE(h, nullptr) << ::dlerror();
  EXPECT_EQ(path_of(h), expected_target());
  auto* fn = reinterpret_cast<int (*)()>(::dlsym(h, "sm121probe_fixture_target"));
  ASSERT_NE(fn, nullptr);
  EXPECT_EQ(fn(), 42);
}

TEST(DlopenForCaller, FindsTheLibraryThroughTheCallersRunpathOrigin) {
  void* h = dlopen_for_caller(&::dlopen, target_name, RTLD_NOW | RTLD_LOCAL, caller_in("runpath"));
  ASSERT_NE(h, nullptr) << ::dlerror();
  EXPECT_EQ(path_of(h), expected_target());
}

TEST(DlopenForCaller, ALoadedLibraryIsReturnedByItsNameForAnyCaller) {
  void* first = dlopen_for_caller(&::dlopen, target_name, RTLD_NOW | RTLD_LOCAL, caller_in("runpath"));
  ASSERT_NE(first, nullptr) << ::dlerror();
  void* again =
      dlopen_for_caller(&::dlopen, target_name, RTLD_NOW | RTLD_LOCAL, reinterpret_cast<const void*>(&path_of));
  EXPECT_EQ(again, first);
}

TEST(DlopenForCaller, PathsNullAndUnknownCallersGoToTheLoaderUnchanged) {
  const std::string path = fixture_dir + "/" + target_name;
  void* by_path = dlopen_for_caller(&::dlopen, path.c_str(), RTLD_NOW | RTLD_LOCAL, nullptr);
  ASSERT_NE(by_path, nullptr) << ::dlerror();
  EXPECT_EQ(path_of(by_path), expected_target());
  EXPECT_EQ(dlopen_for_caller(&::dlopen, nullptr, RTLD_LAZY, nullptr), ::dlopen(nullptr, RTLD_LAZY));
  // Without a caller the name is the loader's to find: this one is on no search path.
  EXPECT_EQ(dlopen_for_caller(&::dlopen, "libsm121probe_no_such_library.so", RTLD_NOW | RTLD_LOCAL, nullptr), nullptr);
  EXPECT_EQ(dlopen_for_caller(&::dlopen, "libsm121probe_no_such_library.so", RTLD_NOW | RTLD_LOCAL,
                              caller_in("rpath")),
            nullptr);
}

TEST(DlopenForCaller, ASystemLibraryIsLeftToTheLoadersOwnSearch) {
  // libc's directory is one the executable searches too: the same object as a plain dlopen.
  void* h = dlopen_for_caller(&::dlopen, "libc.so.6", RTLD_NOW | RTLD_LOCAL, caller_in("rpath"));
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h, ::dlopen("libc.so.6", RTLD_NOW | RTLD_LOCAL));
}

}  // namespace
