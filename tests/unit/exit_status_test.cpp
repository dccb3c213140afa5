// Which exit status an exception that ends a command maps to (README "Exit codes").
#include "sm121probe/cli/app.hpp"
#include "sm121probe/util/io.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

namespace sm121probe::cli {
namespace {

template <typename E>
exit_status status_of(E e, bool work_done) {
  return status_for(std::make_exception_ptr(std::move(e)), work_done);
}

TEST(ExitStatus, AnInternalErrorIsNotAnEnvironmentError) {
  EXPECT_EQ(status_of(std::logic_error("bug"), false), exit_status::internal);
  EXPECT_EQ(status_of(std::out_of_range("bug"), true), exit_status::internal);
  EXPECT_EQ(status_of(42, false), exit_status::internal);
  EXPECT_EQ(static_cast<int>(exit_status::internal), 4);
  EXPECT_NE(exit_status::internal, exit_status::environment);
}

TEST(ExitStatus, AnIoErrorAfterTheWorkIsAnOutputErrorNotAUsageError) {
  EXPECT_EQ(status_of(util::io_error("cannot read 'x'"), false), exit_status::usage);
  EXPECT_EQ(status_of(util::io_error("cannot write 'r.json'"), true), exit_status::output);
  EXPECT_EQ(static_cast<int>(exit_status::output), 5);
}

TEST(ExitStatus, UsageAndEnvironmentErrorsKeepTheirCodes) {
  EXPECT_EQ(status_of(usage_error("bad flag"), false), exit_status::usage);
  EXPECT_EQ(status_of(usage_error("bad flag"), true), exit_status::usage);
  EXPECT_EQ(status_of(environment_error("no NVRTC"), false), exit_status::environment);
  EXPECT_EQ(static_cast<int>(exit_status::environment), 3);
}

TEST(ExitStatus, TheHelpDocumentsEveryCode) {
  std::ostringstream out, err;
  context ctx{out, err, false, false, "sm121-probe"};
  const std::vector<std::string> args{"--help"};
  ASSERT_EQ(run(args, ctx), 0);
  for (const char* line : {"  3  environment error", "  4  internal error", "  5  output error"})
    EXPECT_NE(out.str().find(line), std::string::npos) << line;
}

}  // namespace
}  // namespace sm121probe::cli
