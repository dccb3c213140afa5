// scan_bytes: format detection, container discovery, per-module classes, file
// verdicts and reasons, kernel-less stubs, relocatable copies, and errors.
#include "binscan/builder.hpp"
#include "sm121probe/binscan/scan.hpp"

#include <gtest/gtest.h>

namespace sm121probe::binscan {
namespace {

namespace b = testing::blob;

constexpr scan_target gb10{{12, 1}, {13, 0}};
constexpr scan_target rtx50{{12, 0}, {13, 0}};
constexpr scan_target h100{{9, 0}, {13, 0}};

file_result scan(const b::bytes& blob, std::string_view name, const scan_target& t = gb10) {
  return scan_bytes({blob.data(), blob.size()}, name, t);
}

file_result scan_fatbin(const std::vector<b::entry_spec>& entries, const scan_target& t = gb10) {
  return scan(b::make_container(entries), "x.fatbin", t);
}

TEST(ScanVerdict, PlainSassSameMajorLowerOrEqualMinor) {
  const auto e = b::sass(120);
  EXPECT_EQ(scan_fatbin({e}, gb10).result, verdict::native);
  EXPECT_EQ(scan_fatbin({e}, rtx50).result, verdict::native);
  const auto r = scan_fatbin({e}, h100);
  EXPECT_EQ(r.result, verdict::failing);
  EXPECT_EQ(r.reason, "SASS for sm_120 only; no PTX to JIT-compile");
  const auto r121 = scan_fatbin({b::sass(121)}, rtx50);
  EXPECT_EQ(r121.result, verdict::failing);
  EXPECT_NE(r121.reason.find("needs compute capability 12.1"), std::string::npos) << r121.reason;
}

TEST(ScanVerdict, ArchSpecificOnlyOnExactlyThatArch) {
  const auto e = b::sass(120, b::flag::arch_specific);
  const auto r = scan_fatbin({e}, gb10);
  EXPECT_EQ(r.result, verdict::failing);
  EXPECT_EQ(r.reason, "SASS for sm_120a only (sm_120a SASS runs only on exactly 12.0); no PTX to JIT-compile");
  EXPECT_EQ(scan_fatbin({e}, rtx50).result, verdict::native);
  EXPECT_EQ(scan_fatbin({b::sass(121, b::flag::arch_specific)}, gb10).result, verdict::native);
}

TEST(ScanVerdict, FamilyRunsOnLaterMembers) {
  EXPECT_EQ(scan_fatbin({b::sass(120, b::flag::family)}, gb10).result, verdict::native);
  EXPECT_EQ(scan_fatbin({b::sass(121, b::flag::family)}, rtx50).result, verdict::failing);
  EXPECT_EQ(scan_fatbin({b::sass(100, b::flag::family)}, gb10).result, verdict::failing);
}

TEST(ScanVerdict, PtxNewerThanTheDriverIsFailingWithThePreciseReason) {
  const auto r = scan_fatbin({b::sass(80), b::sass(90), b::ptx(90, 9, 1)}, gb10);
  EXPECT_EQ(r.result, verdict::failing);
  EXPECT_EQ(r.reason, "SASS for sm_80, sm_90 only; PTX compute_90 needs PTX ISA 9.1 but the driver (CUDA 13.0) "
                      "accepts ≤ 9.0");
  // A newer driver accepts it.
  EXPECT_EQ(scan_fatbin({b::sass(80), b::ptx(90, 9, 1)}, {{12, 1}, {13, 1}}).result, verdict::fallback);
}

TEST(ScanVerdict, FallbackNamesThePtx) {
  const auto r = scan_fatbin({b::sass(80), b::ptx(80, 8, 0), b::ptx(90, 9, 0)}, gb10);
  EXPECT_EQ(r.result, verdict::fallback);
  EXPECT_EQ(r.reason, "no SASS for sm_121 (SASS for sm_80 only); the driver JIT-compiles PTX compute_90 (ISA 9.0) at "
                      "first use");
  EXPECT_EQ(scan_fatbin({b::ptx(90, 9, 0)}, h100).result, verdict::fallback);
}

TEST(ScanVerdict, PtxRulesForVariants) {
  auto r = scan_fatbin({b::ptx(120, 9, 0, b::flag::family)}, h100);
  EXPECT_EQ(r.result, verdict::failing);
  EXPECT_NE(r.reason.find("compute_120f PTX stays within the 12.x family"), std::string::npos) << r.reason;
  r = scan_fatbin({b::ptx(121, 9, 0, b::flag::arch_specific)}, rtx50);
  EXPECT_EQ(r.result, verdict::failing);
  EXPECT_NE(r.reason.find("only for exactly 12.1"), std::string::npos) << r.reason;
  EXPECT_EQ(scan_fatbin({b::ptx(120, 9, 0)}, gb10).result, verdict::fallback);
  EXPECT_EQ(scan_fatbin({b::ptx(120, 9, 0)}, h100).result, verdict::failing);
}

TEST(ScanVerdict, OlderDriverLimitsPtxIsa) {
  const scan_target old{{12, 1}, {12, 8}};
  EXPECT_EQ(scan_fatbin({b::ptx(120, 8, 7)}, old).result, verdict::fallback);
  const auto r = scan_fatbin({b::ptx(120, 8, 8)}, old);
  EXPECT_EQ(r.result, verdict::failing);
  EXPECT_NE(r.reason.find("needs PTX ISA 8.8 but the driver (CUDA 12.8) accepts ≤ 8.7"), std::string::npos)
      << r.reason;
}

TEST(ScanVerdict, LtoIrAndUnknownKindsAreNeverRunnable) {
  auto lto = b::sass(121);
  lto.kind = 8;
  auto r = scan_fatbin({lto}, gb10);
  EXPECT_EQ(r.result, verdict::failing);
  EXPECT_EQ(r.counts.lto_only, 1u);
  EXPECT_NE(r.reason.find("LTO-IR lto_121"), std::string::npos) << r.reason;
  EXPECT_EQ(r.lto_ir, std::vector<std::string>{"lto_121"});
  auto odd = b::sass(121);
  odd.kind = 3;
  r = scan_fatbin({odd}, gb10);
  EXPECT_EQ(r.result, verdict::failing);
  EXPECT_NE(r.reason.find("unknown kind"), std::string::npos) << r.reason;
}

TEST(ScanModules, CountsPerContainerAndImageLists) {
  auto lto = b::sass(100);
  lto.kind = 8;
  b::bytes sec;
  b::append(sec, b::make_container({b::sass(120), b::ptx(120, 9, 0)}));  // native
  b::append(sec, b::make_container({b::sass(90, b::flag::arch_specific), b::ptx(90, 9, 0)}));  // jit
  b::append(sec, b::bytes(16, std::byte{0}));  // padding as in library-private sections
  b::append(sec, b::make_container({b::sass(100, b::flag::arch_specific)}));  // other
  b::append(sec, b::make_container({}));                                     // empty
  b::append(sec, b::make_container({lto}));                                  // lto only
  const auto r = scan(b::host_with_fatbin(sec, ".ldata"), "libx.so");
  EXPECT_EQ(r.format, file_format::elf);
  EXPECT_EQ(r.result, verdict::native);
  ASSERT_EQ(r.containers.size(), 5u);
  EXPECT_EQ(r.counts.native, 1u);
  EXPECT_EQ(r.counts.jit, 1u);
  EXPECT_EQ(r.counts.other, 1u);
  EXPECT_EQ(r.counts.empty, 1u);
  EXPECT_EQ(r.counts.lto_only, 1u);
  for (const auto& c : r.containers) EXPECT_EQ(c.section, ".ldata");
  EXPECT_EQ(r.sass, (std::vector<std::string>{"sm_90a", "sm_100a", "sm_120"}));
  EXPECT_EQ(r.ptx, (std::vector<ptx_ref>{{"compute_90", "9.0"}, {"compute_120", "9.0"}}));
  EXPECT_EQ(r.reason, "sm_120 SASS loads on 12.1; of 5 modules (1 without kernels) 1 load natively, 1 only through "
                      "PTX JIT, 1 carry nothing for sm_121");
}

TEST(ScanStub, KernelLessCubinIsNoGpuCodeNotFailing) {
  // libcufftw's situation: one kernel-less sm_75 cubin; checked raw and compressed.
  for (auto how : {b::pack::none, b::pack::lz4, b::pack::zstd}) {
    auto e = b::sass(75);
    e.payload = b::make_cubin(75, /*kernels=*/false);
    e.compress = how;
    const auto r = scan(b::host_with_fatbin(b::make_container({e})), "libstub.so");
    EXPECT_EQ(r.result, verdict::no_gpu_code) << static_cast<int>(how) << " " << r.reason;
    EXPECT_EQ(r.reason, "only kernel-less stub images (sm_75); nothing to run");
    EXPECT_EQ(r.counts.empty, 1u);
    ASSERT_EQ(r.containers.size(), 1u);
    EXPECT_TRUE(r.containers[0].stub);
    EXPECT_EQ(r.sass, std::vector<std::string>{"sm_75"});
  }
}

TEST(ScanStub, HostOnlyUnitWithEntrylessPtxIsNoGpuCode) {
  // nvcc's host-only translation unit: kernel-less sm_75 cubin plus entry-less compute_75 PTX.
  auto cubin = b::sass(75);
  cubin.payload = b::make_cubin(75, false);
  auto p = b::ptx(75, 9, 0);
  p.payload = b::text(".version 9.0\n.target sm_75\n.address_size 64\n");
  p.compress = b::pack::zstd;
  const auto r = scan(b::host_with_fatbin(b::make_container({cubin, p})), "libhost.so");
  EXPECT_EQ(r.result, verdict::no_gpu_code) << r.reason;
  EXPECT_EQ(r.reason, "only kernel-less stub images (sm_75, compute_75); nothing to run");
}

TEST(ScanStub, RealKernelsStillFail) {
  auto stub = b::sass(80);
  stub.payload = b::make_cubin(80, false);
  auto real = b::sass(80);
  real.payload = b::make_cubin(80, true);
  b::bytes sec = b::make_container({stub});
  b::append(sec, b::make_container({real}));
  const auto r = scan(b::host_with_fatbin(sec), "app");
  EXPECT_EQ(r.result, verdict::failing);
  EXPECT_EQ(r.reason, "SASS for sm_80 only; no PTX to JIT-compile");
  EXPECT_EQ(r.counts.empty, 1u) << "the device-link stub counts as empty";
  EXPECT_EQ(r.counts.other, 1u);
  // PTX with a kernel is a real fallback.
  const auto f = scan(b::host_with_fatbin(b::make_container({real, b::ptx(80, 9, 0)})), "app");
  EXPECT_EQ(f.result, verdict::fallback);
}

// Issue 12: cuBLASLt 13 has modules that count as "only through PTX JIT" or
// "carry nothing" but hold no kernel at all: modules are counted by kernels.
TEST(ScanStub, KernelLessModulesOfANativeFileAreCountedAsEmpty) {
  auto stub_ptx = b::ptx(90, 9, 0);
  stub_ptx.payload = b::text(".version 9.0\n.target sm_90\n.address_size 64\n");
  stub_ptx.compress = b::pack::zstd;
  auto stub_sass = b::sass(80);
  stub_sass.payload = b::make_cubin(80, false);
  stub_sass.compress = b::pack::lz4;
  b::bytes sec = b::make_container({b::sass(121)});
  b::append(sec, b::make_container({b::sass(80), stub_ptx}));  // JIT-only, no kernel
  b::append(sec, b::make_container({b::ptx(90, 9, 0)}));       // JIT-only, a kernel
  b::append(sec, b::make_container({stub_sass}));              // nothing for sm_121, no kernel
  b::append(sec, b::make_container({b::sass(80)}));            // nothing for sm_121, a kernel
  const auto r = scan(b::host_with_fatbin(sec), "libpartial.so");
  EXPECT_EQ(r.result, verdict::native);
  EXPECT_EQ(r.counts.native, 1u);
  EXPECT_EQ(r.counts.jit, 1u);
  EXPECT_EQ(r.counts.other, 1u);
  EXPECT_EQ(r.counts.empty, 2u);
  EXPECT_EQ(r.reason, "sm_121 SASS loads on 12.1; of 5 modules (2 without kernels) 1 load natively, 1 only through "
                      "PTX JIT, 1 carry nothing for sm_121");
  // Large images are taken to hold code without being read.
  auto big = b::sass(80);
  big.payload = b::make_cubin(80, false);
  big.payload.resize(max_counted_stub_size + 1);
  b::bytes sec2 = b::make_container({b::sass(121)});
  b::append(sec2, b::make_container({big}));
  const auto r2 = scan(b::host_with_fatbin(sec2), "libbig.so");
  EXPECT_EQ(r2.counts.other, 1u);
  EXPECT_EQ(r2.counts.empty, 0u);
}

TEST(ScanStub, NativePathDoesNotDecompress) {
  // A native file is decided from headers alone: a garbage zstd stream elsewhere is not even looked at.
  auto junk = b::sass(80);
  junk.compress = b::pack::zstd;
  auto blob = b::make_container({b::sass(120), junk});
  const auto c = scan(blob, "x.fatbin");
  ASSERT_EQ(c.result, verdict::native);
  const auto& e = c.containers.at(0).container.entries.at(1);
  for (std::uint64_t i = 0; i < e.compressed_size; ++i) blob[e.payload_offset() + i] = std::byte{0xEE};
  EXPECT_EQ(scan(blob, "x.fatbin").result, verdict::native);
  // When the verdict would be failing the payload is inspected, and a corrupt one is an error.
  auto fail_blob = b::make_container({junk});
  const auto first = scan(fail_blob, "x.fatbin");
  const auto& fe = first.containers.at(0).container.entries.at(0);
  for (std::uint64_t i = 0; i < fe.compressed_size; ++i) fail_blob[fe.payload_offset() + i] = std::byte{0xEE};
  const auto r = scan(fail_blob, "x.fatbin");
  EXPECT_EQ(r.result, verdict::error);
  EXPECT_NE(r.reason.find("zstd data is corrupt"), std::string::npos) << r.reason;
}

TEST(ScanRelocatable, RelocatablePtxOfALinkedFileIsJitLinked) {
  // -rdc=true executable: linked SASS in .nv_fatbin, relocatable copies (with the PTX) in __nv_relfatbin.
  // When no linked cubin matches, the driver JIT-links that PTX (issue 12; NVCC guide, "JIT Linking Support").
  b::elf_spec s;
  s.type = 2;  // ET_EXEC
  s.sections.push_back({".nv_fatbin", 1, 2, b::make_container({b::sass(90)}), 8});
  s.sections.push_back({"__nv_relfatbin", 1, 2, b::make_container({b::sass(90), b::ptx(90, 9, 0)}), 8});
  const auto exe = scan(b::make_elf(s), "app");
  EXPECT_EQ(exe.result, verdict::fallback);
  EXPECT_EQ(exe.counts.link_input, 1u);
  EXPECT_EQ(exe.counts.other, 1u);
  EXPECT_EQ(exe.reason, "no SASS for sm_121 (SASS for sm_90 only); the driver JIT-links the relocatable PTX "
                        "compute_90 (ISA 9.0) of __nv_relfatbin at first use (JIT linking)");
  EXPECT_TRUE(exe.ptx.empty()) << "link inputs are not listed as the file's images";
  EXPECT_EQ(scan(b::make_elf(s), "app", h100).result, verdict::native);
  // PTX the target cannot JIT, or PTX without a kernel, does not help: failing, and the reason says why.
  auto stub_ptx = b::ptx(90, 9, 0);
  stub_ptx.payload = b::text(".version 9.0\n.target sm_90\n.address_size 64\n.func f()\n{\n ret;\n}\n");
  s.sections[1] = {"__nv_relfatbin", 1, 2, b::make_container({b::sass(90), stub_ptx}), 8};
  const auto stub = scan(b::make_elf(s), "app");
  EXPECT_EQ(stub.result, verdict::failing);
  EXPECT_EQ(stub.reason, "SASS for sm_90 only; the relocatable PTX compute_90 of __nv_relfatbin cannot be "
                         "JIT-linked (it holds no kernel)");
  s.sections[1] = {"__nv_relfatbin", 1, 2, b::make_container({b::sass(90), b::ptx(90, 9, 0)}), 8};
  const auto old_driver = scan(b::make_elf(s), "app", scan_target{{12, 1}, {12, 8}});
  EXPECT_EQ(old_driver.result, verdict::failing);
  EXPECT_EQ(old_driver.reason, "SASS for sm_90 only; the relocatable PTX compute_90 of __nv_relfatbin cannot be "
                               "JIT-linked (PTX compute_90 needs PTX ISA 9.0 but the driver (CUDA 12.8) accepts ≤ 8.7)");
  // Every relocatable object must be usable: one the device can neither load nor JIT blocks the link.
  s.sections[1].data = b::make_container({b::ptx(90, 9, 0)});
  b::append(s.sections[1].data, b::make_container({b::sass(100, b::flag::arch_specific)}));
  EXPECT_EQ(scan(b::make_elf(s), "app").result, verdict::failing);
  // Objects with relocatable SASS for the device are linked as they are (cudadevrt's, in -rdc libraries).
  s.sections[1].data = b::make_container({b::ptx(90, 9, 0)});
  b::append(s.sections[1].data, b::make_container({b::sass(121), b::ptx(121, 9, 0)}));
  const auto devrt = scan(b::make_elf(s), "app");
  EXPECT_EQ(devrt.result, verdict::fallback);
  EXPECT_NE(devrt.reason.find("JIT-links the relocatable PTX compute_90 (ISA 9.0)"), std::string::npos)
      << devrt.reason;
  // In an object file (-rdc -c) the same section is what will be linked: it counts.
  s.sections[1].data = b::make_container({b::sass(90), b::ptx(90, 9, 0)});
  s.type = 1;
  s.sections.erase(s.sections.begin());
  const auto obj = scan(b::make_elf(s), "k.o");
  EXPECT_EQ(obj.result, verdict::fallback);
  EXPECT_EQ(obj.counts.link_input, 0u);
}

TEST(ScanSearch, HitsInExecutableSectionsAreIgnored) {
  b::elf_spec s;
  // A broken "container" inside .text (code comparing against the magic) must not cause an error.
  s.sections.push_back({".text", 1, 6, b::make_container({b::sass(120)}, 1u << 20), 16});
  s.sections.push_back({".nv_fatbin", 1, 2, b::make_container({b::sass(120)}), 8});
  const auto r = scan(b::make_elf(s), "lib.so");
  EXPECT_EQ(r.result, verdict::native) << r.reason;
  EXPECT_EQ(r.containers.size(), 1u);
  EXPECT_EQ(r.containers.at(0).section, ".nv_fatbin");
}

TEST(ScanSearch, MagicLookalikesAreSkipped) {
  b::bytes rodata = b::make_container({}, 0, /*version=*/0, 16);
  b::append(rodata, b::make_container({}, 0, 1, /*header size=*/0));
  b::elf_spec s;
  s.sections.push_back({".rodata", 1, 2, rodata, 8});
  const auto r = scan(b::make_elf(s), "lib.so");
  EXPECT_EQ(r.result, verdict::no_gpu_code);
  EXPECT_EQ(r.reason, "no fatbin container");
}

TEST(ScanSearch, ContainerMayNotCrossItsSection) {
  b::elf_spec s;
  s.sections.push_back({".rodata", 1, 2, b::make_container({b::sass(120)}, 64), 8});  // claims less than it has: fine
  s.sections.push_back({".data", 1, 3, b::bytes(256, std::byte{0}), 8});
  auto blob = b::make_elf(s);
  auto r = scan(blob, "lib.so");
  EXPECT_EQ(r.result, verdict::error) << "64 bytes of entries cut the sm_120 entry";
  b::elf_spec t;
  t.sections.push_back({".rodata", 1, 2, b::make_container({b::sass(120)}, 200), 8});
  t.sections.push_back({".data", 1, 3, b::bytes(512, std::byte{0}), 8});
  r = scan(b::make_elf(t), "lib.so");
  EXPECT_EQ(r.result, verdict::error);
  EXPECT_NE(r.reason.find("(in .rodata)"), std::string::npos) << r.reason;
}

TEST(ScanSearch, SectionlessAndStrippedFilesAreSearchedWhole) {
  b::elf_spec s;
  s.with_section_table = false;
  s.sections.push_back({".nv_fatbin", 1, 2, b::make_container({b::sass(121)}), 8});
  const auto r = scan(b::make_elf(s), "stripped.so");
  EXPECT_EQ(r.result, verdict::native);
  EXPECT_EQ(r.containers.at(0).section, "");
}

TEST(ScanFormats, ArchiveMembersAndMisalignedContainers) {
  b::elf_spec o;
  o.type = 1;
  o.sections.push_back({".nv_fatbin", 1, 2, b::make_container({b::sass(120, b::flag::family)}), 8});
  const auto member = b::make_elf(o);
  const auto blob = b::make_archive({{"odd.o", b::bytes(5, std::byte{1})}, {"kernels_long_member.o", member}});
  const auto r = scan(blob, "libk.a");
  EXPECT_EQ(r.format, file_format::archive);
  EXPECT_EQ(r.result, verdict::native) << r.reason;
  ASSERT_EQ(r.containers.size(), 1u);
  EXPECT_EQ(r.containers[0].section, "kernels_long_member.o:.nv_fatbin");
  EXPECT_NE(r.containers[0].container.offset % 8, 0u) << "test should exercise a misaligned container";
  EXPECT_EQ(r.sass, std::vector<std::string>{"sm_120f"});
}

TEST(ScanFormats, CorruptArchiveMemberIsNamed) {
  auto member = b::make_elf({});
  member.resize(40);  // cut inside the ELF header
  const auto r = scan(b::make_archive({{"bad.o", member}}), "libbad.a");
  EXPECT_EQ(r.result, verdict::error);
  EXPECT_NE(r.reason.find("archive member bad.o"), std::string::npos) << r.reason;
}

TEST(ScanFormats, BareCubins) {
  auto r = scan(b::make_cubin(121, true, /*arch_specific=*/true), "k.cubin");
  EXPECT_EQ(r.format, file_format::cubin);
  EXPECT_EQ(r.result, verdict::native);
  EXPECT_EQ(r.sass, std::vector<std::string>{"sm_121a"});
  EXPECT_EQ(scan(b::make_cubin(121, true, true), "k.cubin", rtx50).result, verdict::failing);
  EXPECT_EQ(scan(b::make_cubin_v1(90), "old.cubin", h100).result, verdict::native);
  EXPECT_EQ(scan(b::make_cubin(120, false), "stub.cubin").result, verdict::native) << "headers decide native";
  r = scan(b::make_cubin(120, false), "stub.cubin", h100);
  EXPECT_EQ(r.result, verdict::no_gpu_code);
  EXPECT_EQ(r.reason, "only kernel-less stub images (sm_120); nothing to run");
}

TEST(ScanFormats, PtxFiles) {
  const auto text = b::text("// comment\n.version 9.0\n.target sm_120f\n.address_size 64\n.visible .entry k()\n{\n}\n");
  auto r = scan(text, "k.ptx");
  EXPECT_EQ(r.format, file_format::ptx);
  EXPECT_EQ(r.result, verdict::fallback);
  EXPECT_EQ(r.ptx, (std::vector<ptx_ref>{{"compute_120f", "9.0"}}));
  EXPECT_EQ(scan(text, "k.ptx", h100).result, verdict::failing);
  r = scan(b::text("// no directives here\n"), "k.ptx");
  EXPECT_EQ(r.result, verdict::error);
  EXPECT_NE(r.reason.find(".version"), std::string::npos);
}

TEST(ScanFormats, RawDumpsAndUnknownFiles) {
  b::bytes dump(100, std::byte{0x33});
  b::append(dump, b::make_container({b::sass(121)}));
  auto r = scan(dump, "section.bin");
  EXPECT_EQ(r.format, file_format::raw);
  EXPECT_EQ(r.result, verdict::native);
  r = scan(b::text("just some text"), "notes.bin");
  EXPECT_EQ(r.result, verdict::error);
  EXPECT_EQ(r.reason, "not an ELF file, static archive, cubin, fatbin or PTX text");
}

TEST(ScanErrors, EmptyTruncatedAndUnsupportedInputs) {
  auto r = scan({}, "empty.fatbin");
  EXPECT_EQ(r.result, verdict::error);
  EXPECT_EQ(r.reason, "empty file");

  r = scan(b::make_container({b::sass(121)}, std::nullopt, 2, 16), "v2.fatbin");
  EXPECT_EQ(r.result, verdict::error);
  EXPECT_NE(r.reason.find("version 2"), std::string::npos) << r.reason;

  b::bytes legacy;
  b::append<std::uint32_t>(legacy, 0x1EE55A01);
  b::append(legacy, b::bytes(32, std::byte{0}));
  r = scan(legacy, "old.fatbin");
  EXPECT_EQ(r.result, verdict::error);
  EXPECT_NE(r.reason.find("legacy"), std::string::npos);

  const auto good = b::make_container({b::sass(121), b::ptx(121, 9, 0)});
  const auto cut = b::bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() - 5));
  r = scan(cut, "cut.fatbin");
  EXPECT_EQ(r.result, verdict::error);
  EXPECT_NE(r.reason.find("truncated"), std::string::npos) << r.reason;
}

TEST(ScanErrors, EveryTruncationOfAHostLibraryIsAnErrorOrHarmless) {
  b::elf_spec s;
  s.with_load_segment = true;
  auto p = b::ptx(120, 9, 0);
  p.compress = b::pack::zstd;
  s.sections.push_back({".nv_fatbin", 1, 2, b::make_container({b::sass(120), p}), 8});
  const auto blob = b::make_elf(s);
  ASSERT_EQ(scan(blob, "lib.so").result, verdict::native);
  for (std::size_t n = 1; n < blob.size(); ++n) {
    const b::bytes cut(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(n));
    const auto r = scan(cut, "lib.so");
    EXPECT_EQ(r.result, verdict::error) << "cut at " << n << ": " << r.reason;
    EXPECT_FALSE(r.reason.empty());
    EXPECT_EQ(r.reason.find('\n'), std::string::npos) << "reasons are one line";
  }
}

TEST(ScanWarnings, ZstdNeedsCuda124Driver) {
  auto e = b::sass(120);
  e.compress = b::pack::zstd;
  const auto old = scan_fatbin({e}, {{12, 1}, {12, 2}});
  ASSERT_EQ(old.warnings.size(), 1u);
  EXPECT_NE(old.warnings[0].find("12.4"), std::string::npos);
  EXPECT_TRUE(scan_fatbin({e}, gb10).warnings.empty());
}

TEST(ScanHelpers, WorthScanningByMagicAndName) {
  const auto elf = b::make_elf({});
  EXPECT_TRUE(worth_scanning("libx.so", {elf.data(), 8}));
  EXPECT_TRUE(worth_scanning("k.ptx", {}));
  EXPECT_TRUE(worth_scanning("K.CUBIN", {}));
  const auto script = b::text("/* GNU ld script */ GROUP ( libc.so.6 )");
  EXPECT_FALSE(worth_scanning("libc.so", {script.data(), 8})) << "linker scripts named .so are skipped";
  const auto fat = b::make_container({});
  EXPECT_TRUE(worth_scanning("blob.bin", {fat.data(), 8}));
}

}  // namespace
}  // namespace sm121probe::binscan
