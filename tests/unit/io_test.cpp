#include "sm121probe/util/io.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace sm121probe {
namespace {

TEST(AtomicWrite, WritesAndReplaces) {
  testing::temp_dir dir;
  const auto p = dir / "r.json";
  util::write_file_atomically(p, "first");
  util::write_file_atomically(p, "second");
  EXPECT_EQ(util::read_file(p), "second");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path), {}), 1) << "no temporary left behind";
}

TEST(AtomicWrite, UnwritableDirectoryLeavesNothing) {
  EXPECT_THROW(util::write_file_atomically("/nonexistent-dir/r.json", "x"), util::io_error);
  EXPECT_THROW(util::check_writable("/nonexistent-dir/r.json"), util::io_error);
  testing::temp_dir dir;
  EXPECT_THROW(util::check_writable(dir.path), util::io_error) << "a directory is not a writable report path";
  util::check_writable(dir / "ok.json");
  EXPECT_FALSE(std::filesystem::exists(dir / "ok.json"));
}

TEST(ReadFile, MissingFileIsOneLineError) {
  try {
    (void)util::read_file("/nonexistent-file");
    FAIL();
  } catch (const util::io_error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("/nonexistent-file"), std::string::npos);
  }
}

}  // namespace
}  // namespace sm121probe
