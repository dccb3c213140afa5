// Container and entry parsing: fields, variants, compression, and every
// validation rule of fatbin-format.md 2.3 on hand-built inputs.
#include "binscan/builder.hpp"
#include "sm121probe/binscan/fatbin.hpp"

#include <gtest/gtest.h>

namespace sm121probe::binscan {
namespace {

namespace b = testing::blob;

std::uint64_t padded(const b::entry_spec& e) { return (e.payload.size() + 7) / 8 * 8; }

std::span<const std::byte> view(const b::bytes& v) { return {v.data(), v.size()}; }

TEST(Fatbin, ParsesEntriesWithVariantsIsaAndSizes) {
  auto p = b::ptx(121, 9, 0, b::flag::family);
  p.compress = b::pack::zstd;
  const auto blob = b::make_container({b::sass(120), b::sass(121, b::flag::arch_specific), p});
  ASSERT_TRUE(is_container_header(view(blob), 0));
  const auto c = parse_container(view(blob), 0);
  EXPECT_EQ(c.offset, 0u);
  EXPECT_EQ(c.size, blob.size());
  ASSERT_EQ(c.entries.size(), 3u);
  EXPECT_EQ(c.entries[0].kind, entry_kind::sass);
  EXPECT_EQ(c.entries[0].name(), "sm_120");
  EXPECT_EQ(c.entries[0].offset, 16u);
  EXPECT_EQ(c.entries[0].header_size, 64u);
  EXPECT_EQ(c.entries[0].payload_size, padded(b::sass(120)));
  EXPECT_EQ(c.entries[0].comp, compression::none);
  EXPECT_FALSE(c.entries[0].isa);
  EXPECT_EQ(c.entries[1].name(), "sm_121a");
  EXPECT_EQ(c.entries[1].arch, (gpu_arch{12, 1, arch_variant::arch_specific}));
  EXPECT_EQ(c.entries[2].kind, entry_kind::ptx);
  EXPECT_EQ(c.entries[2].name(), "compute_121f");
  ASSERT_TRUE(c.entries[2].isa);
  EXPECT_EQ(*c.entries[2].isa, (ptx_isa{9, 0}));
  EXPECT_EQ(c.entries[2].comp, compression::zstd);
  EXPECT_GT(c.entries[2].compressed_size, 0u);
  EXPECT_EQ(c.entries[2].uncompressed_size, p.payload.size());
}

TEST(Fatbin, EmptyContainerIsValid) {
  const auto blob = b::make_container({});
  const auto c = parse_container(view(blob), 0);
  EXPECT_EQ(c.size, 16u);
  EXPECT_TRUE(c.entries.empty());
}

TEST(Fatbin, LtoAndUnknownKindsAndOldArchNames) {
  auto lto = b::sass(100, b::flag::arch_specific);
  lto.kind = 8;
  auto odd = b::sass(90);
  odd.kind = 5;
  auto thor_old = b::sass(101);  // pre-CUDA-13 name of sm_110
  auto nonsense = b::sass(7);
  const auto blob = b::make_container({lto, odd, thor_old, nonsense});
  const auto c = parse_container(view(blob), 0);
  ASSERT_EQ(c.entries.size(), 4u);
  EXPECT_EQ(c.entries[0].kind, entry_kind::lto_ir);
  EXPECT_EQ(c.entries[0].name(), "lto_100a");
  EXPECT_EQ(c.entries[1].kind, entry_kind::unknown);
  EXPECT_EQ(c.entries[1].name(), "unknown-kind-5");
  EXPECT_EQ(c.entries[2].name(), "sm_101") << "named as the binary stores it (issue 12)";
  EXPECT_EQ(c.entries[2].arch, (gpu_arch{11, 0})) << "judged as its CUDA 13 name";
  EXPECT_FALSE(c.entries[3].arch);
  EXPECT_EQ(c.entries[3].name(), "sm_?(7)");
}

TEST(Fatbin, VariableHeaderSizesAreHonoured) {
  auto e1 = b::sass(90);
  e1.header_size = 128;
  auto e2 = b::ptx(90, 8, 8);
  e2.header_size = 72;
  const auto blob = b::make_container({e1, e2});
  const auto c = parse_container(view(blob), 0);
  ASSERT_EQ(c.entries.size(), 2u);
  EXPECT_EQ(c.entries[1].offset, 16u + 128u + padded(e1));
  EXPECT_EQ(c.entries[1].header_size, 72u);
}

TEST(Fatbin, HeaderChecksRejectMagicLookalikes) {
  // The magic also occurs as a constant in code; version 0 or header size 0 means "not a container".
  for (auto [version, hsize] : {std::pair<std::uint16_t, std::uint16_t>{0, 16}, {1, 0}, {2, 16}, {1, 24}}) {
    const auto blob = b::make_container({}, std::nullopt, version, hsize);
    EXPECT_FALSE(is_container_header(view(blob), 0)) << version << "/" << hsize;
  }
  const auto blob = b::make_container({});
  EXPECT_FALSE(is_container_header(view(blob), 1));
  EXPECT_FALSE(is_container_header(std::span<const std::byte>(blob.data(), 15), 0));
}

TEST(Fatbin, MisalignedContainerParses) {
  b::bytes blob(3, std::byte{0x20});
  b::append(blob, b::make_container({b::sass(120)}));
  const auto hit = find_magic(view(blob), 0, blob.size());
  ASSERT_TRUE(hit);
  EXPECT_EQ(*hit, 3u);
  const auto c = parse_container(view(blob), 3);
  EXPECT_EQ(c.entries.at(0).offset, 19u);
}

TEST(Fatbin, FindMagicRespectsRange) {
  b::bytes blob(10, std::byte{0});
  b::append(blob, b::make_container({}));
  EXPECT_FALSE(find_magic(view(blob), 0, 13));  // magic would end past `to`
  EXPECT_TRUE(find_magic(view(blob), 0, 14));
  EXPECT_FALSE(find_magic(view(blob), 11, blob.size()));
  EXPECT_FALSE(find_magic(view(blob), 100, 50));
}

// Every way the structure can be broken must throw parse_error, never read out of bounds or hang.
TEST(Fatbin, TruncationAtEveryLengthIsAnError) {
  const auto blob = b::make_container({b::sass(120), b::ptx(120, 9, 0)});
  for (std::size_t n = 16; n < blob.size(); ++n) {
    const std::span<const std::byte> cut(blob.data(), n);
    EXPECT_THROW((void)parse_container(cut, 0), parse_error) << n;
  }
}

TEST(Fatbin, FatSizeOverflowIsAnError) {
  const auto blob = b::make_container({b::sass(120)}, UINT64_MAX - 4);
  try {
    (void)parse_container(view(blob), 0);
    FAIL() << "expected parse_error";
  } catch (const parse_error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  }
}

TEST(Fatbin, LimitBoundsTheContainer) {
  const auto blob = b::make_container({b::sass(120)});
  EXPECT_THROW((void)parse_container(view(blob), 0, blob.size() - 8), parse_error);
  EXPECT_NO_THROW((void)parse_container(view(blob), 0, blob.size()));
}

struct broken_case {
  const char* what;
  b::entry_spec spec;
  const char* message_part;
};

TEST(Fatbin, BrokenEntryHeadersAreErrors) {
  std::vector<broken_case> cases;
  {
    auto e = b::sass(120);
    e.header_size = 0;  // would loop forever if trusted
    cases.push_back({"header size 0", e, "invalid header size"});
  }
  {
    auto e = b::sass(120);
    e.header_size = 68;
    cases.push_back({"header size not a multiple of 8", e, "invalid header size"});
  }
  {
    auto e = b::sass(120);
    e.payload_size_override = UINT64_MAX - 8;
    cases.push_back({"payload size overflow", e, "extends past the end"});
  }
  {
    auto e = b::sass(120);
    e.payload_size_override = 4096;
    cases.push_back({"payload past container", e, "extends past the end"});
  }
  {
    auto e = b::sass(120);
    e.compress = b::pack::zstd;
    e.compressed_size_override = 4000;
    cases.push_back({"compressed size > payload", e, "exceeds its payload size"});
  }
  {
    auto e = b::sass(120);
    e.flags |= b::flag::lz4 | b::flag::zstd;
    cases.push_back({"two compressions", e, "both LZ4 and zstd"});
  }
  {
    auto e = b::ptx(120, 9, 0);
    e.options_offset = 200;
    cases.push_back({"option offset outside header", e, "option descriptor"});
  }
  for (const auto& c : cases) {
    const auto blob = b::make_container({b::sass(90), c.spec});
    try {
      (void)parse_container(view(blob), 0);
      ADD_FAILURE() << c.what << ": expected parse_error";
    } catch (const parse_error& e) {
      EXPECT_NE(std::string(e.what()).find(c.message_part), std::string::npos) << c.what << ": " << e.what();
    }
  }
}

TEST(Fatbin, EntryHeaderCutByContainerEnd) {
  // fat size covers only part of the second entry's 64-byte header.
  const std::uint64_t first_entry = 64 + padded(b::sass(90));
  const auto blob = b::make_container({b::sass(90), b::sass(120)}, first_entry + 10);
  EXPECT_THROW((void)parse_container(view(blob), 0), parse_error);
}

TEST(Fatbin, PayloadDecompressionRoundTrips) {
  const b::bytes cubin(300, std::byte{0x5A});
  for (auto how : {b::pack::none, b::pack::lz4, b::pack::zstd}) {
    auto e = b::sass(121);
    e.payload = cubin;
    e.compress = how;
    const auto blob = b::make_container({e});
    const auto c = parse_container(view(blob), 0);
    const auto out = entry_payload(view(blob), c.entries.at(0));
    if (how == b::pack::none) {
      ASSERT_GE(out.size(), cubin.size());  // padded to 8
      EXPECT_TRUE(std::equal(cubin.begin(), cubin.end(), out.begin()));
    } else {
      EXPECT_EQ(out, cubin);
    }
  }
}

TEST(Fatbin, PtxPayloadStopsAtNul) {
  auto e = b::ptx(90, 9, 0);
  const auto blob = b::make_container({e});
  const auto c = parse_container(view(blob), 0);
  const auto out = entry_payload(view(blob), c.entries.at(0));
  EXPECT_EQ(out.size(), e.payload.size());  // zero padding removed
}

TEST(Fatbin, CorruptCompressedStreamsAreErrors) {
  for (auto how : {b::pack::lz4, b::pack::zstd}) {
    auto e = b::sass(121);
    e.payload = b::bytes(300, std::byte{0x5A});
    e.compress = how;
    auto blob = b::make_container({e});
    const auto c = parse_container(view(blob), 0);
    // Scribble over the compressed stream.
    const auto& en = c.entries.at(0);
    for (std::uint64_t i = 0; i < en.compressed_size; ++i) blob[en.payload_offset() + i] = std::byte{0xFF};
    EXPECT_THROW((void)entry_payload(view(blob), en), parse_error);
  }
}

TEST(Fatbin, ImplausibleUncompressedSizeIsRefused) {
  auto e = b::sass(121);
  e.compress = b::pack::zstd;
  auto blob = b::make_container({e});
  auto c = parse_container(view(blob), 0);
  auto en = c.entries.at(0);
  en.uncompressed_size = max_decompressed_size + 1;
  EXPECT_THROW((void)entry_payload(view(blob), en), parse_error);
}

}  // namespace
}  // namespace sm121probe::binscan
