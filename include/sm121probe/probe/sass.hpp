#pragma once
/// "Native means the hardware instruction, not just that it compiled": the
/// SASS inspection of native compiles (docs/classification.md).
///
/// No disassembler is needed. Since Volta every SASS instruction is 128 bits;
/// the low 12 bits are the opcode, bits 72..104 hold the modifiers (operand
/// types, shape, selectors), the rest are register fields and scheduling
/// control. Which opcode a PTX instruction becomes is not taken from a table:
/// it is derived at run time by compiling small reference kernels with the
/// same NVRTC for the same target and diffing them (results cached per target):
///
///  * K0, the baseline: loads its operands and stores them;
///  * K1: the same loads, the instruction once, its results stored;
///  * K2: two independent uses.
///
/// The classes themselves are data of the catalogue (src/probes/sass_classes.cpp),
/// handed in by the caller.
///
/// The *marginal cost* K2 - K1, counting only opcodes the baseline does not
/// use, is what one more use of the instruction adds (per-kernel set-up and
/// the loads and stores of the extra operands cancel out). A *class* (HMMA, IMMA, QMMA, QMMA.SF,
/// OMMA.SF, F2FP) is defined by a representative PTX instruction; the class
/// exists on a target when its representative's marginal cost is exactly one
/// instruction, whose opcode is the class opcode. A probe's instruction is
/// native on a target when its marginal cost is exactly one instruction of its
/// class's opcode plus at most one helper (e.g. masking a byte result), and the
/// probe's own kernel contains that instruction (opcode and modifiers).
/// Otherwise the native compile is marked emulated.

#include "sm121probe/nvrtc/toolchain.hpp"
#include "sm121probe/probe/probe.hpp"
#include "sm121probe/report/model.hpp"

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sm121probe::probe {

/// One 128-bit SASS instruction as stored in a cubin (two little-endian words).
struct sass_instruction {
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;

  /// Bits 0..11.
  [[nodiscard]] unsigned opcode() const { return static_cast<unsigned>(lo & 0xfffu); }
  /// Bits 12..15: the guard predicate (bits 12..14 the register, 7 = PT or
  /// UPT; bit 15 negates it).
  [[nodiscard]] unsigned guard() const { return static_cast<unsigned>((lo >> 12) & 0xfu); }
  /// Guarded by `@!PT` / `@!UPT`: never executed. ptxas 13.5 pads after
  /// tensor instructions with such instructions where 13.0 used NOPs.
  [[nodiscard]] bool never_executed() const { return guard() == 0xfu; }
  /// Bits 72..104: modifiers, without the register field in bits 64..71 and
  /// without the scheduling control bits above 104.
  [[nodiscard]] std::uint64_t modifiers() const { return (hi >> 8) & ((std::uint64_t{1} << 33) - 1); }
  friend bool operator==(const sass_instruction&, const sass_instruction&) = default;
};

/// What identifies an instruction's form independent of its registers.
struct sass_signature {
  unsigned opcode = 0;
  std::uint64_t modifiers = 0;
  friend auto operator<=>(const sass_signature&, const sass_signature&) = default;
};
[[nodiscard]] sass_signature signature_of(const sass_instruction& i);
/// "0x27a/0x28ec" (opcode / modifier bits), for notes.
[[nodiscard]] std::string to_string(const sass_signature& s);

/// The instructions of every kernel of a cubin, by kernel name (the
/// `.text.<name>` sections split into 128-bit words). nullopt when `image` is
/// not an ELF cubin or a text section is not a whole number of instructions.
[[nodiscard]] std::optional<std::map<std::string, std::vector<sass_instruction>>> read_kernels(
    std::span<const std::byte> image);

/// `code` without the instructions of opcode `filler` (the no-op that pads an
/// empty kernel on the same target, which ptxas also places inside code for
/// alignment) and without instructions that can never execute (guarded by
/// `@!PT`): neither is ever counted.
[[nodiscard]] std::vector<sass_instruction> drop_filler(std::vector<sass_instruction> code, unsigned filler);
/// `code` without the instructions that can never execute.
[[nodiscard]] std::vector<sass_instruction> drop_never_executed(std::vector<sass_instruction> code);

/// A multiset of signatures.
using signature_counts = std::map<sass_signature, int>;
[[nodiscard]] signature_counts count_signatures(const std::vector<sass_instruction>& code);
/// Positive part of a - b.
[[nodiscard]] signature_counts minus(const signature_counts& a, const signature_counts& b);
[[nodiscard]] int total(const signature_counts& c);

/// What an instruction template costs on a target, from the K0/K1/K2 reference kernels.
struct instruction_cost {
  bool compiled = false;
  std::string error;               ///< why the reference kernels did not compile (first error line)
  int baseline_instructions = 0;   ///< K0 size without padding
  /// K1 - K0 and K2 - K1, restricted to opcodes K0 does not use (the loads,
  /// stores and address arithmetic of extra operands cancel out that way):
  signature_counts first;          ///< what the first use of the instruction adds
  signature_counts marginal;       ///< what one more use adds (the per-use cost)
  std::vector<unsigned> baseline_opcodes;  ///< opcodes present in K0, sorted
};

/// Generates the reference program (K0, K1, K2 and an empty kernel) for a template.
[[nodiscard]] std::string reference_source(const sass_check& instruction);

/// Compiles the reference kernels of `instruction` for `target` ("sm_121f")
/// and measures its cost. Cached per toolchain version, target and template;
/// thread-safe. Never throws for compile failures (they are results).
[[nodiscard]] instruction_cost measure_instruction(const nvrtc::toolchain& tools, const std::string& target,
                                                   const sass_check& instruction);

/// Opcodes that transfer control on a target, measured from reference kernels
/// (docs/classification.md): what an empty kernel holds besides its padding
/// (EXIT and the closing branch) and what a call to a non-inlined function adds
/// to the same kernel with the function inlined (the call, the return and the
/// moves of the calling convention). None of them is ever an instruction class.
struct control_flow {
  bool measured = false;
  std::string error;              ///< why the reference kernels did not compile
  std::vector<unsigned> opcodes;  ///< sorted
  [[nodiscard]] bool contains(unsigned opcode) const;
};
[[nodiscard]] control_flow measure_control_flow(const nvrtc::toolchain& tools, const std::string& target);

/// What the reference measurement says about a class on one target.
enum class class_state {
  exists,        ///< one instruction per use: the class opcode
  absent,        ///< an expansion: a call, or more instructions than one plus the helper allowance
  inconclusive,  ///< no representative compiles, or two or three instructions with no way to tell which is the class
};
[[nodiscard]] std::string_view to_string(class_state s);

/// A class of the catalogue as resolved on one target.
struct sass_class {
  std::string label;           ///< "HMMA", "IMMA", "QMMA", "QMMA.SF", "OMMA.SF", "F2FP"
  std::string representative;  ///< the PTX instruction that defined it (the first that compiles)
  class_state state = class_state::inconclusive;
  bool exists = false;         ///< state == exists
  unsigned opcode = 0;         ///< valid when exists
  instruction_cost cost;       ///< of the representative
  std::string why;             ///< for absent / inconclusive: one phrase
};

/// Sets c.state (and exists, opcode, why) from c.cost, the measured cost of a
/// representative that compiled: a per-use cost holding a control-flow opcode
/// is `absent` (a call into an emulation routine); exactly one instruction,
/// `exists`; none, or two or three (one plus the helper allowance, no way to
/// tell which is the class), `inconclusive`; more, `absent`. Without a
/// control-flow measurement nothing can be excluded: `inconclusive`.
void settle_class(sass_class& c, const control_flow& cf);

/// Every class of `classes` (the catalogue's SASS classes: each label with one
/// or more representative instructions, tried in catalogue order; the first
/// that compiles on `target` defines the class) resolved on `target` (cached).
[[nodiscard]] std::vector<sass_class> resolve_classes(const nvrtc::toolchain& tools, const std::string& target,
                                                      const std::vector<sass_check>& classes);

/// The verdict for one checked instruction.
struct check_result {
  bool native = false;   ///< one instruction of the expected class per use on this target
  bool found = false;    ///< the probe's kernel contains it (opcode and modifiers)
  bool inconclusive = false;  ///< the references could not be compiled or read: no judgement
  std::string note;      ///< one line: what was seen
};

/// The inspection of one native compile.
struct sass_inspection {
  report::sass_summary summary;
  bool emulated = false;
  std::vector<check_result> checks;
};

/// Inspects `image` (a cubin compiled for `target`) against `checks`, with the
/// SASS classes `classes` (catalogue::sass_classes). Returns nullopt when the
/// image cannot be read as a cubin (nothing to judge).
[[nodiscard]] std::optional<sass_inspection> inspect_sass(const nvrtc::toolchain& tools, const std::string& target,
                                                          std::span<const std::byte> image,
                                                          const std::vector<sass_check>& checks,
                                                          const std::vector<sass_check>& classes);

/// How many helper instructions a native instruction may cost besides itself
/// per use (masking a byte-sized conversion result costs one).
inline constexpr int sass_helper_allowance = 1;

}  // namespace sm121probe::probe
