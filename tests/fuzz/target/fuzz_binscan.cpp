// libFuzzer target for the scanner's parsers: fatbin containers and entries,
// ELF headers and sections, ar archives, cubins, PTX text, and the verdict
// logic that may decompress payloads. Any input must give a result (possibly
// `error`), never a crash, hang, leak or undefined behaviour.
#include "sm121probe/binscan/archive.hpp"
#include "sm121probe/binscan/elf.hpp"
#include "sm121probe/binscan/fatbin.hpp"
#include "sm121probe/binscan/ptx.hpp"
#include "sm121probe/binscan/scan.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sm121probe;
  using namespace sm121probe::binscan;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);

  // The whole pipeline, for two devices (verdicts take different paths) and a
  // name that routes text to the PTX parser.
  for (const scan_target t : {scan_target{{12, 1}, {13, 0}}, scan_target{{9, 0}, {12, 2}}}) {
    const file_result r = scan_bytes(bytes, (size > 0 && data[0] == '.') ? "f.ptx" : "f.bin", t);
    if (r.reason.empty()) __builtin_trap();  // every result explains itself
  }

  // The building blocks on their own.
  try {
    (void)elf_file::try_open(bytes);
  } catch (const parse_error&) {
  }
  try {
    (void)describe_cubin(bytes);
  } catch (const parse_error&) {
  }
  try {
    (void)try_list_archive(bytes);
  } catch (const parse_error&) {
  }
  (void)parse_ptx_header(std::string_view(reinterpret_cast<const char*>(data), size));
  if (is_container_header(bytes, 0)) {
    try {
      const auto c = parse_container(bytes, 0);
      for (const auto& e : c.entries) (void)entry_payload(bytes, e);
    } catch (const parse_error&) {
    }
  }
  return 0;
}
