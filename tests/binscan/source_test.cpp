// byte_source: memory and file sources give the same bytes and the same errors,
// scanning a file (pread) equals scanning its bytes in memory, and a file that
// shrinks or is no regular file is an error result, not a crash or a hang.
#include "binscan/builder.hpp"
#include "sm121probe/binscan/byte_source.hpp"
#include "sm121probe/binscan/scan.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace sm121probe::binscan {
namespace {

namespace b = testing::blob;

void write(const std::string& path, const b::bytes& data) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

TEST(ByteSource, FileAndMemoryAgree) {
  testing::temp_dir dir;
  b::bytes data(10000);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::byte>(i * 7);
  write(dir / "f", data);
  const file_source file(dir / "f");
  const memory_source mem({data.data(), data.size()});
  EXPECT_EQ(file.size(), data.size());
  std::vector<std::byte> s1, s2;
  for (auto [off, n] : {std::pair<std::uint64_t, std::uint64_t>{0, 16}, {4093, 64}, {9990, 10}, {10000, 0}}) {
    const auto a = file.view(off, n, s1);
    const auto c = mem.view(off, n, s2);
    ASSERT_EQ(a.size(), n);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), c.begin())) << off;
  }
  EXPECT_THROW((void)file.view(9990, 11, s1), parse_error);
  EXPECT_THROW((void)mem.view(UINT64_MAX - 2, 8, s2), parse_error);
  EXPECT_THROW((void)file.view(UINT64_MAX - 2, 8, s1), parse_error);
}

TEST(ByteSource, OpenErrors) {
  testing::temp_dir dir;
  EXPECT_THROW(file_source(dir / "missing"), file_source::open_error);
  try {
    file_source f(dir.path);
    FAIL();
  } catch (const file_source::open_error& e) {
    EXPECT_STREQ(e.what(), "not a regular file");
  }
  write(dir / "empty", {});
  const file_source empty(dir / "empty");
  EXPECT_EQ(empty.size(), 0u);
}

// Issue 11 item 5: a file that shrinks while it is scanned used to kill the
// scan with SIGBUS (the search read a mapping past the new end of the file).
TEST(ByteSource, FileThatShrinksWhileScannedIsAnErrorResult) {
  testing::temp_dir dir;
  // A library whose only container lies 8 MiB into a data section: the search
  // must read past the point where the file is cut.
  b::bytes rodata(8u << 20, std::byte{0x11});
  b::append(rodata, b::make_container({b::sass(121)}));
  const auto lib = b::host_with_fatbin(rodata, ".rodata");
  write(dir / "lib.so", lib);
  const file_source file(dir / "lib.so");
  ASSERT_EQ(::truncate((dir / "lib.so").c_str(), 1 << 20), 0);
  const auto r = scan_source(file, dir / "lib.so", scan_target{{12, 1}, {13, 0}});
  EXPECT_EQ(r.result, verdict::error);
  EXPECT_NE(r.reason.find("shrank"), std::string::npos) << r.reason;
  // Scanning it again (now short) is an ordinary error too, and the untouched copy still scans.
  EXPECT_EQ(scan_file(dir / "lib.so", scan_target{{12, 1}, {13, 0}}).result, verdict::error);
  write(dir / "whole.so", lib);
  EXPECT_EQ(scan_file(dir / "whole.so", scan_target{{12, 1}, {13, 0}}).result, verdict::native);
}

// Issue 11 item 4: opening a FIFO for reading blocks until a writer appears.
TEST(ByteSource, FifoIsRefusedWithoutBlocking) {
  testing::temp_dir dir;
  ASSERT_EQ(::mkfifo((dir / "pipe").c_str(), 0600), 0);
  try {
    file_source f(dir / "pipe");
    FAIL() << "a FIFO opened as a file";
  } catch (const file_source::open_error& e) {
    EXPECT_STREQ(e.what(), "not a regular file");
  }
  const auto r = scan_file(dir / "pipe", scan_target{});
  EXPECT_EQ(r.result, verdict::error);
  EXPECT_EQ(r.reason, "not a regular file");
}

TEST(ByteSource, ScanningAFileEqualsScanningItsBytes) {
  testing::temp_dir dir;
  // Packed containers (walked through the source), zero padding, a non-zero gap
  // that breaks the chain (found by the search again), an archive, a cubin.
  b::bytes packed = b::make_container({b::sass(120), b::ptx(120, 9, 0)});
  b::append(packed, b::bytes(24, std::byte{0}));
  b::append(packed, b::make_container({b::sass(90, b::flag::arch_specific)}));
  b::append(packed, b::text("gap"));
  b::append(packed, b::make_container({}));
  b::append(packed, b::make_container({b::ptx(121, 9, 0, b::flag::family)}));
  b::elf_spec o;
  o.type = 1;
  o.sections.push_back({".nv_fatbin", 1, 2, b::make_container({b::sass(121)}), 8});
  const std::vector<std::pair<std::string, b::bytes>> inputs = {
      {"lib.so", b::host_with_fatbin(packed, ".ldata")},
      {"libk.a", b::make_archive({{"x.o", b::bytes(3, std::byte{1})}, {"k_long_member_name.o", b::make_elf(o)}})},
      {"k.cubin", b::make_cubin(121, true, true)},
      {"k.fatbin", b::make_container({b::sass(80)})},
  };
  for (const auto& [name, data] : inputs) {
    write(dir / name, data);
    for (const scan_target t : {scan_target{{12, 1}, {13, 0}}, scan_target{{9, 0}, {13, 0}}}) {
      const auto from_file = scan_file(dir / name, t);
      const auto from_memory = scan_bytes({data.data(), data.size()}, dir / name, t);
      EXPECT_EQ(from_file.result, from_memory.result) << name;
      EXPECT_EQ(from_file.reason, from_memory.reason) << name;
      EXPECT_EQ(from_file.sass, from_memory.sass) << name;
      EXPECT_EQ(from_file.ptx, from_memory.ptx) << name;
      ASSERT_EQ(from_file.containers.size(), from_memory.containers.size()) << name;
      for (std::size_t i = 0; i < from_file.containers.size(); ++i) {
        EXPECT_EQ(from_file.containers[i].container.offset, from_memory.containers[i].container.offset);
        EXPECT_EQ(from_file.containers[i].section, from_memory.containers[i].section);
        EXPECT_EQ(from_file.containers[i].container.entries.size(), from_memory.containers[i].container.entries.size());
      }
    }
  }
  const auto lib = scan_file(dir / "lib.so", {{12, 1}, {13, 0}});
  EXPECT_EQ(lib.containers.size(), 4u) << "the chain and the search together find every container";
}

}  // namespace
}  // namespace sm121probe::binscan
