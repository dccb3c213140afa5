#pragma once
/// The `scan` model: which GPU code a file carries and whether it runs on a
/// target device with a given driver. Plain data plus the functions that fill
/// it; rendering lives in sm121probe/report/scan_render.hpp. Rules:
/// docs/compatibility.md.

#include "sm121probe/arch.hpp"
#include "sm121probe/binscan/fatbin.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace sm121probe::binscan {

/// Files that are not ELF or static archives (fatbin files, unknown formats) are
/// searched for containers only up to this many bytes past the last container
/// found (or past the start): a huge tail or sparse file is not read in full.
inline constexpr std::uint64_t non_elf_search_window = std::uint64_t{64} << 20;

/// Largest compressed image that is decompressed (into memory) to tell a
/// kernel-less stub from real code; larger ones are assumed to hold code. With
/// the scanner's 8 threads this caps decompression memory at 128 MiB.
inline constexpr std::uint64_t max_inspected_size = std::uint64_t{16} << 20;

/// Module counts: JIT-only and other modules whose images are all at most this
/// large are looked into and counted as `empty` when they hold no kernel
/// (kernel-less stubs are a few KiB; larger images are taken to hold code).
inline constexpr std::uint64_t max_counted_stub_size = std::uint64_t{64} << 10;

struct trap_reference;
struct library_search;

/// What the scanner asks about: a device and a driver.
struct scan_target {
  gpu_arch device{12, 1};      ///< compute capability of the device (variant ignored)
  cuda_version driver{13, 0};  ///< CUDA release the driver supports (decides the PTX ISA limit)
  /// When set (derived at run time for this device, see trap.hpp), the loadable
  /// images of native files are checked for trap-only kernels.
  const trap_reference* trap = nullptr;
  /// When set (needed.hpp), ELF files with GPU code are checked for CUDA
  /// libraries they need that the dynamic loader would not find.
  const library_search* libraries = nullptr;
};

/// A warning with a stable machine-readable kind (the message is for people).
struct finding {
  std::string kind;     ///< "trap-only-kernels", "missing-cuda-library"
  std::string message;  ///< one line, also listed in file_result::warnings
  friend bool operator==(const finding&, const finding&) = default;
};

/// Trap-only kernels of the images a native file's modules would load.
struct kernel_census {
  std::uint64_t kernels = 0;    ///< kernels in the images looked at
  std::uint64_t trap_only = 0;  ///< of them, kernels that only trap on the device
  std::uint64_t images_skipped = 0;  ///< images not looked at (over the decompression cap, unreadable)
  std::vector<std::string> examples;  ///< a few trap-only kernel names
};

/// The file-level answer.
enum class verdict {
  native,       ///< some SASS image loads on the device
  fallback,     ///< no loadable SASS; some PTX can be JIT-compiled by the driver
  failing,      ///< GPU code present, none of it usable on the device
  no_gpu_code,  ///< no GPU code (no container, only empty containers or kernel-less stubs)
  error,        ///< unreadable, truncated or corrupt
};
[[nodiscard]] std::string_view to_string(verdict v);
/// Order used for listings: failing, error, fallback, native, no-gpu-code.
[[nodiscard]] int listing_rank(verdict v);

/// How one container (one module: a translation unit's image) fares on the device.
enum class module_class {
  native,      ///< has a SASS image that loads
  jit,         ///< no loadable SASS, but PTX the driver can JIT-compile
  other,       ///< images exist, none usable (other architectures, PTX too new)
  empty,       ///< no images, or only kernel-less stubs
  lto_only,    ///< only LTO-IR (linked at run time by nvJitLink; not loadable by the driver)
  link_input,  ///< in __nv_relfatbin of a linked executable/library: relocatable copy, never loaded
};
[[nodiscard]] std::string_view to_string(module_class c);

/// Input formats the scanner recognises.
enum class file_format { elf, archive, cubin, fatbin, ptx, raw, unknown };
[[nodiscard]] std::string_view to_string(file_format f);

/// A container as found in a file, with where it was and how it classifies.
struct container_record {
  fatbin_container container;
  std::string section;   ///< location label: ".nv_fatbin", "k.o:.nv_fatbin", "" when unknown
  module_class cls = module_class::other;
  bool stub = false;     ///< all images were looked at and none holds a kernel
};

/// Counts of containers per class.
struct module_counts {
  std::uint64_t native = 0, jit = 0, other = 0, empty = 0, lto_only = 0, link_input = 0;
  [[nodiscard]] std::uint64_t total() const { return native + jit + other + empty + lto_only + link_input; }
  void add(module_class c);
  module_counts& operator+=(const module_counts& o);
};

/// A PTX image name with its ISA version.
struct ptx_ref {
  std::string arch;  ///< compute_121a
  std::string isa;   ///< 9.0
  friend bool operator==(const ptx_ref&, const ptx_ref&) = default;
};

/// Everything the scan says about one file.
struct file_result {
  std::string path;          ///< as given / found; raw bytes (may not be valid UTF-8)
  std::string group;         ///< directory or Python package used for the summary
  bool named = false;        ///< named on the command line (not found by walking a directory)
  file_format format = file_format::unknown;
  std::uint64_t size_bytes = 0;
  verdict result = verdict::no_gpu_code;
  std::string reason;        ///< one line, always set
  std::vector<std::string> warnings;
  std::vector<finding> findings;          ///< warnings with a stable kind
  std::optional<kernel_census> kernels;   ///< trap-only check of a native file (scan_target::trap set)
  std::vector<container_record> containers;
  module_counts counts;
  std::vector<std::string> sass;    ///< distinct SASS images of loadable modules (sm_120a ...), sorted
  std::vector<ptx_ref> ptx;         ///< distinct PTX images of loadable modules, sorted
  std::vector<std::string> lto_ir;  ///< distinct LTO-IR images (lto_100a ...), sorted
  /// One of a package's alternatives for different CUDA releases: "loaded" or
  /// "not-loaded" (the package view, build_packages); "" when not an alternative.
  std::string alternative;
};

/// Scans one file's bytes. `name` is used for format hints (".ptx") and is copied
/// to result.path. Never throws for bad input: structural problems become an
/// `error` result with a one-line reason.
[[nodiscard]] file_result scan_bytes(std::span<const std::byte> data, std::string_view name,
                                     const scan_target& target);

/// Scans the bytes of `src` (read through it, never all at once). Like
/// scan_bytes, never throws for bad input; a file that shrinks or cannot be
/// read while it is scanned becomes an `error` result.
[[nodiscard]] file_result scan_source(const byte_source& src, std::string_view name, const scan_target& target);

/// Opens and scans a file. I/O problems become an `error` result.
[[nodiscard]] file_result scan_file(const std::string& path, const scan_target& target);

/// Whether a file found while walking a directory could hold GPU code, judged
/// from its name and first bytes (ELF, archive, fatbin, cubin/fatbin/ptx names).
/// Files for which this is false are skipped without being mapped.
[[nodiscard]] bool worth_scanning(std::string_view file_name, std::span<const std::byte> head);

}  // namespace sm121probe::binscan
