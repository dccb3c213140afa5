#pragma once
// Seed inputs for the scanner fuzz target, generated from the reviewable
// builder in tests/binscan/builder.hpp: one small example of every format and
// of the structures the parser walks (compressed entries, archives, cubins with
// .nv.compat, relocatable copies, lookalike magics). make_seeds writes them to
// the corpus directory; the binscan tests replay them in-process.

#include "binscan/builder.hpp"

#include <string>
#include <utility>
#include <vector>

namespace sm121probe::testing::fuzz {

namespace b = blob;

inline std::vector<std::pair<std::string, b::bytes>> seeds() {
  std::vector<std::pair<std::string, b::bytes>> out;
  auto zptx = b::ptx(120, 9, 0, b::flag::family);
  zptx.compress = b::pack::zstd;
  auto lcubin = b::sass(90);
  lcubin.compress = b::pack::lz4;
  auto stub = b::sass(75);
  stub.payload = b::make_cubin(75, false);
  auto lto = b::sass(100, b::flag::arch_specific);
  lto.kind = 8;

  out.emplace_back("container.fatbin", b::make_container({b::sass(121), zptx}));
  out.emplace_back("empty.fatbin", b::make_container({}));
  out.emplace_back("lz4.fatbin", b::make_container({lcubin, b::ptx(90, 8, 8)}));
  out.emplace_back("stub.fatbin", b::make_container({stub}));
  out.emplace_back("lto.fatbin", b::make_container({lto}));

  b::bytes section = b::make_container({b::sass(120, b::flag::arch_specific)});
  b::append(section, b::bytes(16, std::byte{0}));
  b::append(section, b::make_container({zptx}));
  out.emplace_back("host.so", b::host_with_fatbin(section));

  b::elf_spec rdc;
  rdc.type = 2;
  rdc.with_load_segment = true;
  rdc.sections.push_back({".text", 1, 6, b::make_container({}, 0, 0, 16), 16});
  rdc.sections.push_back({".nv_fatbin", 1, 2, b::make_container({b::sass(90)}), 8});
  rdc.sections.push_back({"__nv_relfatbin", 1, 2, b::make_container({b::sass(90), b::ptx(90, 9, 0)}), 8});
  out.emplace_back("rdc_exe", b::make_elf(rdc));

  b::elf_spec obj;
  obj.type = 1;
  obj.sections.push_back({".nv_fatbin", 1, 2, b::make_container({b::sass(121, b::flag::arch_specific)}), 8});
  out.emplace_back("lib.a", b::make_archive({{"odd.o", b::bytes(5, std::byte{1})},
                                             {"a_long_member_name.o", b::make_elf(obj)}}));

  out.emplace_back("sm121a.cubin", b::make_cubin(121, true, true));
  out.emplace_back("sm90_v1.cubin", b::make_cubin_v1(90));
  out.emplace_back("k.ptx", b::text(".version 9.0\n.target sm_121a\n.address_size 64\n.visible .entry k()\n{\nret;\n}\n"));
  return out;
}

}  // namespace sm121probe::testing::fuzz
