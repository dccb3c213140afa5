// The output cap the doctor's children run under (src/probe/subprocess.hpp).
#include "../../src/probe/subprocess.hpp"

#include <gtest/gtest.h>

namespace sm121probe::testing {
namespace {

TEST(SubprocessCap, OutputBeyondTheCapIsDrainedAndDropped) {
  const auto r = probe::detail::run_subprocess({"sh", "-c", "head -c 300000 /dev/zero; head -c 5000 /dev/zero >&2"}, "",
                                               std::chrono::seconds(20), 1000);
  ASSERT_TRUE(r.started);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.exit_code, 0);  // the child was never blocked on a full pipe
  EXPECT_EQ(r.out.size(), 1000u);
  EXPECT_EQ(r.err.size(), 1000u);
  EXPECT_TRUE(r.truncated);
  const auto all = probe::detail::run_subprocess({"sh", "-c", "head -c 3000 /dev/zero"}, "", std::chrono::seconds(20));
  EXPECT_EQ(all.out.size(), 3000u);
  EXPECT_FALSE(all.truncated);
}

}  // namespace
}  // namespace sm121probe::testing
