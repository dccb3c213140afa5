#include "sm121probe/binscan/trap.hpp"

#include "sm121probe/binscan/elf.hpp"

#include <algorithm>
#include <set>
#include <utility>

namespace sm121probe::binscan {

namespace {

/// One 128-bit instruction's form: opcode (bits 0..11) and modifiers (bits 72..104).
using form = std::pair<unsigned, std::uint64_t>;

form form_of(const byte_reader& r, std::uint64_t at) {
  const auto lo = r.read<std::uint64_t>(at);
  const auto hi = r.read<std::uint64_t>(at + 8);
  return {static_cast<unsigned>(lo & 0xfffu), (hi >> 8) & ((std::uint64_t{1} << 33) - 1)};
}

/// Calls `visit(name, forms)` for every kernel (`.text.<name>`) of the cubin.
template <typename Visit>
void for_each_kernel(const byte_source& src, std::uint64_t base, std::uint64_t size, Visit visit) {
  const auto elf = elf_file::try_open(src, base, size);
  if (!elf || elf->machine != em_cuda) throw parse_error(base, "not a cubin");
  std::vector<std::byte> scratch;
  std::vector<form> forms;
  for (const auto& s : elf->sections) {
    if (!s.name.starts_with(".text.")) continue;
    forms.clear();
    const byte_reader r = src.reader(base + s.offset, s.size - s.size % 16, scratch, "kernel code");
    for (std::uint64_t at = 0; at + 16 <= r.size(); at += 16) forms.push_back(form_of(r, at));
    visit(s.name.substr(6), forms);
  }
}

std::set<form> forms_of(std::span<const std::byte> cubin) {
  std::set<form> out;
  for_each_kernel(memory_source(cubin), 0, cubin.size(),
                  [&](const std::string&, const std::vector<form>& f) { out.insert(f.begin(), f.end()); });
  return out;
}

}  // namespace

std::optional<trap_reference> derive_trap_reference(std::span<const std::byte> trap_cubin,
                                                    std::span<const std::byte> empty_cubin, std::string target) {
  std::set<form> trap, empty;
  try {
    trap = forms_of(trap_cubin);
    empty = forms_of(empty_cubin);
  } catch (const parse_error&) {
    return std::nullopt;
  }
  std::vector<form> only_trap, only_empty;
  std::set_difference(trap.begin(), trap.end(), empty.begin(), empty.end(), std::back_inserter(only_trap));
  std::set_difference(empty.begin(), empty.end(), trap.begin(), trap.end(), std::back_inserter(only_empty));
  if (only_trap.size() != 1 || only_empty.empty()) return std::nullopt;
  trap_reference ref;
  ref.target = std::move(target);
  ref.trap_opcode = only_trap.front().first;
  ref.trap_modifiers = only_trap.front().second;
  for (const auto& f : only_empty)
    if (std::find(ref.exit_opcodes.begin(), ref.exit_opcodes.end(), f.first) == ref.exit_opcodes.end())
      ref.exit_opcodes.push_back(f.first);
  return ref;
}

trap_census count_trap_only(const byte_source& src, std::uint64_t base, std::uint64_t size, const trap_reference& ref,
                            std::size_t max_examples) {
  trap_census out;
  for_each_kernel(src, base, size, [&](const std::string& name, const std::vector<form>& forms) {
    ++out.kernels;
    const bool traps = std::find(forms.begin(), forms.end(), form{ref.trap_opcode, ref.trap_modifiers}) != forms.end();
    const bool returns = std::any_of(forms.begin(), forms.end(), [&](const form& f) {
      return std::find(ref.exit_opcodes.begin(), ref.exit_opcodes.end(), f.first) != ref.exit_opcodes.end();
    });
    if (!traps || returns) return;
    ++out.trap_only;
    if (out.examples.size() < max_examples) out.examples.push_back(name);
  });
  return out;
}

}  // namespace sm121probe::binscan
