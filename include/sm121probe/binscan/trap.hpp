#pragma once
/// Trap-only kernels: kernels whose SASS for the device does nothing but trap
/// (the pattern `#if __CUDA_ARCH__ == 1200 ... #else printf(...); __trap();`,
/// reported on GB10 as "This kernel only supports sm120" plus a launch
/// failure). They load, so the file stays `native`, but they cannot run.
///
/// Which instructions mean "trap" and "return" is not taken from a table: the
/// caller compiles two reference kernels for the target at run time (one that
/// only traps, one that is empty) and derive_trap_reference() diffs them, as
/// the probe battery's SASS rule does (docs/classification.md). A kernel is
/// trap-only when it contains the trap instruction and no return (EXIT)
/// instruction: every path ends in the trap. A kernel with an assert() has
/// both and is not trap-only.

#include "sm121probe/binscan/byte_source.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sm121probe::binscan {

/// The instructions that tell a trap-only kernel, for one target.
struct trap_reference {
  std::string target;             ///< "sm_121", what the references were compiled for
  unsigned trap_opcode = 0;       ///< bits 0..11 of the trap instruction
  std::uint64_t trap_modifiers = 0;  ///< its bits 72..104
  std::vector<unsigned> exit_opcodes;  ///< opcodes of the empty kernel's return
};

/// Derives the reference from two cubins compiled for the same target: one
/// kernel that only calls __trap(), one empty kernel. nullopt when they do not
/// differ the expected way (exactly one instruction form only in the trap
/// kernel, at least one opcode only in the empty kernel).
[[nodiscard]] std::optional<trap_reference> derive_trap_reference(std::span<const std::byte> trap_cubin,
                                                                  std::span<const std::byte> empty_cubin,
                                                                  std::string target);

/// Kernels of one cubin and the trap-only ones among them.
struct trap_census {
  std::uint64_t kernels = 0;
  std::uint64_t trap_only = 0;
  std::vector<std::string> examples;  ///< names of the first few trap-only kernels
};

/// Counts the trap-only kernels of the cubin in [base, base + size) of `src`
/// (only its section table and `.text.*` sections are read). Throws
/// parse_error when it is not a well-formed cubin.
[[nodiscard]] trap_census count_trap_only(const byte_source& src, std::uint64_t base, std::uint64_t size,
                                          const trap_reference& ref, std::size_t max_examples = 3);

}  // namespace sm121probe::binscan
