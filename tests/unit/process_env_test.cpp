// tests/support/process.hpp: a child's extra environment entries replace the
// inherited ones of the same name (several tests rely on that to set
// ASAN_OPTIONS, LSAN_OPTIONS, CUDA_HOME or LD_LIBRARY_PATH for the tool).
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace {

using sm121probe::testing::run_process;

TEST(ProcessEnvironment, AnExtraEntryReplacesTheInheritedOne) {
  // printenv and env read the environment as the tool does (a shell would
  // tidy up duplicates on its own and hide them).
  ASSERT_EQ(::setenv("SM121PROBE_TEST_INHERITED", "inherited", 1), 0);
  const auto value = run_process({"printenv", "SM121PROBE_TEST_INHERITED"}, {}, {"SM121PROBE_TEST_INHERITED=extra"});
  const auto all = run_process({"env"}, {}, {"SM121PROBE_TEST_INHERITED=extra"});
  ::unsetenv("SM121PROBE_TEST_INHERITED");
  EXPECT_EQ(value.exit_code, 0) << value.err;
  EXPECT_EQ(value.out, "extra\n");
  std::size_t entries = 0;
  for (std::size_t p = all.out.find("SM121PROBE_TEST_INHERITED="); p != std::string::npos;
       p = all.out.find("SM121PROBE_TEST_INHERITED=", p + 1))
    ++entries;
  EXPECT_EQ(entries, 1u) << all.out;
}

TEST(ProcessEnvironment, OtherVariablesAreInheritedAndNewOnesAdded) {
  ASSERT_EQ(::setenv("SM121PROBE_TEST_KEPT", "kept", 1), 0);
  const auto r = run_process({"sh", "-c", "echo \"$SM121PROBE_TEST_KEPT $SM121PROBE_TEST_NEW\""}, {},
                             {"SM121PROBE_TEST_NEW=new"});
  ::unsetenv("SM121PROBE_TEST_KEPT");
  EXPECT_EQ(r.out, "kept new\n") << r.err;
}

}  // namespace
