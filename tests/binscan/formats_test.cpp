// ELF headers and sections, cubin facts, ar archives and PTX headers.
#include "binscan/builder.hpp"
#include "sm121probe/binscan/archive.hpp"
#include "sm121probe/binscan/elf.hpp"
#include "sm121probe/binscan/ptx.hpp"

#include <gtest/gtest.h>

namespace sm121probe::binscan {
namespace {

namespace b = testing::blob;

std::span<const std::byte> view(const b::bytes& v) { return {v.data(), v.size()}; }

TEST(Elf, NotElfIsNullopt) {
  EXPECT_FALSE(elf_file::try_open(view(b::text("hello world, not an ELF file"))));
  EXPECT_FALSE(elf_file::try_open(view(b::bytes{})));
}

TEST(Elf, ReadsSectionsWithNamesFlagsAndOffsets) {
  b::elf_spec s;
  s.sections.push_back({".text", 1, 6, b::bytes(40, std::byte{0x90}), 16});
  s.sections.push_back({".nv_fatbin", 1, 2, b::bytes(24, std::byte{1}), 8});
  s.sections.push_back({".bss", 8, 3, b::bytes(0), 8});
  const auto blob = b::make_elf(s);
  const auto f = elf_file::try_open(view(blob));
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->is_64);
  EXPECT_TRUE(f->little_endian);
  EXPECT_EQ(f->type, et_dyn);
  ASSERT_EQ(f->sections.size(), 5u);  // null, 3, .shstrtab
  const auto* text = f->find(".text");
  ASSERT_NE(text, nullptr);
  EXPECT_TRUE(text->executable());
  EXPECT_EQ(text->size, 40u);
  const auto* fat = f->find(".nv_fatbin");
  ASSERT_NE(fat, nullptr);
  EXPECT_FALSE(fat->executable());
  EXPECT_EQ(static_cast<unsigned>(blob.at(fat->offset)), 1u);
  EXPECT_EQ(f->find(".bss")->size, 0u) << "NOBITS sections occupy no file bytes";
}

TEST(Elf, SectionlessFileIsFine) {
  b::elf_spec s;
  s.with_section_table = false;
  s.sections.push_back({".nv_fatbin", 1, 2, b::bytes(24, std::byte{1}), 8});
  const auto f = elf_file::try_open(view(b::make_elf(s)));
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->sections.empty());
}

TEST(Elf, TruncatedFilesAreErrors) {
  b::elf_spec s;
  s.with_load_segment = true;
  s.sections.push_back({".nv_fatbin", 1, 2, b::bytes(200, std::byte{1}), 8});
  const auto blob = b::make_elf(s);
  ASSERT_NO_THROW((void)elf_file::try_open(view(blob)));
  for (std::size_t n : {std::size_t{4}, std::size_t{15}, std::size_t{40}, std::size_t{63}, std::size_t{100},
                        blob.size() / 2, blob.size() - 1}) {
    EXPECT_THROW((void)elf_file::try_open(std::span<const std::byte>(blob.data(), n)), parse_error) << n;
  }
}

TEST(Elf, BadClassOrEncodingIsAnError) {
  auto blob = b::make_elf({});
  blob[4] = std::byte{7};
  EXPECT_THROW((void)elf_file::try_open(view(blob)), parse_error);
  blob = b::make_elf({});
  blob[5] = std::byte{0};
  EXPECT_THROW((void)elf_file::try_open(view(blob)), parse_error);
}

TEST(Elf, ExtendedSectionNumbering) {
  b::elf_spec s;
  s.sections.push_back({".nv_fatbin", 1, 2, b::bytes(8, std::byte{1}), 8});
  auto blob = b::make_elf(s);
  // Move the count (3) and string table index (2) into section 0, as for >= 0xff00 sections.
  std::uint64_t shoff = 0;
  std::memcpy(&shoff, blob.data() + 40, 8);
  b::put<std::uint64_t>(blob, shoff + 32, 3);   // sh_size of section 0 = count
  b::put<std::uint32_t>(blob, shoff + 40, 2);   // sh_link of section 0 = shstrndx
  b::put<std::uint16_t>(blob, 60, 0);
  b::put<std::uint16_t>(blob, 62, 0xffff);
  const auto f = elf_file::try_open(view(blob));
  ASSERT_TRUE(f);
  ASSERT_EQ(f->sections.size(), 3u);
  EXPECT_NE(f->find(".nv_fatbin"), nullptr);
}

TEST(Elf, HugeSectionCountIsAnErrorNotAnAllocation) {
  auto blob = b::make_elf({});
  std::uint64_t shoff = 0;
  std::memcpy(&shoff, blob.data() + 40, 8);
  b::put<std::uint64_t>(blob, shoff + 32, UINT64_MAX / 2);
  b::put<std::uint16_t>(blob, 60, 0);
  EXPECT_THROW((void)elf_file::try_open(view(blob)), parse_error);
}

TEST(Elf, BadSectionNameOffsetGetsPlaceholder) {
  b::elf_spec s;
  s.sections.push_back({".nv_fatbin", 1, 2, b::bytes(8, std::byte{1}), 8});
  auto blob = b::make_elf(s);
  std::uint64_t shoff = 0;
  std::memcpy(&shoff, blob.data() + 40, 8);
  b::put<std::uint32_t>(blob, shoff + 64, 0x7fffffff);
  const auto f = elf_file::try_open(view(blob));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->sections.at(1).name, "<section 1>");
}

TEST(Cubin, FlagsLayoutFollowsAbiVersion) {
  // Values observed in real cubins (fatbin-format.md 6.1).
  EXPECT_EQ(cubin_sm_from_flags(0x06007902, 8), 121);
  EXPECT_EQ(cubin_sm_from_flags(0x06005a04, 8), 90);
  EXPECT_EQ(cubin_sm_from_flags(0x005a055a, 7), 90);
  EXPECT_EQ(cubin_sm_from_flags(0x00460546, 7), 70);
  EXPECT_EQ(cubin_sm_from_flags(0x005a055a, 8), 5) << "reading V1 flags with the V2 layout gives nonsense";
}

TEST(Cubin, DescribesArchVariantKernelsAndRelocatability) {
  auto info = describe_cubin(view(b::make_cubin(121, true, true)));
  ASSERT_TRUE(info.arch);
  EXPECT_EQ(*info.arch, (gpu_arch{12, 1, arch_variant::arch_specific}));
  EXPECT_TRUE(info.has_kernels);
  EXPECT_FALSE(info.relocatable);
  EXPECT_EQ(info.abi_version, 8);

  info = describe_cubin(view(b::make_cubin(120, false, false, et_rel)));
  EXPECT_EQ(*info.arch, (gpu_arch{12, 0}));
  EXPECT_FALSE(info.has_kernels);
  EXPECT_TRUE(info.relocatable);

  info = describe_cubin(view(b::make_cubin_v1(90)));
  EXPECT_EQ(*info.arch, (gpu_arch{9, 0}));
  EXPECT_EQ(info.abi_version, 7);
}

TEST(Cubin, HostElfIsNotACubin) {
  EXPECT_THROW((void)describe_cubin(view(b::make_elf({}))), parse_error);
  EXPECT_THROW((void)describe_cubin(view(b::text("not elf"))), parse_error);
}

TEST(Archive, ListsMembersWithShortAndLongNames) {
  const auto blob = b::make_archive({{"a.o", b::bytes(7, std::byte{1})},
                                     {"a_rather_long_member_name.o", b::bytes(10, std::byte{2})},
                                     {"c.o", b::bytes(3, std::byte{3})}});
  const auto members = try_list_archive(view(blob));
  ASSERT_TRUE(members);
  std::vector<std::string> names;
  for (const auto& m : *members)
    if (!m.special) names.push_back(m.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a.o", "a_rather_long_member_name.o", "c.o"}));
  const auto& a = members->at(1);  // after the "//" table
  EXPECT_EQ(a.size, 7u);
  EXPECT_EQ(static_cast<unsigned>(blob.at(a.offset)), 1u);
  // Odd-sized members are padded: the next member still starts right.
  const auto& c = members->back();
  EXPECT_EQ(static_cast<unsigned>(blob.at(c.offset)), 3u);
}

TEST(Archive, BsdLongNames) {
  b::bytes blob = b::text("!<arch>\n");
  const std::string name = "bsd_long_name.o";
  b::bytes data = b::text(name);
  b::append(data, b::bytes(5, std::byte{9}));
  char h[61];
  std::snprintf(h, sizeof h, "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", ("#1/" + std::to_string(name.size())).c_str(), "0",
                "0", "0", "644", data.size());
  b::append(blob, std::string_view(h, 60));
  b::append(blob, data);
  const auto members = try_list_archive(view(blob));
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 1u);
  EXPECT_EQ(members->at(0).name, name);
  EXPECT_EQ(members->at(0).size, 5u);
}

TEST(Archive, CorruptAndTruncatedArchivesAreErrors) {
  const auto blob = b::make_archive({{"a.o", b::bytes(40, std::byte{1})}, {"b.o", b::bytes(40, std::byte{2})}});
  for (std::size_t n = 9; n < blob.size(); n += 7) {
    const std::span<const std::byte> cut(blob.data(), n);
    EXPECT_THROW((void)try_list_archive(cut), parse_error) << n;
  }
  auto bad = blob;
  bad[8 + 58] = std::byte{'x'};  // header terminator
  EXPECT_THROW((void)try_list_archive(view(bad)), parse_error);
  bad = blob;
  bad[8 + 48] = std::byte{'z'};  // size field
  EXPECT_THROW((void)try_list_archive(view(bad)), parse_error);
  EXPECT_THROW((void)try_list_archive(view(b::text("!<thin>\nfoo"))), parse_error);
  EXPECT_FALSE(try_list_archive(view(b::text("!<arc"))));
}

TEST(Ptx, ParsesHeaderSkippingComments) {
  const std::string text =
      "\n\n//\n// Generated by NVIDIA NVVM Compiler\n/* block\n comment */\n"
      ".version 9.0\n.target sm_90a, texmode_independent\n.address_size 64\n"
      ".visible .entry _Z1kPf(\n.param .u64 p\n)\n{\nret;\n}\n";
  const auto h = parse_ptx_header(text);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->isa, (ptx_isa{9, 0}));
  EXPECT_EQ(h->target, (gpu_arch{9, 0, arch_variant::arch_specific}));
  EXPECT_TRUE(h->has_entry);
  EXPECT_TRUE(looks_like_ptx(text));
}

TEST(Ptx, DebugTargetAndNoEntry) {
  const auto h = parse_ptx_header(".version 8.8\n.target sm_120f, debug\n.address_size 64\n.func f()\n{\nret;\n}\n");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->isa, (ptx_isa{8, 8}));
  EXPECT_EQ(h->target, (gpu_arch{12, 0, arch_variant::family}));
  EXPECT_FALSE(h->has_entry);
}

TEST(Ptx, RejectsIncompleteHeaders) {
  EXPECT_FALSE(parse_ptx_header(".target sm_90\n"));
  EXPECT_FALSE(parse_ptx_header(".version 9.0\n"));
  EXPECT_FALSE(parse_ptx_header(".version nine\n.target sm_90\n"));
  EXPECT_FALSE(parse_ptx_header(".version 9.0\n.target gfx90a\n"));
  EXPECT_FALSE(parse_ptx_header(""));
  EXPECT_FALSE(looks_like_ptx("int main() {}"));
}

TEST(Ptx, EntryDetectionNeedsAWholeWord) {
  EXPECT_TRUE(ptx_has_entry(".visible .entry k()"));
  EXPECT_FALSE(ptx_has_entry(".visible .entryx k()"));
  EXPECT_FALSE(ptx_has_entry(".func k()"));
}

}  // namespace
}  // namespace sm121probe::binscan
