#pragma once
/// Just enough ELF to scan for GPU code: the section table (to label where a
/// container lies and to skip executable code), the program headers (to spot
/// truncated files), and the device-ELF ("cubin") facts that matter for
/// compatibility (SM number, `a` variant, relocatable or not, kernels or not).
/// Handles ELF32/ELF64 in either byte order; section-less (stripped) files are fine.

#include "sm121probe/arch.hpp"
#include "sm121probe/binscan/byte_reader.hpp"
#include "sm121probe/binscan/byte_source.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sm121probe::binscan {

inline constexpr std::uint16_t em_cuda = 190;
inline constexpr std::uint16_t et_rel = 1;
inline constexpr std::uint16_t et_exec = 2;
inline constexpr std::uint16_t et_dyn = 3;
inline constexpr std::uint64_t shf_execinstr = 0x4;
inline constexpr std::uint32_t sht_nobits = 8;

/// One section header, normalised to 64-bit fields.
struct elf_section {
  std::string name;  ///< raw bytes from the string table (may be any bytes)
  std::uint32_t type = 0;
  std::uint64_t flags = 0;
  std::uint64_t offset = 0;  ///< file offset (relative to the parsed buffer)
  std::uint64_t size = 0;    ///< bytes in the file (0 for SHT_NOBITS)

  [[nodiscard]] bool executable() const { return (flags & shf_execinstr) != 0; }
};

/// The parts of an ELF file the scanner uses.
struct elf_file {
  bool is_64 = true;
  bool little_endian = true;
  std::uint8_t os_abi = 0;       ///< e_ident[EI_OSABI]
  std::uint8_t abi_version = 0;  ///< e_ident[EI_ABIVERSION]
  std::uint16_t type = 0;        ///< e_type (ET_REL, ET_EXEC, ET_DYN, ...)
  std::uint16_t machine = 0;     ///< e_machine (190 = EM_CUDA)
  std::uint32_t flags = 0;       ///< e_flags
  std::vector<elf_section> sections;  ///< index order; empty for section-less files

  /// Reads the headers of the ELF file that occupies [base, base + size) of `src`
  /// (a whole file, or an archive member). Section offsets in the result are
  /// relative to `base`. Returns nullopt when the bytes do not start with the ELF
  /// magic ("not ELF"). Throws parse_error when they do but the headers are broken
  /// or point past the end (truncated file); error offsets are positions in `src`.
  [[nodiscard]] static std::optional<elf_file> try_open(const byte_source& src, std::uint64_t base,
                                                        std::uint64_t size);
  /// try_open on a buffer in memory.
  [[nodiscard]] static std::optional<elf_file> try_open(std::span<const std::byte> data);

  /// The first section with this name, or nullptr.
  [[nodiscard]] const elf_section* find(std::string_view name) const;
};

/// True when `data` starts with the 4-byte ELF magic.
[[nodiscard]] bool has_elf_magic(std::span<const std::byte> data);

/// What a device ELF (cubin) says about itself.
struct cubin_info {
  std::optional<gpu_arch> arch;  ///< from e_flags (layout chosen by EI_ABIVERSION), variant `a` from .nv.compat
  bool relocatable = false;      ///< ET_REL: input to a device link, not loadable as is
  bool has_kernels = false;      ///< some `.text.<name>` section exists
  int abi_version = 0;           ///< EI_ABIVERSION: 7 (CUDA <= 12) or 8 (CUDA 13)
  int raw_sm = 0;                ///< the SM number as stored (101 for a CUDA 12.x Thor cubin)
};

/// Describes the cubin (an ELF with e_machine 190) in [base, base + size) of
/// `src`, reading only its headers, section table, section names and
/// `.nv.compat`. Throws parse_error when the bytes are not a well-formed cubin.
[[nodiscard]] cubin_info describe_cubin(const byte_source& src, std::uint64_t base, std::uint64_t size);
/// describe_cubin on a buffer in memory.
[[nodiscard]] cubin_info describe_cubin(std::span<const std::byte> data);

/// Largest section name table read (real ones are kilobytes; a bigger one is corrupt).
inline constexpr std::uint64_t max_section_name_table = std::uint64_t{16} << 20;

/// Decodes the SM number from cubin e_flags: bits 0-7 for ABI version 7 and older,
/// bits 8-15 for ABI version 8 (CUDA 13). Returns 0 when unknown.
[[nodiscard]] int cubin_sm_from_flags(std::uint32_t e_flags, int abi_version);

}  // namespace sm121probe::binscan
