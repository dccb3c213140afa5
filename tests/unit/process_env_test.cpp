// tests/support/process.hpp: a child's extra environment entries replace the
// inherited ones of the same name (several tests rely on that to set
// ASAN_OPTIONS, LSAN_OPTIONS, CUDA_HOME or LD_LIBRARY_PATH for the tool).
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace {

using sm121probe::testing::run_process;

TEST(ProcessEnvironment, AnExtraEntryReplacesTheInheritedOne) {
  ASSERT_EQ(::setenv("SM121PROBE_TEST_INHERITED", "inherited", 1), 0);
  const auto r = run_process({"sh", "-c", "env | grep -c '^SM121PROBE_TEST_INHERITED='; echo \"$SM121PROBE_TEST_INHERITED\""},
                             {}, {"SM121PROBE_TEST_INHERITED=extra"});
  ::unsetenv("SM121PROBE_TEST_INHERITED");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1\nextra\n");
}

TEST(ProcessEnvironment, OtherVariablesAreInheritedAndNewOnesAdded) {
  ASSERT_EQ(::setenv("SM121PROBE_TEST_KEPT", "kept", 1), 0);
  const auto r = run_process({"sh", "-c", "echo \"$SM121PROBE_TEST_KEPT $SM121PROBE_TEST_NEW\""}, {},
                             {"SM121PROBE_TEST_NEW=new"});
  ::unsetenv("SM121PROBE_TEST_KEPT");
  EXPECT_EQ(r.out, "kept new\n") << r.err;
}

}  // namespace
