// Trap-only kernels (issue 12): the trap and return instructions are derived
// from two reference cubins, and a kernel that traps without returning is
// counted. The cubins here are synthetic (instruction words as the reference
// kernels of ptxas 13.0 for sm_121 have them); the nvcc acceptance test checks
// real code with NVRTC references.
#include "binscan/builder.hpp"
#include "sm121probe/binscan/scan.hpp"
#include "sm121probe/binscan/trap.hpp"

#include <gtest/gtest.h>

namespace sm121probe::binscan {
namespace {

namespace b = testing::blob;

/// One 128-bit instruction: opcode in bits 0..11, modifiers in bits 72..104.
b::bytes insn(unsigned opcode, std::uint64_t modifiers, std::uint64_t operands = 0) {
  b::bytes w(16, std::byte{0});
  b::put<std::uint64_t>(w, 0, opcode | (operands << 12));
  b::put<std::uint64_t>(w, 8, modifiers << 8);
  return w;
}

const b::bytes ldc = insn(0xb82, 0x8, 0x123);  // set-up every kernel has
const b::bytes trap_i = insn(0x95c, 0x3000);
const b::bytes exit_i = insn(0x94d, 0x38000);
const b::bytes bra_self = insn(0x947, 0x383ff);
const b::bytes nop = insn(0x918, 0);
const b::bytes call = insn(0x343, 0x3c000);
const b::bytes fmul = insn(0x220, 0x400000);

b::bytes code(std::initializer_list<b::bytes> words) {
  b::bytes out;
  for (const auto& w : words) b::append(out, w);
  return out;
}

b::bytes cubin(const std::vector<std::pair<std::string, b::bytes>>& kernels, int sm = 121) {
  b::elf_spec s;
  s.machine = 190;
  s.os_abi = 0x41;
  s.abi_version = 8;
  s.flags = 0x06000002u | (static_cast<std::uint32_t>(sm) << 8);
  for (const auto& [name, text] : kernels) s.sections.push_back({".text." + name, 1, 6, text, 128});
  return b::make_elf(s);
}

trap_reference reference() {
  const auto t = cubin({{"r", code({ldc, trap_i, bra_self, nop, nop})}});
  const auto e = cubin({{"e", code({ldc, exit_i, bra_self, nop, nop})}});
  auto ref = derive_trap_reference({t.data(), t.size()}, {e.data(), e.size()}, "sm_121");
  EXPECT_TRUE(ref.has_value());
  return ref.value_or(trap_reference{});
}

TEST(TrapOnly, ReferenceIsDerivedFromTheDifference) {
  const auto ref = reference();
  EXPECT_EQ(ref.trap_opcode, 0x95cu);
  EXPECT_EQ(ref.trap_modifiers, 0x3000u);
  EXPECT_EQ(ref.exit_opcodes, std::vector<unsigned>{0x94d});
  // References that do not differ by one trap form are refused.
  const auto same = cubin({{"e", code({ldc, exit_i})}});
  EXPECT_FALSE(derive_trap_reference({same.data(), same.size()}, {same.data(), same.size()}, "sm_121"));
  const auto junk = b::text("not a cubin");
  EXPECT_FALSE(derive_trap_reference({junk.data(), junk.size()}, {same.data(), same.size()}, "sm_121"));
}

TEST(TrapOnly, KernelsThatTrapWithoutReturningAreCounted) {
  const auto ref = reference();
  const auto c = cubin({{"guarded", code({ldc, call, trap_i, bra_self, nop})},  // printf + trap: trap-only
                        {"real", code({ldc, fmul, exit_i, bra_self})},          // returns
                        {"asserting", code({ldc, fmul, trap_i, exit_i})},       // traps on one path only
                        {"bare", code({ldc, trap_i, bra_self})}});
  const auto census = count_trap_only(memory_source({c.data(), c.size()}), 0, c.size(), ref);
  EXPECT_EQ(census.kernels, 4u);
  EXPECT_EQ(census.trap_only, 2u);
  EXPECT_EQ(census.examples, (std::vector<std::string>{"guarded", "bare"}));
}

TEST(TrapOnly, NativeFilesReportTrapOnlyKernelsOfTheImageThatLoads) {
  const auto ref = reference();
  // sm_120 runs the kernel, sm_121 only traps (the `#if __CUDA_ARCH__ == 1200` pattern).
  auto e120 = b::sass(120);
  e120.payload = cubin({{"k", code({ldc, fmul, exit_i})}}, 120);
  auto e121 = b::sass(121);
  e121.payload = cubin({{"k", code({ldc, call, trap_i, bra_self})}}, 121);
  e121.compress = b::pack::zstd;
  const auto lib = b::host_with_fatbin(b::make_container({e120, e121}));
  scan_target t{{12, 1}, {13, 0}, &ref};
  const auto r = scan_bytes({lib.data(), lib.size()}, "libguarded.so", t);
  EXPECT_EQ(r.result, verdict::native) << "it loads; the warning says it cannot run";
  ASSERT_TRUE(r.kernels);
  EXPECT_EQ(r.kernels->kernels, 1u);
  EXPECT_EQ(r.kernels->trap_only, 1u);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, "trap-only-kernels");
  EXPECT_EQ(r.findings[0].message, "1 of 1 kernels in the images that load on 12.1 only trap there (e.g. k); they "
                                   "load but cannot run");
  EXPECT_EQ(r.warnings, std::vector<std::string>{r.findings[0].message});
  // On sm_120 the sm_120 image loads, and it returns.
  const auto r120 = scan_bytes({lib.data(), lib.size()}, "libguarded.so", scan_target{{12, 0}, {13, 0}, &ref});
  ASSERT_TRUE(r120.kernels);
  EXPECT_EQ(r120.kernels->trap_only, 0u);
  EXPECT_TRUE(r120.findings.empty());
  // Without a reference nothing is looked at.
  EXPECT_FALSE(scan_bytes({lib.data(), lib.size()}, "libguarded.so", scan_target{}).kernels);
}

}  // namespace
}  // namespace sm121probe::binscan
