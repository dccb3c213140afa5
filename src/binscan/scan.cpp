#include "sm121probe/binscan/scan.hpp"

#include "sm121probe/binscan/archive.hpp"
#include "sm121probe/binscan/elf.hpp"
#include "sm121probe/binscan/byte_source.hpp"
#include "sm121probe/binscan/ptx.hpp"
#include "sm121probe/binscan/trap.hpp"
#include "sm121probe/binscan/needed.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

namespace sm121probe::binscan {

std::string_view to_string(verdict v) {
  switch (v) {
    case verdict::native: return "native";
    case verdict::fallback: return "fallback";
    case verdict::failing: return "failing";
    case verdict::no_gpu_code: return "no-gpu-code";
    case verdict::error: return "error";
  }
  return "error";
}

int listing_rank(verdict v) {
  switch (v) {
    case verdict::failing: return 0;
    case verdict::error: return 1;
    case verdict::fallback: return 2;
    case verdict::native: return 3;
    case verdict::no_gpu_code: return 4;
  }
  return 5;
}

std::string_view to_string(module_class c) {
  switch (c) {
    case module_class::native: return "native";
    case module_class::jit: return "jit";
    case module_class::other: return "other";
    case module_class::empty: return "empty";
    case module_class::lto_only: return "lto_only";
    case module_class::link_input: return "link_input";
  }
  return "other";
}

std::string_view to_string(file_format f) {
  switch (f) {
    case file_format::elf: return "elf";
    case file_format::archive: return "archive";
    case file_format::cubin: return "cubin";
    case file_format::fatbin: return "fatbin";
    case file_format::ptx: return "ptx";
    case file_format::raw: return "raw";
    case file_format::unknown: return "unknown";
  }
  return "unknown";
}

void module_counts::add(module_class c) {
  switch (c) {
    case module_class::native: ++native; break;
    case module_class::jit: ++jit; break;
    case module_class::other: ++other; break;
    case module_class::empty: ++empty; break;
    case module_class::lto_only: ++lto_only; break;
    case module_class::link_input: ++link_input; break;
  }
}

module_counts& module_counts::operator+=(const module_counts& o) {
  native += o.native;
  jit += o.jit;
  other += o.other;
  empty += o.empty;
  lto_only += o.lto_only;
  link_input += o.link_input;
  return *this;
}

namespace {

bool ends_with_ci(std::string_view s, std::string_view suffix_) {
  if (s.size() < suffix_.size()) return false;
  s = s.substr(s.size() - suffix_.size());
  for (std::size_t i = 0; i < s.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != suffix_[i]) return false;
  return true;
}

std::uint32_t first_u32(std::span<const std::byte> data) { return byte_reader(data).read_or<std::uint32_t>(0, 0); }

/// Enough of the start of a file to recognise its format.
constexpr std::uint64_t head_size = 4096;
/// Bytes of a PTX file read at once for its header directives.
constexpr std::uint64_t ptx_head_size = std::uint64_t{1} << 20;

/// A labelled part of the file: an ELF section (possibly inside an archive member) or a member.
struct region {
  std::uint64_t begin = 0, end = 0;
  std::string label;
  bool executable = false;
  bool link_input = false;  ///< __nv_relfatbin of a linked executable / shared object
};

/// Where containers may be and what to call the places.
struct layout {
  std::vector<region> regions;  ///< sorted by begin
  const region* locate(std::uint64_t off) const {
    auto it = std::upper_bound(regions.begin(), regions.end(), off,
                               [](std::uint64_t o, const region& r) { return o < r.begin; });
    // Sections do not overlap in sane files; a short look-back covers the odd exception.
    for (int steps = 0; it != regions.begin() && steps < 16; ++steps) {
      --it;
      if (off < it->end) return &*it;
    }
    return nullptr;
  }
  /// The parts of [0, size) that are not executable code, where the magic is searched.
  std::vector<std::pair<std::uint64_t, std::uint64_t>> search_ranges(std::uint64_t size) const {
    std::vector<std::pair<std::uint64_t, std::uint64_t>> exec;
    for (const auto& r : regions)
      if (r.executable && r.end > r.begin) exec.emplace_back(r.begin, r.end);
    std::sort(exec.begin(), exec.end());
    std::vector<std::pair<std::uint64_t, std::uint64_t>> out;
    std::uint64_t pos = 0;
    for (const auto& [b, e] : exec) {
      if (b > pos) out.emplace_back(pos, b);
      pos = std::max(pos, e);
    }
    if (pos < size) out.emplace_back(pos, size);
    return out;
  }
};

void add_elf_sections(layout& lay, const elf_file& elf, std::uint64_t base, const std::string& prefix,
                      bool linked) {
  for (const auto& s : elf.sections) {
    if (s.size == 0) continue;
    region r;
    r.begin = base + s.offset;
    r.end = r.begin + s.size;
    r.label = prefix + s.name;
    r.executable = s.executable();
    r.link_input = linked && s.name == "__nv_relfatbin";
    lay.regions.push_back(std::move(r));
  }
}

std::string sorted_join(std::vector<const fatbin_entry*> entries) {
  // By architecture, then SASS before PTX before LTO-IR, so lists read the same every time.
  const auto kind_rank = [](entry_kind k) {
    return k == entry_kind::sass ? 0 : k == entry_kind::ptx ? 1 : k == entry_kind::lto_ir ? 2 : 3;
  };
  std::sort(entries.begin(), entries.end(), [&](const fatbin_entry* a, const fatbin_entry* b) {
    const auto ka = std::make_tuple(a->arch.value_or(gpu_arch{}), a->raw_arch, kind_rank(a->kind));
    const auto kb = std::make_tuple(b->arch.value_or(gpu_arch{}), b->raw_arch, kind_rank(b->kind));
    return ka < kb;
  });
  std::vector<std::string> names;
  for (const auto* e : entries) {
    auto n = e->name();
    if (e->raw_arch == static_cast<std::uint32_t>(renamed_thor_sm) && e->arch)
      n += fmt::format(" (CUDA 13 name: {}{}{})",
                       e->kind == entry_kind::ptx ? "compute_" : e->kind == entry_kind::lto_ir ? "lto_" : "sm_",
                       e->arch->sm(), suffix(e->arch->variant));
    if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(std::move(n));
  }
  return fmt::format("{}", fmt::join(names, ", "));
}

/// Scans one file's bytes; the state of one scan_bytes call.
class file_scanner {
 public:
  file_scanner(const byte_source& src, std::string_view name, const scan_target& target)
      : m_src(src), m_name(name), m_target(target), m_device(target.device.base()) {
    m_result.path = std::string(name);
    m_result.size_bytes = src.size();
  }

  file_result run() {
    try {
      detect_and_collect();
      classify();
      decide();
      if (m_target.trap && m_result.result == verdict::native) census_trap_only();
      if (m_target.libraries && m_elf && m_result.result != verdict::no_gpu_code) check_needed_libraries();
    } catch (const parse_error& e) {
      m_result.result = verdict::error;
      m_result.reason = e.what();
    }
    fill_image_lists();
    for (const auto& c : m_result.containers) m_result.counts.add(c.cls);
    return std::move(m_result);
  }

 private:
  // ---- format detection and container discovery --------------------------------
  void detect_and_collect() {
    if (m_src.size() == 0) throw parse_error(0, "empty file");
    std::vector<std::byte> head_scratch;
    const auto head = m_src.view(0, std::min(m_src.size(), head_size), head_scratch);
    if (has_elf_magic(head)) {
      auto elf = elf_file::try_open(m_src, 0, m_src.size());
      if (elf->machine == em_cuda) return collect_cubin();
      m_elf = elf;
      m_result.format = file_format::elf;
      layout lay;
      add_elf_sections(lay, *elf, 0, "", elf->type == et_exec || elf->type == et_dyn);
      std::sort(lay.regions.begin(), lay.regions.end(), [](const region& a, const region& b) { return a.begin < b.begin; });
      return search(lay);
    }
    if (has_archive_magic(head)) {
      m_result.format = file_format::archive;
      return collect_archive();
    }
    const auto magic = first_u32(head);
    if (magic == fatbin_magic) {
      m_result.format = file_format::fatbin;
      if (head.size() < container_header_size)  // not "version 1, header size 16; expected 1 and 16"
        throw parse_error(0, fmt::format("fatbin header at offset 0 is truncated ({} of {} bytes)", head.size(),
                                         container_header_size));
      if (!is_container_header(head, 0)) {
        const byte_reader r(head);
        throw parse_error(0, fmt::format("fatbin header at offset 0 is not supported (version {}, header size {}; "
                                         "expected 1 and 16)",
                                         r.read_or<std::uint16_t>(4, 0), r.read_or<std::uint16_t>(6, 0)));
      }
      return search(layout{}, non_elf_search_window);
    }
    if (magic == legacy_fatbin_magic) {
      m_result.format = file_format::fatbin;
      throw parse_error(0, "legacy fat-binary format (magic 0x1ee55a01) is not supported");
    }
    const std::string_view head_text(reinterpret_cast<const char*>(head.data()), head.size());
    if (ends_with_ci(m_name, ".ptx") || looks_like_ptx(head_text)) {
      m_result.format = file_format::ptx;
      return collect_ptx();
    }
    // Anything else: a raw dump may still hold containers (e.g. an extracted section).
    m_result.format = file_format::raw;
    search(layout{}, non_elf_search_window);
    if (m_result.containers.empty()) {
      m_result.format = file_format::unknown;
      throw parse_error(0, m_unsearched == 0
                               ? std::string("not an ELF file, static archive, cubin, fatbin or PTX text")
                               : fmt::format("not an ELF file, static archive, cubin, fatbin or PTX text (no fatbin "
                                             "container in its first {} MiB; the rest was not searched)",
                                             non_elf_search_window >> 20));
    }
  }

  void collect_archive() {
    const auto members = try_list_archive(m_src);
    layout lay;
    for (const auto& m : *members) {
      if (m.special) continue;
      std::optional<elf_file> elf;
      try {
        elf = elf_file::try_open(m_src, m.offset, m.size);
      } catch (const parse_error& e) {
        throw parse_error(e.offset, fmt::format("archive member {}: {}", m.name, e.what()));
      }
      if (elf) {
        add_elf_sections(lay, *elf, m.offset, m.name + ":", false);
      } else {
        lay.regions.push_back(region{m.offset, m.offset + m.size, m.name, false, false});
      }
    }
    std::sort(lay.regions.begin(), lay.regions.end(), [](const region& a, const region& b) { return a.begin < b.begin; });
    search(lay);
  }

  /// Finds and parses the containers in the non-executable parts of the file.
  /// `give_up_after` bounds the search of files that are not ELF or archives:
  /// it stops that many bytes after the end of the last container found (or
  /// after the start), so a huge tail or sparse file is not read in full.
  void search(const layout& lay, std::uint64_t give_up_after = UINT64_MAX) {
    std::vector<std::byte> scratch;
    std::uint64_t anchor = 0;  // end of the last container: the bounded search counts from here
    for (const auto& [begin, end] : lay.search_ranges(m_src.size())) {
      std::uint64_t pos = begin;
      bool after_container = false;
      while (pos < end) {
        std::uint64_t stop = end;
        if (give_up_after != UINT64_MAX) stop = std::min(end, std::max(anchor, begin) + give_up_after);
        std::optional<std::uint64_t> hit;
        // Containers usually follow each other directly or after a little zero
        // padding; peek at the next bytes so packed container sections are walked
        // without searching their payloads.
        if (after_container) hit = next_in_chain(pos, end, scratch);
        if (!hit) hit = find_container_header(m_src, pos, stop, scratch);
        if (!hit) {
          if (stop < end) m_unsearched += end - stop;
          break;
        }
        const region* where = lay.locate(*hit);
        const std::uint64_t limit = where ? where->end : m_src.size();
        container_record rec;
        try {
          rec.container = parse_container(m_src, *hit, limit);
        } catch (const parse_error& e) {
          if (where && !where->label.empty())
            throw parse_error(e.offset, fmt::format("{} (in {})", e.what(), where->label));
          throw;
        }
        if (where) rec.section = where->label;
        rec.cls = where && where->link_input ? module_class::link_input : module_class::other;
        pos = rec.container.end();
        anchor = pos;
        after_container = true;
        m_result.containers.push_back(std::move(rec));
      }
    }
  }

  /// The start of a container that follows `pos` after nothing but zero bytes
  /// (at most 56), or nullopt. Reads through the source, not the mapping.
  std::optional<std::uint64_t> next_in_chain(std::uint64_t pos, std::uint64_t end,
                                             std::vector<std::byte>& scratch) const {
    const std::uint64_t n = std::min<std::uint64_t>(64 + container_header_size, end - pos);
    if (n < container_header_size) return std::nullopt;
    const auto peek = m_src.view(pos, n, scratch);
    std::uint64_t skip = 0;
    while (skip + container_header_size <= n && peek[skip] == std::byte{0}) ++skip;
    if (skip + container_header_size > n || !is_container_header(peek, skip)) return std::nullopt;
    return pos + skip;
  }

  void collect_cubin() {
    m_result.format = file_format::cubin;
    const cubin_info info = describe_cubin(m_src, 0, m_src.size());
    fatbin_entry e;
    e.kind = entry_kind::sass;
    e.raw_kind = 2;
    e.raw_arch = static_cast<std::uint32_t>(info.raw_sm);
    e.arch = info.arch;
    e.payload_size = m_src.size();
    add_synthetic(e, info.has_kernels);
  }

  void collect_ptx() {
    // The header directives come first: read a bounded head, then search the
    // rest for `.entry` in chunks.
    std::vector<std::byte> scratch;
    const auto bytes = m_src.view(0, std::min(m_src.size(), ptx_head_size), scratch);
    std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const auto nul = text.find('\0');
    if (nul != std::string_view::npos) text = text.substr(0, nul);
    auto header = parse_ptx_header(text);
    if (!header) throw parse_error(0, "PTX text without a valid .version and .target directive");
    fatbin_entry e;
    e.kind = entry_kind::ptx;
    e.raw_kind = 1;
    e.arch = header->target;
    e.raw_arch = static_cast<std::uint32_t>(header->raw_sm);  // what the file says (sm_101 stays 101)
    e.isa = header->isa;
    e.payload_size = m_src.size();
    if (nul == std::string_view::npos && bytes.size() < m_src.size())
      header->has_entry = header->has_entry || ptx_has_entry(m_src, 0, m_src.size());
    add_synthetic(e, header->has_entry);
  }

  // A bare cubin or PTX file is treated as a container with one image.
  void add_synthetic(const fatbin_entry& e, bool has_code) {
    container_record rec;
    rec.container.size = m_src.size();
    rec.container.entries.push_back(e);
    m_result.containers.push_back(std::move(rec));
    m_synthetic_has_code = has_code;
  }

  // ---- classification -------------------------------------------------------------
  [[nodiscard]] bool sass_ok(const fatbin_entry& e) const {
    return e.kind == entry_kind::sass && e.arch && sass_runs_on(*e.arch, m_device).ok;
  }
  [[nodiscard]] bool ptx_ok(const fatbin_entry& e) const {
    return e.kind == entry_kind::ptx && e.arch && e.isa && ptx_jits_on(*e.arch, m_device).ok &&
           ptx_isa_accepted(*e.isa, m_target.driver).ok;
  }

  [[nodiscard]] module_class classify_one(const fatbin_container& c) const {
    if (c.entries.empty()) return module_class::empty;
    if (std::any_of(c.entries.begin(), c.entries.end(), [this](const auto& e) { return sass_ok(e); }))
      return module_class::native;
    if (std::any_of(c.entries.begin(), c.entries.end(), [this](const auto& e) { return ptx_ok(e); }))
      return module_class::jit;
    if (std::all_of(c.entries.begin(), c.entries.end(), [](const auto& e) { return e.kind == entry_kind::lto_ir; }))
      return module_class::lto_only;
    return module_class::other;
  }

  void classify() {
    for (auto& rec : m_result.containers)
      if (rec.cls != module_class::link_input) rec.cls = classify_one(rec.container);
  }

  /// Does this image hold a kernel? Looks inside the payload (decompressing it);
  /// only called when a file would otherwise be fallback or failing.
  [[nodiscard]] bool has_code(const fatbin_entry& e) {
    if (m_synthetic_has_code) return *m_synthetic_has_code;
    if (e.kind != entry_kind::sass && e.kind != entry_kind::ptx) return true;  // cannot tell: assume code
    if (e.comp != compression::none && e.uncompressed_size > max_inspected_size) {
      // Decompressing would need more memory than the cap allows: assume code.
      ++m_uninspected;
      return true;
    }
    // Uncompressed images are read in place (only the cubin's headers, or the
    // PTX text in bounded chunks); compressed ones are decompressed in memory.
    std::vector<std::byte> decompressed;
    if (e.comp != compression::none) decompressed = entry_payload(m_src, e);
    const memory_source unpacked(decompressed);
    const byte_source& src = e.comp == compression::none ? m_src : unpacked;
    const std::uint64_t base = e.comp == compression::none ? e.payload_offset() : 0;
    const std::uint64_t size = e.comp == compression::none ? e.payload_size : decompressed.size();
    if (e.kind == entry_kind::ptx) return ptx_has_entry(src, base, size);
    try {
      return describe_cubin(src, base, size).has_kernels;
    } catch (const parse_error& err) {
      throw parse_error(e.offset, fmt::format("cubin in entry at 0x{:x} is corrupt: {}", e.offset, err.what()));
    }
  }

  /// True when no image of the container holds a kernel (only images of `kinds` looked at).
  [[nodiscard]] bool is_stub(const fatbin_container& c) {
    return std::none_of(c.entries.begin(), c.entries.end(), [this](const auto& e) { return has_code(e); });
  }

  [[nodiscard]] std::size_t count(module_class cls) const {
    return static_cast<std::size_t>(std::count_if(m_result.containers.begin(), m_result.containers.end(),
                                                  [cls](const auto& r) { return r.cls == cls; }));
  }

  /// Small enough to be a kernel-less stub worth looking into while counting.
  [[nodiscard]] static bool small_image(const fatbin_entry& e) {
    return (e.comp == compression::none ? e.payload_size : e.uncompressed_size) <= max_counted_stub_size;
  }

  /// Marks the JIT-only and other modules that hold no kernel as stubs, so the
  /// module counts say how many modules with kernels load which way. Only small
  /// images are looked into (stubs are a few KiB; a larger image is taken to
  /// hold code), and an image that cannot be read leaves its module as it was:
  /// this pass only counts, the verdict below checks what it needs in full.
  void mark_counted_stubs() {
    for (auto& rec : m_result.containers) {
      if (rec.cls != module_class::jit && rec.cls != module_class::other) continue;
      const auto& entries = rec.container.entries;
      const bool jit = rec.cls == module_class::jit;
      // A JIT module is judged by the PTX the driver would compile; another by all its images.
      const auto looked_at = [&](const fatbin_entry& e) { return !jit || ptx_ok(e); };
      if (!std::all_of(entries.begin(), entries.end(),
                       [&](const fatbin_entry& e) { return !looked_at(e) || small_image(e); }))
        continue;
      try {
        if (std::none_of(entries.begin(), entries.end(),
                         [&](const fatbin_entry& e) { return looked_at(e) && has_code(e); }))
          mark_stub(rec);
      } catch (const parse_error&) {
        // Unreadable image: counted as it was classified.
      }
    }
  }

  void decide() {
    mark_counted_stubs();
    if (count(module_class::native) > 0) return set_native();
    if (count(module_class::jit) > 0) {
      // A PTX-only module can be a stub too (host-only translation units get an
      // entry-less PTX); stop at the first one with a kernel.
      for (auto& rec : m_result.containers) {
        if (rec.cls != module_class::jit) continue;
        for (const auto& e : rec.container.entries)
          if (ptx_ok(e) && has_code(e)) return set_fallback();
      }
      for (auto& rec : m_result.containers)
        if (rec.cls == module_class::jit) mark_stub(rec);
    }
    if (const auto plan = jit_link_plan()) return set_jit_linked(*plan);
    for (auto& rec : m_result.containers)
      if (rec.cls == module_class::other && is_stub(rec.container)) mark_stub(rec);
    if (count(module_class::other) > 0 || count(module_class::lto_only) > 0 || has_link_code()) return set_failing();
    set_no_gpu_code();
  }

  /// JIT linking (NVCC guide, "JIT Linking Support"): the relocatable objects
  /// of an `-rdc` link in __nv_relfatbin are handed to the runtime at
  /// registration (prelinked fatbins); when no linked cubin matches, the driver
  /// JIT-compiles each object's PTX (or takes its relocatable SASS for the
  /// device) and links them. Possible when every object has one of the two and
  /// the PTX compiled holds a kernel; returns that PTX (empty when only
  /// relocatable SASS is linked), or nullopt when JIT linking cannot work.
  [[nodiscard]] std::optional<std::vector<const fatbin_entry*>> jit_link_plan() {
    std::vector<const fatbin_entry*> compiled;
    bool objects = false;
    for (const auto& rec : m_result.containers) {
      if (rec.cls != module_class::link_input || rec.container.entries.empty()) continue;
      objects = true;
      const auto& entries = rec.container.entries;
      if (std::any_of(entries.begin(), entries.end(), [this](const auto& e) { return sass_ok(e); })) continue;
      const fatbin_entry* best = nullptr;
      for (const auto& e : entries)
        if (ptx_ok(e) && (!best || *best->arch < *e.arch)) best = &e;
      if (!best) return std::nullopt;  // an object the device can neither load nor JIT-compile
      compiled.push_back(best);
    }
    if (!objects) return std::nullopt;
    if (!compiled.empty() && std::none_of(compiled.begin(), compiled.end(), [this](const auto* e) { return has_code(*e); }))
      return std::nullopt;  // nothing but kernel-less stubs to compile
    return compiled;
  }

  /// Some relocatable object in __nv_relfatbin holds a kernel (so a failed JIT link matters).
  [[nodiscard]] bool has_link_code() {
    for (const auto& rec : m_result.containers)
      if (rec.cls == module_class::link_input && !rec.container.entries.empty() && !is_stub(rec.container)) return true;
    return false;
  }

  void set_jit_linked(const std::vector<const fatbin_entry*>& compiled) {
    m_result.result = verdict::fallback;
    const auto sass = images(entry_kind::sass, {module_class::other});
    const std::string no_sass = sass.empty() ? fmt::format("no SASS for {}", device_name())
                                             : fmt::format("no SASS for {} (SASS for {} only)", device_name(),
                                                           sorted_join(sass));
    const std::string what =
        compiled.empty() ? std::string("its relocatable SASS")
                         : fmt::format("the relocatable PTX {} (ISA {})", sorted_join(compiled),
                                       to_string(*(*std::max_element(compiled.begin(), compiled.end(),
                                                                     [](const auto* a, const auto* b) {
                                                                       return *a->isa < *b->isa;
                                                                     }))->isa));
    m_result.reason = fmt::format("{}; the driver JIT-links {} of __nv_relfatbin at first use (JIT linking)", no_sass,
                                  what);
  }

  /// CUDA libraries of DT_NEEDED that the dynamic loader would not find.
  void check_needed_libraries() {
    std::optional<dynamic_info> dyn;
    try {
      dyn = read_dynamic(m_src, *m_elf);
    } catch (const parse_error&) {
      return;  // the verdict does not depend on this check
    }
    if (!dyn) return;
    const std::string file(m_name);
    for (const auto& soname : dyn->needed) {
      if (!is_cuda_library(soname) || m_target.libraries->find(soname, file, *dyn)) continue;
      const auto others = m_target.libraries->other_versions(soname, file, *dyn);
      finding f{"missing-cuda-library",
                others.empty() ? fmt::format("needs {}, which the dynamic loader does not find; no version of it is "
                                             "installed",
                                             soname)
                               : fmt::format("needs {}, which the dynamic loader does not find; only {} {} installed",
                                             soname, fmt::join(others, ", "), others.size() == 1 ? "is" : "are")};
      m_result.warnings.push_back(f.message);
      m_result.findings.push_back(std::move(f));
    }
  }

  /// The SASS image of a native module the driver would load: the same compute
  /// capability if present, else the newest one that runs.
  [[nodiscard]] const fatbin_entry* loaded_image(const fatbin_container& c) const {
    const fatbin_entry* best = nullptr;
    const auto rank = [this](const fatbin_entry& e) { return std::make_pair(e.arch->same_cc(m_device), *e.arch); };
    for (const auto& e : c.entries)
      if (sass_ok(e) && (!best || rank(*best) < rank(e))) best = &e;
    return best;
  }

  /// Counts the trap-only kernels of the images the native modules would load.
  void census_trap_only() {
    kernel_census census;
    for (const auto& rec : m_result.containers) {
      if (rec.cls != module_class::native) continue;
      const fatbin_entry* e = loaded_image(rec.container);
      if (!e) continue;
      try {
        trap_census c;
        if (m_synthetic_has_code) {
          c = count_trap_only(m_src, 0, m_src.size(), *m_target.trap);  // a bare cubin
        } else if (e->comp == compression::none) {
          c = count_trap_only(m_src, e->payload_offset(), e->payload_size, *m_target.trap);
        } else if (e->uncompressed_size <= max_inspected_size) {
          const auto payload = entry_payload(m_src, *e);
          c = count_trap_only(memory_source(payload), 0, payload.size(), *m_target.trap);
        } else {
          ++census.images_skipped;
          continue;
        }
        census.kernels += c.kernels;
        census.trap_only += c.trap_only;
        for (auto& n : c.examples)
          if (census.examples.size() < 3) census.examples.push_back(std::move(n));
      } catch (const parse_error&) {
        ++census.images_skipped;  // the verdict does not depend on this check
      }
    }
    if (census.trap_only > 0) {
      finding f{"trap-only-kernels",
                fmt::format("{} of {} kernels in the images that load on {} only trap there (e.g. {}); they load "
                            "but cannot run",
                            census.trap_only, census.kernels, cc_string(m_device), fmt::join(census.examples, ", "))};
      m_result.warnings.push_back(f.message);
      m_result.findings.push_back(std::move(f));
    }
    m_result.kernels = std::move(census);
  }

  static void mark_stub(container_record& rec) {
    rec.cls = module_class::empty;
    rec.stub = true;
  }

  [[nodiscard]] std::string device_name() const { return sass_name(m_device); }

  std::vector<const fatbin_entry*> images(entry_kind kind, std::initializer_list<module_class> classes) const {
    std::vector<const fatbin_entry*> out;
    for (const auto& rec : m_result.containers) {
      if (std::find(classes.begin(), classes.end(), rec.cls) == classes.end() || rec.stub) continue;
      for (const auto& e : rec.container.entries)
        if (e.kind == kind) out.push_back(&e);
    }
    return out;
  }

  [[nodiscard]] std::string partial_note() const {
    const std::size_t loadable = m_result.containers.size() - count(module_class::link_input);
    if (loadable <= 1) return {};
    // Worth saying only for a partial port: some modules carry nothing for the
    // device, or some load natively while others need the JIT.
    const std::size_t native = count(module_class::native), jit = count(module_class::jit),
                      other = count(module_class::other);
    if (other == 0 && (native == 0 || jit == 0)) return {};
    std::vector<std::string> parts;
    if (native) parts.push_back(fmt::format("{} load natively", native));
    if (jit) parts.push_back(fmt::format("{} only through PTX JIT", jit));
    if (other) parts.push_back(fmt::format("{} carry nothing for {}", other, device_name()));
    const std::size_t empty = count(module_class::empty);
    return fmt::format("; of {} modules{} {}", loadable,
                       empty ? fmt::format(" ({} without kernels)", empty) : std::string(), fmt::join(parts, ", "));
  }

  void set_native() {
    m_result.result = verdict::native;
    std::vector<const fatbin_entry*> ok;
    for (const auto* e : images(entry_kind::sass, {module_class::native}))
      if (sass_ok(*e)) ok.push_back(e);
    const std::string names = sorted_join(ok);
    const bool several = names.find(',') != std::string::npos;
    m_result.reason = fmt::format("{} SASS {} on {}{}", names, several ? "load" : "loads", cc_string(m_device),
                                  partial_note());
  }

  void set_fallback() {
    m_result.result = verdict::fallback;
    const fatbin_entry* best = nullptr;
    for (const auto* e : images(entry_kind::ptx, {module_class::jit}))
      if (ptx_ok(*e) && (!best || *best->arch < *e->arch)) best = e;
    const auto sass = images(entry_kind::sass, {module_class::jit, module_class::other});
    const std::string no_sass = sass.empty() ? fmt::format("no SASS for {}", device_name())
                                             : fmt::format("no SASS for {} (SASS for {} only)", device_name(),
                                                           sorted_join(sass));
    m_result.reason = fmt::format("{}; the driver JIT-compiles PTX {} (ISA {}) at first use{}", no_sass,
                                  best->name(), to_string(*best->isa), partial_note());
  }

  /// Why each of these PTX images cannot be used on the device (distinct reasons, in order).
  [[nodiscard]] std::vector<std::string> ptx_problems(const std::vector<const fatbin_entry*>& ptx) const {
    std::vector<std::string> reasons;
    for (const auto* e : ptx) {
      std::string why;
      if (!e->arch || !e->isa) {
        why = fmt::format("PTX {} has an unknown architecture", e->name());
      } else if (auto jit = ptx_jits_on(*e->arch, m_device); !jit.ok) {
        why = jit.reason;
      } else if (!ptx_isa_accepted(*e->isa, m_target.driver).ok) {
        const auto limit = max_ptx_isa_for(m_target.driver);
        why = limit ? fmt::format("PTX {} needs PTX ISA {} but the driver (CUDA {}) accepts {}", e->name(),
                                  to_string(*e->isa), to_string(m_target.driver),
                                  describe_ptx_limit(m_target.driver))
                    : fmt::format("PTX {} needs PTX ISA {}; driver CUDA {} is too old to tell", e->name(),
                                  to_string(*e->isa), to_string(m_target.driver));
      }
      if (!why.empty() && std::find(reasons.begin(), reasons.end(), why) == reasons.end())
        reasons.push_back(std::move(why));
    }
    return reasons;
  }

  void set_failing() {
    m_result.result = verdict::failing;
    std::vector<std::string> parts;
    const auto sass = images(entry_kind::sass, {module_class::other, module_class::lto_only});
    if (sass.empty()) {
      parts.push_back("no SASS");
    } else {
      // Why same-major images do not load is not obvious (a/f, minor too high): say it.
      std::vector<std::string> notes;
      for (const auto* e : sass) {
        if (!e->arch || e->arch->major != m_device.major) continue;
        auto why = sass_runs_on(*e->arch, m_device).reason;
        if (!why.empty() && std::find(notes.begin(), notes.end(), why) == notes.end()) notes.push_back(why);
      }
      parts.push_back(fmt::format("SASS for {} only{}", sorted_join(sass),
                                  notes.empty() ? "" : fmt::format(" ({})", fmt::join(notes, "; "))));
    }
    const auto ptx = images(entry_kind::ptx, {module_class::other, module_class::lto_only});
    if (ptx.empty()) {
      // PTX in __nv_relfatbin of a linked file is only used through JIT linking, which did not work out.
      const auto link_ptx = images(entry_kind::ptx, {module_class::link_input});
      if (link_ptx.empty()) {
        parts.push_back("no PTX to JIT-compile");
      } else {
        const auto why = ptx_problems(link_ptx);
        parts.push_back(fmt::format("the relocatable PTX {} of __nv_relfatbin cannot be JIT-linked ({})",
                                    sorted_join(link_ptx),
                                    why.empty() ? std::string("it holds no kernel") : fmt::format("{}", fmt::join(why, "; "))));
      }
    } else {
      const auto why = ptx_problems(ptx);
      parts.insert(parts.end(), why.begin(), why.end());
    }
    const auto lto = images(entry_kind::lto_ir, {module_class::other, module_class::lto_only});
    if (!lto.empty())
      parts.push_back(fmt::format("LTO-IR {} is not loadable by the driver (needs nvJitLink)", sorted_join(lto)));
    const auto unknown = images(entry_kind::unknown, {module_class::other, module_class::lto_only});
    if (!unknown.empty()) parts.push_back(fmt::format("images of unknown kind: {}", sorted_join(unknown)));
    m_result.reason = fmt::format("{}", fmt::join(parts, "; "));
  }

  void set_no_gpu_code() {
    m_result.result = verdict::no_gpu_code;
    std::vector<const fatbin_entry*> stub_images;
    for (const auto& rec : m_result.containers)
      if (rec.stub)
        for (const auto& e : rec.container.entries) stub_images.push_back(&e);
    if (!stub_images.empty()) {
      m_result.reason = fmt::format("only kernel-less stub images ({}); nothing to run", sorted_join(stub_images));
    } else if (count(module_class::link_input) > 0) {
      m_result.reason = "only kernel-less relocatable device code in __nv_relfatbin";
    } else if (!m_result.containers.empty()) {
      m_result.reason = "only empty fatbin containers";
    } else {
      m_result.reason = "no fatbin container";
    }
  }

  void fill_image_lists() {
    std::set<std::pair<gpu_arch, std::string>> sass, lto;
    std::set<std::tuple<gpu_arch, ptx_isa, std::string>> ptx;
    bool zstd_used = false;
    for (const auto& rec : m_result.containers) {
      if (rec.cls == module_class::link_input) continue;
      for (const auto& e : rec.container.entries) {
        const gpu_arch key = e.arch.value_or(gpu_arch{});
        if (e.kind == entry_kind::sass) sass.emplace(key, e.name());
        if (e.kind == entry_kind::lto_ir) lto.emplace(key, e.name());
        if (e.kind == entry_kind::ptx) ptx.emplace(key, e.isa.value_or(ptx_isa{}), e.name());
        if (e.comp == compression::zstd && (rec.cls == module_class::native || rec.cls == module_class::jit))
          zstd_used = true;
      }
    }
    for (const auto& [k, n] : sass) m_result.sass.push_back(n);
    for (const auto& [k, n] : lto) m_result.lto_ir.push_back(n);
    for (const auto& [k, isa, n] : ptx) m_result.ptx.push_back({n, to_string(isa)});
    if (m_unsearched > 0)
      m_result.warnings.push_back(fmt::format("the last {} bytes were not searched for containers (more than {} MiB "
                                              "past the last container of a file that is not ELF or an archive)",
                                              m_unsearched, non_elf_search_window >> 20));
    if (m_uninspected > 0)
      m_result.warnings.push_back(fmt::format("{} compressed image(s) larger than {} MiB were not decompressed to "
                                              "look for kernels; assumed to hold code",
                                              m_uninspected, max_inspected_size >> 20));
    if (zstd_used && m_target.driver < cuda_version{12, 4})
      m_result.warnings.push_back(fmt::format("images are zstd-compressed; a driver for CUDA {} cannot decompress them "
                                              "(zstd fatbins need CUDA 12.4 or newer)",
                                              to_string(m_target.driver)));
  }

  const byte_source& m_src;
  std::string_view m_name;
  scan_target m_target;
  gpu_arch m_device;
  file_result m_result;
  std::optional<bool> m_synthetic_has_code;
  std::optional<elf_file> m_elf;  ///< the headers of a host ELF file
  std::uint64_t m_unsearched = 0;   ///< bytes of a non-ELF file not searched (past non_elf_search_window)
  std::uint64_t m_uninspected = 0;  ///< compressed images over max_inspected_size assumed to hold code
};

}  // namespace

file_result scan_bytes(std::span<const std::byte> data, std::string_view name, const scan_target& target) {
  return scan_source(memory_source(data), name, target);
}

file_result scan_source(const byte_source& src, std::string_view name, const scan_target& target) {
  return file_scanner(src, name, target).run();
}

file_result scan_file(const std::string& path, const scan_target& target) {
  std::optional<file_source> file;
  try {
    file.emplace(path);
  } catch (const file_source::open_error& e) {
    file_result r;
    r.path = path;
    r.result = verdict::error;
    r.reason = e.what();
    return r;
  }
  return scan_source(*file, path, target);
}

bool worth_scanning(std::string_view file_name, std::span<const std::byte> head) {
  if (has_elf_magic(head) || has_archive_magic(head)) return true;
  const auto magic = first_u32(head);
  if (magic == fatbin_magic || magic == legacy_fatbin_magic) return true;
  return ends_with_ci(file_name, ".cubin") || ends_with_ci(file_name, ".fatbin") || ends_with_ci(file_name, ".ptx");
}

}  // namespace sm121probe::binscan
