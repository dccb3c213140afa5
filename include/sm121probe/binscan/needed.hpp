#pragma once
/// Missing CUDA runtimes: which CUDA libraries an ELF file needs (DT_NEEDED)
/// and whether the dynamic loader would find them, searched the way ld.so does
/// (ld.so(8)): DT_RPATH (only without DT_RUNPATH), LD_LIBRARY_PATH, DT_RUNPATH
/// (`$ORIGIN` = the file's directory), the loader cache /etc/ld.so.cache, the
/// default directories; plus, for a Python environment, the `nvidia/*/lib`
/// directories of its site-packages (NVIDIA's wheels, which frameworks load
/// themselves). A library needing `libcudart.so.12` on a CUDA-13-only system
/// fails to load with "libcudart.so.12: cannot open shared object file".

#include "sm121probe/binscan/byte_source.hpp"
#include "sm121probe/binscan/elf.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sm121probe::binscan {

/// The dynamic-linking facts of an ELF file (from `.dynamic` and its string table).
struct dynamic_info {
  std::vector<std::string> needed;   ///< DT_NEEDED, in order
  std::vector<std::string> rpath;    ///< DT_RPATH entries (split at ':')
  std::vector<std::string> runpath;  ///< DT_RUNPATH entries
};

/// Reads `.dynamic` through the section table; nullopt when there is none.
/// Throws parse_error when it is corrupt.
[[nodiscard]] std::optional<dynamic_info> read_dynamic(const byte_source& src, const elf_file& elf);

/// True for the sonames of CUDA toolkit and NVIDIA math/communication
/// libraries (libcudart, libcublas, libcublasLt, libcufft, libcurand,
/// libcusparse, libcusolver, libnvrtc, libnvJitLink, libcudnn*, libnccl, ...),
/// not for the driver's libcuda.so.1.
[[nodiscard]] bool is_cuda_library(std::string_view soname);

/// Where the dynamic loader looks, apart from a file's own RPATH/RUNPATH.
struct library_search {
  std::vector<std::string> ld_library_path;      ///< LD_LIBRARY_PATH, in order
  std::map<std::string, std::string> cache;      ///< soname -> path, from /etc/ld.so.cache
  std::vector<std::string> default_dirs = {"/lib", "/usr/lib", "/lib64", "/usr/lib64"};
  std::vector<std::string> extra_dirs;           ///< nvidia/*/lib of the scanned site-packages

  /// The system's: LD_LIBRARY_PATH from the environment, the cache from `cache_file`.
  [[nodiscard]] static library_search from_system(const std::string& cache_file = "/etc/ld.so.cache");
  /// Adds `<site>/nvidia/*/lib` directories that exist.
  void add_nvidia_wheels(const std::string& site_packages);

  /// Path the loader would open for `soname` needed by `file` with these
  /// RPATH/RUNPATH entries, or nullopt.
  [[nodiscard]] std::optional<std::string> find(const std::string& soname, const std::string& file,
                                                const dynamic_info& dyn) const;
  /// Other versions of the same library that can be found ("libcudart.so.13"
  /// for "libcudart.so.12"), by soname, sorted.
  [[nodiscard]] std::vector<std::string> other_versions(const std::string& soname, const std::string& file,
                                                        const dynamic_info& dyn) const;
};

/// Parses the loader cache (glibc's "glibc-ld.so.cache1.1" format): soname ->
/// first path. An unreadable or unknown file gives an empty map.
[[nodiscard]] std::map<std::string, std::string> read_ld_cache(const std::string& path);

}  // namespace sm121probe::binscan
