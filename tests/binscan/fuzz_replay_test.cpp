// Replays the fuzz seeds through the scanner in-process, plus deterministic
// mutations of them (every truncation, byte overwrites), so that the ASan/UBSan
// build of the suite also exercises hostile inputs.
#include "fuzz/seeds.hpp"
#include "sm121probe/binscan/scan.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace sm121probe::binscan {
namespace {

namespace b = testing::blob;

constexpr scan_target gb10{{12, 1}, {13, 0}};

void check_one(const b::bytes& data, const std::string& name, const std::string& what) {
  const auto r = scan_bytes({data.data(), data.size()}, name, gb10);
  ASSERT_FALSE(r.reason.empty()) << what;
  ASSERT_EQ(r.reason.find('\n'), std::string::npos) << what << ": " << r.reason;
}

TEST(FuzzReplay, SeedsScanCleanly) {
  const auto seeds = testing::fuzz::seeds();
  ASSERT_GE(seeds.size(), 10u);
  for (const auto& [name, data] : seeds) {
    const auto r = scan_bytes({data.data(), data.size()}, name, gb10);
    EXPECT_NE(r.result, verdict::error) << name << ": " << r.reason;
  }
}

TEST(FuzzReplay, CommittedCorpus) {
  const std::filesystem::path dir = std::string(SM121PROBE_SOURCE_DIR) + "/tests/fuzz/corpus";
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::ifstream f(e.path(), std::ios::binary);
    std::vector<char> raw((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    b::bytes data(raw.size());
    std::memcpy(data.data(), raw.data(), raw.size());
    check_one(data, e.path().filename().string(), e.path().string());
    ++n;
  }
  EXPECT_GT(n, 0);
}

TEST(FuzzReplay, TruncationsAndOverwritesNeverCrash) {
  for (const auto& [name, data] : testing::fuzz::seeds()) {
    for (std::size_t n = 0; n < data.size(); ++n)
      check_one(b::bytes(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n)), name,
                name + " cut at " + std::to_string(n));
    // Overwrite single bytes: densely in the headers, sparsely further in.
    for (std::size_t i = 0; i < data.size(); i += (i < 512 ? 1 : 13)) {
      for (std::byte v : {std::byte{0x00}, std::byte{0xFF}, std::byte{0x7F}}) {
        auto m = data;
        m[i] = v;
        check_one(m, name, name + " byte " + std::to_string(i));
      }
    }
  }
}

}  // namespace
}  // namespace sm121probe::binscan
