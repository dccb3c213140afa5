#pragma once
// Test helper: builds small, exact binary inputs for the scanner in code, so
// fixtures are reviewable source instead of opaque blobs: fatbin containers and
// entries, ELF64 files with chosen sections, cubins, and `ar` archives.
// Layouts follow ../shared/docs/fatbin-format.md; nothing here is validated, so
// tests can also build broken inputs on purpose.

#include <lz4.h>
#include <zstd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace sm121probe::testing::blob {

using bytes = std::vector<std::byte>;

inline void put_bytes(bytes& out, std::size_t at, const void* src, std::size_t n) {
  if (out.size() < at + n) out.resize(at + n);
  std::memcpy(out.data() + at, src, n);
}
template <typename T>
  requires std::is_arithmetic_v<T>
void put(bytes& out, std::size_t at, T v) {
  put_bytes(out, at, &v, sizeof v);  // little-endian hosts only (x86-64, aarch64)
}
template <typename T>
  requires std::is_arithmetic_v<T>
void append(bytes& out, T v) {
  put(out, out.size(), v);
}
inline void append(bytes& out, const bytes& more) { out.insert(out.end(), more.begin(), more.end()); }
inline void append(bytes& out, std::string_view s) {
  for (char c : s) out.push_back(static_cast<std::byte>(c));
}
inline void pad_to(bytes& out, std::size_t align) {
  while (out.size() % align) out.push_back(std::byte{0});
}
inline bytes text(std::string_view s) {
  bytes b;
  append(b, s);
  return b;
}

// ---- fatbin ----------------------------------------------------------------------

namespace flag {
inline constexpr std::uint64_t base = 0x11;  // 64-bit + Linux host, set on every observed entry
inline constexpr std::uint64_t lz4 = 0x2000;
inline constexpr std::uint64_t zstd = 0x8000;
inline constexpr std::uint64_t arch_specific = 0x100000;
inline constexpr std::uint64_t family = 0x200000;
}  // namespace flag

enum class pack { none, lz4, zstd };

struct entry_spec {
  std::uint16_t kind = 2;  // 1 PTX, 2 cubin, 8 LTO-IR
  std::uint32_t arch = 121;
  std::uint64_t flags = flag::base;
  std::uint16_t version_major = 1;
  std::uint16_t version_minor = 8;
  std::uint32_t header_size = 64;
  bytes payload;             // uncompressed content
  pack compress = pack::none;
  // Overrides for building broken entries (applied after the honest values).
  std::optional<std::uint64_t> payload_size_override;
  std::optional<std::uint32_t> compressed_size_override;
  std::optional<std::uint64_t> uncompressed_size_override;
  std::optional<std::uint32_t> options_offset;
};


inline entry_spec ptx(std::uint32_t arch, int isa_major, int isa_minor, std::uint64_t variant_flags = 0) {
  entry_spec e;
  e.kind = 1;
  e.arch = arch;
  e.flags = flag::base | variant_flags;
  e.version_major = static_cast<std::uint16_t>(isa_major);
  e.version_minor = static_cast<std::uint16_t>(isa_minor);
  e.header_size = 80;
  e.payload = text(".version " + std::to_string(isa_major) + "." + std::to_string(isa_minor) + "\n.target sm_" +
                   std::to_string(arch) + "\n.address_size 64\n.visible .entry k()\n{\n ret;\n}\n");
  return e;
}

inline bytes compress(const bytes& in, pack how) {
  bytes out;
  if (how == pack::zstd) {
    out.resize(ZSTD_compressBound(in.size()));
    const std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 3);
    if (ZSTD_isError(n)) throw std::runtime_error("zstd compression failed");
    out.resize(n);
  } else if (how == pack::lz4) {
    out.resize(static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(in.size()))));
    const int n = LZ4_compress_default(reinterpret_cast<const char*>(in.data()), reinterpret_cast<char*>(out.data()),
                                       static_cast<int>(in.size()), static_cast<int>(out.size()));
    if (n <= 0) throw std::runtime_error("lz4 compression failed");
    out.resize(static_cast<std::size_t>(n));
  } else {
    out = in;
  }
  return out;
}

inline bytes make_entry(const entry_spec& s) {
  bytes stored = compress(s.payload, s.compress);
  const std::uint32_t compressed = s.compress == pack::none ? 0u : static_cast<std::uint32_t>(stored.size());
  const std::uint64_t uncompressed = s.compress == pack::none ? 0u : s.payload.size();
  pad_to(stored, 8);
  std::uint64_t flags = s.flags;
  if (s.compress == pack::lz4) flags |= flag::lz4;
  if (s.compress == pack::zstd) flags |= flag::zstd;
  bytes h(s.header_size, std::byte{0});
  put<std::uint16_t>(h, 0x00, s.kind);
  put<std::uint16_t>(h, 0x02, 0x0101);
  put<std::uint32_t>(h, 0x04, s.header_size);
  put<std::uint64_t>(h, 0x08, s.payload_size_override.value_or(stored.size()));
  put<std::uint32_t>(h, 0x10, s.compressed_size_override.value_or(compressed));
  put<std::uint32_t>(h, 0x14, s.options_offset.value_or(s.header_size >= 72 ? 64u : 0u));
  put<std::uint16_t>(h, 0x18, s.version_minor);
  put<std::uint16_t>(h, 0x1A, s.version_major);
  put<std::uint32_t>(h, 0x1C, s.arch);
  put<std::uint64_t>(h, 0x28, flags);
  put<std::uint64_t>(h, 0x38, s.uncompressed_size_override.value_or(uncompressed));
  h.resize(s.header_size);
  append(h, stored);
  return h;
}

/// A container with these entries; `fat_size_override` builds broken headers.
inline bytes make_container(const std::vector<entry_spec>& entries,
                            std::optional<std::uint64_t> fat_size_override = std::nullopt,
                            std::uint16_t version = 1, std::uint16_t header_size = 16) {
  bytes body;
  for (const auto& e : entries) append(body, make_entry(e));
  bytes c;
  append<std::uint32_t>(c, 0xBA55ED50);
  append<std::uint16_t>(c, version);
  append<std::uint16_t>(c, header_size);
  append<std::uint64_t>(c, fat_size_override.value_or(body.size()));
  append(c, body);
  return c;
}

// ---- ELF64 -----------------------------------------------------------------------

struct section_spec {
  std::string name;
  std::uint32_t type = 1;  // SHT_PROGBITS
  std::uint64_t flags = 2;  // SHF_ALLOC
  bytes data;
  std::uint64_t align = 8;
};

struct elf_spec {
  std::uint16_t type = 3;       // ET_DYN
  std::uint16_t machine = 62;   // EM_X86_64
  std::uint32_t flags = 0;
  std::uint8_t os_abi = 0;
  std::uint8_t abi_version = 0;
  std::vector<section_spec> sections;
  bool with_section_table = true;
  bool with_load_segment = false;  // one PT_LOAD covering the whole file
};

/// An ELF64 little-endian file: header, section data, .shstrtab, section table at the end.
inline bytes make_elf(const elf_spec& s) {
  bytes f(64, std::byte{0});
  const unsigned char ident[16] = {0x7f, 'E', 'L', 'F', 2, 1, 1, s.os_abi, s.abi_version};
  put_bytes(f, 0, ident, 16);
  put<std::uint16_t>(f, 16, s.type);
  put<std::uint16_t>(f, 18, s.machine);
  put<std::uint32_t>(f, 20, 1);
  put<std::uint32_t>(f, 48, s.flags);
  put<std::uint16_t>(f, 52, 64);
  if (s.with_load_segment) {
    put<std::uint64_t>(f, 32, 64);  // e_phoff
    put<std::uint16_t>(f, 54, 56);
    put<std::uint16_t>(f, 56, 1);
    f.resize(64 + 56);
  }
  // Section data.
  std::vector<std::uint64_t> offsets;
  bytes names(1, std::byte{0});
  std::vector<std::uint32_t> name_offsets;
  for (const auto& sec : s.sections) {
    pad_to(f, sec.align ? sec.align : 1);
    offsets.push_back(f.size());
    append(f, sec.data);
    name_offsets.push_back(static_cast<std::uint32_t>(names.size()));
    append(names, sec.name);
    names.push_back(std::byte{0});
  }
  const std::uint32_t shstr_name = static_cast<std::uint32_t>(names.size());
  append(names, std::string_view(".shstrtab"));
  names.push_back(std::byte{0});
  const std::uint64_t shstr_off = f.size();
  append(f, names);
  pad_to(f, 8);
  if (s.with_section_table) {
    const std::uint64_t shoff = f.size();
    const std::size_t count = s.sections.size() + 2;  // null + sections + .shstrtab
    f.resize(f.size() + count * 64, std::byte{0});
    for (std::size_t i = 0; i < s.sections.size(); ++i) {
      const std::size_t h = shoff + (i + 1) * 64;
      put<std::uint32_t>(f, h + 0, name_offsets[i]);
      put<std::uint32_t>(f, h + 4, s.sections[i].type);
      put<std::uint64_t>(f, h + 8, s.sections[i].flags);
      put<std::uint64_t>(f, h + 24, offsets[i]);
      put<std::uint64_t>(f, h + 32, s.sections[i].data.size());
      put<std::uint64_t>(f, h + 48, s.sections[i].align);
    }
    const std::size_t h = shoff + (count - 1) * 64;
    put<std::uint32_t>(f, h + 0, shstr_name);
    put<std::uint32_t>(f, h + 4, 3);  // SHT_STRTAB
    put<std::uint64_t>(f, h + 24, shstr_off);
    put<std::uint64_t>(f, h + 32, names.size());
    put<std::uint64_t>(f, 40, shoff);
    put<std::uint16_t>(f, 58, 64);
    put<std::uint16_t>(f, 60, static_cast<std::uint16_t>(count));
    put<std::uint16_t>(f, 62, static_cast<std::uint16_t>(count - 1));
  }
  if (s.with_load_segment) {
    put<std::uint32_t>(f, 64, 1);  // PT_LOAD
    put<std::uint64_t>(f, 64 + 8, 0);
    put<std::uint64_t>(f, 64 + 32, f.size());
    put<std::uint64_t>(f, 64 + 40, f.size());
  }
  return f;
}

/// A host shared object whose `.nv_fatbin` holds these containers back to back.
inline bytes host_with_fatbin(const bytes& containers, std::string section = ".nv_fatbin",
                              std::uint16_t type = 3) {
  elf_spec s;
  s.type = type;
  s.sections.push_back({".text", 1, 6, bytes(64, std::byte{0x90}), 16});
  s.sections.push_back({section, 1, 2, containers, 8});
  return make_elf(s);
}

/// A CUDA 13 style cubin (EI_ABIVERSION 8, SM in e_flags bits 8-15) for `sm`,
/// with a kernel section when `kernels`, and `.nv.compat` attribute 0x09 = 1 when `arch_specific`.
inline bytes make_cubin(int sm, bool kernels = true, bool arch_specific = false, std::uint16_t type = 2) {
  elf_spec s;
  s.type = type;
  s.machine = 190;
  s.os_abi = 0x41;
  s.abi_version = 8;
  s.flags = 0x06000002u | (static_cast<std::uint32_t>(sm) << 8);
  if (kernels) s.sections.push_back({".text.k", 1, 6, bytes(16, std::byte{0}), 128});
  bytes compat;
  const int a = arch_specific ? 1 : 0;
  for (int b : {0x02, 0x09, a, 0x00, 0x02, 0x02, 0x01, 0x00, 0x04, 0x0b, 0x04, 0x00, 0x01, 0x02, 0x03, 0x04})
    compat.push_back(static_cast<std::byte>(b));
  s.sections.push_back({".nv.compat", 0x70000086, 0, compat, 4});
  return make_elf(s);
}

/// A CUDA 12 style cubin (EI_ABIVERSION 7, SM in e_flags bits 0-7).
inline bytes make_cubin_v1(int sm, bool kernels = true) {
  elf_spec s;
  s.type = 2;
  s.machine = 190;
  s.os_abi = 0x33;
  s.abi_version = 7;
  s.flags = 0x00000500u | static_cast<std::uint32_t>(sm) | (static_cast<std::uint32_t>(sm) << 16);
  if (kernels) s.sections.push_back({".text.k", 1, 6, bytes(16, std::byte{0}), 128});
  return make_elf(s);
}

/// A cubin entry for `arch` whose payload is a real (tiny) cubin with a kernel.
inline entry_spec sass(std::uint32_t arch, std::uint64_t variant_flags = 0) {
  entry_spec e;
  e.kind = 2;
  e.arch = arch;
  e.flags = flag::base | variant_flags;
  e.payload = make_cubin(static_cast<int>(arch % 256), true, (variant_flags & flag::arch_specific) != 0);
  return e;
}

// ---- ar archives -----------------------------------------------------------------

struct member_spec {
  std::string name;
  bytes data;
};

/// A GNU-style archive (names longer than 15 characters go to the "//" table).
inline bytes make_archive(const std::vector<member_spec>& members) {
  bytes out;
  append(out, std::string_view("!<arch>\n"));
  std::string long_names;
  std::vector<std::string> header_names;
  for (const auto& m : members) {
    if (m.name.size() > 15) {
      std::string ref(1, '/');  // built piecewise: GCC 12 warns (-Wrestrict) about "/" + to_string(...)
      ref += std::to_string(long_names.size());
      header_names.push_back(ref);
      long_names += m.name + "/\n";
    } else {
      header_names.push_back(m.name + "/");
    }
  }
  const auto add = [&](const std::string& name, const bytes& data) {
    char h[61];
    std::snprintf(h, sizeof h, "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", name.c_str(), "0", "0", "0", "644", data.size());
    append(out, std::string_view(h, 60));
    append(out, data);
    if (out.size() % 2) out.push_back(std::byte{'\n'});
  };
  if (!long_names.empty()) add("//", text(long_names));
  for (std::size_t i = 0; i < members.size(); ++i) add(header_names[i], members[i].data);
  return out;
}

}  // namespace sm121probe::testing::blob
