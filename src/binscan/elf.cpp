#include "sm121probe/binscan/elf.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace sm121probe::binscan {

namespace {

constexpr std::uint32_t pt_load = 1;
constexpr std::uint32_t sht_cuda_compat = 0x70000086;  // .nv.compat
constexpr std::uint16_t shn_xindex = 0xffff;

struct raw_header {
  std::uint64_t phoff = 0, shoff = 0;
  std::uint16_t phentsize = 0, phnum = 0, shentsize = 0, shnum = 0, shstrndx = 0;
};

}  // namespace

bool has_elf_magic(std::span<const std::byte> data) {
  static constexpr unsigned char magic[4] = {0x7f, 'E', 'L', 'F'};
  return data.size() >= 4 && std::memcmp(data.data(), magic, 4) == 0;
}

std::optional<elf_file> elf_file::try_open(std::span<const std::byte> data) {
  return try_open(memory_source(data), 0, data.size());
}

namespace {

/// e_ident: class, data encoding, OS ABI and ABI version. Nullopt without the magic.
std::optional<elf_file> read_ident(const byte_source& src, std::uint64_t base, std::uint64_t size,
                                   std::vector<std::byte>& scratch) {
  if (size < 4 || !has_elf_magic(src.view(base, 4, scratch))) return std::nullopt;
  if (size < 16) throw parse_error(base, "ELF identification is cut off (truncated file)");
  const byte_reader ident = src.reader(base, 16, scratch, "ELF identification");
  const auto cls = ident.read<std::uint8_t>(4);
  const auto enc = ident.read<std::uint8_t>(5);
  if (cls != 1 && cls != 2) throw parse_error(base + 4, fmt::format("ELF class {} is neither 32- nor 64-bit", cls));
  if (enc != 1 && enc != 2) throw parse_error(base + 5, fmt::format("ELF data encoding {} is invalid", enc));
  elf_file f;
  f.is_64 = cls == 2;
  f.little_endian = enc == 1;
  f.os_abi = ident.read<std::uint8_t>(7);
  f.abi_version = ident.read<std::uint8_t>(8);
  return f;
}

/// The ELF header proper: type, machine and flags into `f`, table positions returned.
raw_header read_header(const byte_source& src, std::uint64_t base, std::uint64_t size, elf_file& f,
                       std::vector<std::byte>& scratch) {
  const std::uint64_t ehsize = f.is_64 ? 64 : 52;
  if (size < ehsize) throw parse_error(base, "ELF header is cut off (truncated file)");
  const byte_reader r = src.reader(base, ehsize, scratch, "ELF header", f.little_endian);
  raw_header h;
  f.type = r.read<std::uint16_t>(16);
  f.machine = r.read<std::uint16_t>(18);
  if (f.is_64) {
    h.phoff = r.read<std::uint64_t>(32);
    h.shoff = r.read<std::uint64_t>(40);
    f.flags = r.read<std::uint32_t>(48);
    h.phentsize = r.read<std::uint16_t>(54);
    h.phnum = r.read<std::uint16_t>(56);
    h.shentsize = r.read<std::uint16_t>(58);
    h.shnum = r.read<std::uint16_t>(60);
    h.shstrndx = r.read<std::uint16_t>(62);
  } else {
    h.phoff = r.read<std::uint32_t>(28);
    h.shoff = r.read<std::uint32_t>(32);
    f.flags = r.read<std::uint32_t>(36);
    h.phentsize = r.read<std::uint16_t>(42);
    h.phnum = r.read<std::uint16_t>(44);
    h.shentsize = r.read<std::uint16_t>(46);
    h.shnum = r.read<std::uint16_t>(48);
    h.shstrndx = r.read<std::uint16_t>(50);
  }
  return h;
}

/// Program headers: a loadable segment past the end of the file means the file was cut short.
void check_segments(const byte_source& src, std::uint64_t base, std::uint64_t size, const elf_file& f,
                    const raw_header& h, std::vector<std::byte>& scratch) {
  if (h.phnum == 0) return;
  const std::uint64_t phent_min = f.is_64 ? 56 : 32;
  if (h.phentsize < phent_min)
    throw parse_error(base + (f.is_64 ? 54 : 42), fmt::format("ELF program header size {} is too small", h.phentsize));
  const std::uint64_t table = std::uint64_t{h.phnum} * h.phentsize;
  if (!range_fits(h.phoff, table, size))
    throw parse_error(base + h.phoff, "ELF program header table lies past the end of the file (truncated?)");
  const byte_reader ph = src.reader(base + h.phoff, table, scratch, "ELF program headers", f.little_endian);
  for (std::uint64_t i = 0; i < h.phnum; ++i) {
    const std::uint64_t p = i * h.phentsize;
    const auto type = ph.read<std::uint32_t>(p);
    const std::uint64_t off = f.is_64 ? ph.read<std::uint64_t>(p + 8) : ph.read<std::uint32_t>(p + 4);
    const std::uint64_t filesz = f.is_64 ? ph.read<std::uint64_t>(p + 32) : ph.read<std::uint32_t>(p + 16);
    if (type == pt_load && !range_fits(off, filesz, size))
      throw parse_error(base + h.phoff + p, fmt::format("loadable segment at file offset 0x{:x} ({} bytes) extends "
                                                        "past the end of the file (truncated?)",
                                                        off, filesz));
  }
}

/// Where the section table is: entry count and name-table index, with the
/// extended values of section 0 when they do not fit the header fields.
struct table_extent {
  std::uint64_t count = 0;
  std::uint64_t strndx = 0;
};

table_extent section_table_extent(const byte_source& src, std::uint64_t base, std::uint64_t size,
                                  const elf_file& f, const raw_header& h, std::vector<std::byte>& scratch) {
  const std::uint64_t shent_min = f.is_64 ? 64 : 40;
  if (h.shentsize < shent_min)
    throw parse_error(base + (f.is_64 ? 58 : 46), fmt::format("ELF section header size {} is too small", h.shentsize));
  if (!range_fits(h.shoff, h.shentsize, size))
    throw parse_error(base + h.shoff, "ELF section header table lies past the end of the file (truncated?)");
  table_extent t{h.shnum, h.shstrndx};
  const byte_reader s0 = src.reader(base + h.shoff, h.shentsize, scratch, "ELF section header", f.little_endian);
  if (t.count == 0) t.count = f.is_64 ? s0.read<std::uint64_t>(32) : s0.read<std::uint32_t>(20);
  if (t.strndx == shn_xindex) t.strndx = s0.read<std::uint32_t>(f.is_64 ? 40 : 24);
  if (t.count != 0 && (t.count > size / h.shentsize || !range_fits(h.shoff, t.count * h.shentsize, size)))
    throw parse_error(base + h.shoff, fmt::format("ELF section header table ({} entries) lies past the end of the "
                                                  "file (truncated?)",
                                                  t.count));
  return t;
}

/// Reads the section headers into f.sections; returns each section's name offset.
std::vector<std::uint32_t> read_sections(const byte_source& src, std::uint64_t base, std::uint64_t size, elf_file& f,
                                         const raw_header& h, std::uint64_t count, std::vector<std::byte>& scratch) {
  f.sections.resize(count);
  std::vector<std::uint32_t> name_offsets(count);
  const byte_reader sh = src.reader(base + h.shoff, count * h.shentsize, scratch, "ELF section headers", f.little_endian);
  for (std::uint64_t i = 0; i < count; ++i) {
    const std::uint64_t s = i * h.shentsize;
    elf_section& sec = f.sections[i];
    name_offsets[i] = sh.read<std::uint32_t>(s);
    sec.type = sh.read<std::uint32_t>(s + 4);
    if (f.is_64) {
      sec.flags = sh.read<std::uint64_t>(s + 8);
      sec.offset = sh.read<std::uint64_t>(s + 24);
      sec.size = sh.read<std::uint64_t>(s + 32);
    } else {
      sec.flags = sh.read<std::uint32_t>(s + 8);
      sec.offset = sh.read<std::uint32_t>(s + 16);
      sec.size = sh.read<std::uint32_t>(s + 20);
    }
    if (sec.type == sht_nobits || i == 0) sec.size = 0;  // occupies no file bytes
    if (!range_fits(sec.offset, sec.size, size))
      throw parse_error(base + h.shoff + s, fmt::format("ELF section {} (file offset 0x{:x}, {} bytes) extends past "
                                                        "the end of the file (truncated?)",
                                                        i, sec.offset, sec.size));
  }
  return name_offsets;
}

/// Names the sections from the section name table `strndx` (placeholders for names outside it).
void name_sections(const byte_source& src, std::uint64_t base, elf_file& f, std::uint64_t strndx,
                   const std::vector<std::uint32_t>& name_offsets, std::vector<std::byte>& scratch) {
  if (strndx == 0 || strndx >= f.sections.size()) return;
  const elf_section& strtab = f.sections[strndx];
  if (strtab.size > max_section_name_table)
    throw parse_error(base + strtab.offset, fmt::format("ELF section name table of {} bytes is implausibly large",
                                                        strtab.size));
  const auto names = src.view(base + strtab.offset, strtab.size, scratch, "section name table");
  for (std::size_t i = 0; i < f.sections.size(); ++i) {
    if (name_offsets[i] >= names.size()) {
      // A name outside the table: keep going with a placeholder; the section is still usable.
      f.sections[i].name = fmt::format("<section {}>", i);
      continue;
    }
    const auto* p = reinterpret_cast<const char*>(names.data()) + name_offsets[i];
    const std::size_t left = names.size() - name_offsets[i];
    f.sections[i].name.assign(p, strnlen(p, left));
  }
}

}  // namespace

std::optional<elf_file> elf_file::try_open(const byte_source& src, std::uint64_t base, std::uint64_t size) {
  // All reads go through src.reader() on small blocks: header, program header
  // table, section header table, section name table.
  std::vector<std::byte> scratch;
  auto f = read_ident(src, base, size, scratch);
  if (!f) return std::nullopt;
  const raw_header h = read_header(src, base, size, *f, scratch);
  check_segments(src, base, size, *f, h, scratch);
  if (h.shoff == 0) return f;  // no section table (allowed: stripped / section-less files)
  const table_extent t = section_table_extent(src, base, size, *f, h, scratch);
  if (t.count == 0) return f;
  const auto name_offsets = read_sections(src, base, size, *f, h, t.count, scratch);
  name_sections(src, base, *f, t.strndx, name_offsets, scratch);
  return f;
}

const elf_section* elf_file::find(std::string_view name) const {
  for (const auto& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

int cubin_sm_from_flags(std::uint32_t e_flags, int abi_version) {
  if (abi_version >= 8) return static_cast<int>((e_flags >> 8) & 0xff);
  return static_cast<int>(e_flags & 0xff);
}

namespace {

// .nv.compat: records `u8 format, u8 attribute, ...` (fatbin-format.md 6.3).
// Returns the one-byte value of attribute `wanted`, if present.
std::optional<std::uint8_t> compat_attribute(const byte_reader& sec, std::uint8_t wanted) {
  std::uint64_t p = 0;
  while (sec.fits(p, 4)) {
    const auto format = sec.read<std::uint8_t>(p);
    const auto attr = sec.read<std::uint8_t>(p + 1);
    std::uint64_t len = 4;
    if (format == 4) {
      len = 4 + std::uint64_t{sec.read<std::uint16_t>(p + 2)};
    } else if (format < 1 || format > 3) {
      return std::nullopt;  // unknown record encoding: stop rather than guess
    }
    if (format == 2 && attr == wanted) return sec.read<std::uint8_t>(p + 2);
    p += len;
  }
  return std::nullopt;
}

}  // namespace

cubin_info describe_cubin(std::span<const std::byte> data) { return describe_cubin(memory_source(data), 0, data.size()); }

cubin_info describe_cubin(const byte_source& src, std::uint64_t base, std::uint64_t size) {
  auto elf = elf_file::try_open(src, base, size);
  if (!elf) throw parse_error(base, "cubin does not start with the ELF magic");
  if (elf->machine != em_cuda)
    throw parse_error(base + 18, fmt::format("ELF machine {} is not EM_CUDA (190)", elf->machine));
  cubin_info info;
  info.abi_version = elf->abi_version;
  info.relocatable = elf->type == et_rel;
  bool arch_specific = elf->abi_version >= 8 ? (elf->flags & 0x8) != 0 : (elf->flags & 0x800) != 0;
  std::vector<std::byte> scratch;
  for (const auto& s : elf->sections) {
    if (s.name.starts_with(".text.")) info.has_kernels = true;
    if (s.type == sht_cuda_compat || s.name == ".nv.compat") {
      // Records are 4 bytes or a few more; a real .nv.compat is tens of bytes.
      const std::uint64_t n = std::min<std::uint64_t>(s.size, 4096);
      const byte_reader sec = src.reader(base + s.offset, n, scratch, ".nv.compat", elf->little_endian);
      if (auto v = compat_attribute(sec, 0x09); v && *v == 1) arch_specific = true;
    }
  }
  const int sm = cubin_sm_from_flags(elf->flags, elf->abi_version);
  info.raw_sm = sm;
  info.arch = arch_from_sm(sm, arch_specific ? arch_variant::arch_specific : arch_variant::plain);
  return info;
}

}  // namespace sm121probe::binscan
