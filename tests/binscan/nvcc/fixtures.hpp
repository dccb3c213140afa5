#pragma once
// The nvcc-built acceptance fixtures for `scan`: what each build asks nvcc for,
// and what a correct scanner must therefore report. Shared by the builder
// (build_fixtures.cpp, run by ctest as a FIXTURES_SETUP test) and the checks
// (acceptance_test.cpp). Expectations follow from the -gencode options and the
// rules in docs/compatibility.md, never from running the scanner.

#include <ostream>
#include <string>
#include <vector>

namespace sm121probe::testing::nvcc {

/// A tiny kernel (one per translation unit keeps builds fast).
inline constexpr const char* kernel_source = R"(
__global__ void scale(float* p, float f) { p[threadIdx.x] *= f; }
void launch_scale(float* p) { scale<<<1, 32>>>(p, 2.0f); }
)";
inline constexpr const char* kernel2_source = R"(
__global__ void add_one(int* p) { p[threadIdx.x] += 1; }
void launch_add_one(int* p) { add_one<<<1, 32>>>(p); }
)";
/// A host-only translation unit: nvcc still embeds a kernel-less default-arch image.
inline constexpr const char* host_only_source = R"(
int host_only_twice(int x) { return 2 * x; }
)";
/// Runs only on sm_120; everywhere else it prints and traps (the pattern behind
/// "This kernel only supports sm120" on GB10).
inline constexpr const char* trap_source = R"(
#include <cstdio>
__global__ void only_sm120(float* p) {
#if __CUDA_ARCH__ == 1200
  p[threadIdx.x] *= 2.0f;
#else
  printf("This kernel only supports sm120\n");
  __trap();
#endif
}
void launch_only_sm120(float* p) { only_sm120<<<1, 32>>>(p); }
)";
inline constexpr const char* main_source = R"(
void launch_scale(float* p);
int main() { launch_scale(nullptr); return 0; }
)";

struct fixture {
  std::string name;                 ///< output file, relative to the fixture directory
  std::vector<std::string> args;    ///< nvcc arguments besides sources and -o
  std::vector<std::string> sources; ///< k.cu, k2.cu, h.cu, main.cu
  std::string format;               ///< scanner's format name
  std::vector<std::string> sass;    ///< SASS images requested (loadable, sorted as the scanner sorts)
  std::vector<std::string> ptx;     ///< PTX images requested (loadable)
  std::vector<std::string> link_only;  ///< images only in __nv_relfatbin of a linked file
  std::string ptx_compression;      ///< expected for every PTX entry ("" = no PTX)
  std::string sass_compression;     ///< expected for every loadable SASS entry
  std::string section;              ///< expected label of loadable containers; "*:.nv_fatbin" = archive members
  int containers = 0;               ///< expected number of containers, link inputs included
  int empty_containers = 0;         ///< containers with no images (PTX-only device link)
  std::string on_sm121, on_sm120, on_sm90;  ///< expected verdicts (driver = the toolkit's CUDA)
  bool entries_checked = true;      ///< false: only verdicts are checked (images vary between toolkits)
};

/// gtest prints parameters with this: test names and messages show the file name.
inline void PrintTo(const fixture& f, std::ostream* os) { *os << f.name; }

inline const std::vector<fixture>& fixtures() {
  static const std::vector<fixture> all = {
      // Executables and shared objects: two containers per link (device-link image + the unit's image).
      {"exe_sm120", {"-gencode", "arch=compute_120,code=sm_120"}, {"k.cu", "main.cu"}, "elf",
       {"sm_120"}, {}, {}, "", "none", ".nv_fatbin", 3, 0, "native", "native", "failing"},
      {"libsm120a.so", {"-shared", "-Xcompiler", "-fPIC", "-gencode", "arch=compute_120a,code=sm_120a"}, {"k.cu"},
       "elf", {"sm_120a"}, {}, {}, "", "none", ".nv_fatbin", 2, 0, "failing", "native", "failing"},
      {"sm120f.o", {"-c", "-gencode", "arch=compute_120f,code=sm_120f"}, {"k.cu"}, "elf",
       {"sm_120f"}, {}, {}, "", "none", ".nv_fatbin", 1, 0, "native", "native", "failing"},
      {"sm121a.cubin", {"-cubin", "-gencode", "arch=compute_121a,code=sm_121a"}, {"k.cu"}, "cubin",
       {"sm_121a"}, {}, {}, "", "none", "", 1, 0, "native", "failing", "failing"},
      {"sm100a_sm90a.fatbin",
       {"-fatbin", "-gencode", "arch=compute_100a,code=sm_100a", "-gencode", "arch=compute_90a,code=sm_90a"},
       {"k.cu"}, "fatbin", {"sm_90a", "sm_100a"}, {}, {}, "", "none", "", 1, 0, "failing", "failing", "native"},
      // PTX only: the device-link container is empty.
      {"exe_ptx90", {"-gencode", "arch=compute_90,code=compute_90"}, {"k.cu", "main.cu"}, "elf",
       {}, {"compute_90"}, {}, "zstd", "", ".nv_fatbin", 3, 1, "fallback", "fallback", "fallback"},
      {"libptx120.so", {"-shared", "-Xcompiler", "-fPIC", "-gencode", "arch=compute_120,code=compute_120"}, {"k.cu"},
       "elf", {}, {"compute_120"}, {}, "zstd", "", ".nv_fatbin", 2, 1, "fallback", "fallback", "failing"},
      // Mixed sets in one link.
      {"exe_mixed",
       {"-gencode", "arch=compute_90,code=sm_90", "-gencode", "arch=compute_120,code=[sm_120,compute_120]",
        "-gencode", "arch=compute_121a,code=sm_121a"},
       {"k.cu", "main.cu"}, "elf", {"sm_90", "sm_120", "sm_121a"}, {"compute_120"}, {}, "zstd", "none",
       ".nv_fatbin", 3, 0, "native", "native", "native"},
      // Compression modes (fatbin-format.md section 3).
      {"exe_size_sm121", {"--compress-mode=size", "-gencode", "arch=compute_121,code=[sm_121,compute_121]"},
       {"k.cu", "main.cu"}, "elf", {"sm_121"}, {"compute_121"}, {}, "zstd", "zstd", ".nv_fatbin", 3, 0, "native",
       "failing", "failing"},
      {"libspeed_sm80.so",
       {"-shared", "-Xcompiler", "-fPIC", "--compress-mode=speed", "-gencode", "arch=compute_80,code=[sm_80,compute_80]"},
       {"k.cu"}, "elf", {"sm_80"}, {"compute_80"}, {}, "lz4", "none", ".nv_fatbin", 2, 0, "fallback", "fallback",
       "fallback"},
      {"all_sm120f.fatbin",
       {"-fatbin", "-Xfatbin", "-compress-all", "-gencode", "arch=compute_120f,code=[sm_120f,compute_120f]"},
       {"k.cu"}, "fatbin", {"sm_120f"}, {"compute_120f"}, {}, "zstd", "zstd", "", 1, 0, "native", "native", "failing"},
      // Relocatable device code: linked SASS in .nv_fatbin, relocatable copies (with the PTX) in __nv_relfatbin.
      // With no matching linked cubin the driver JIT-links the relocatable PTX (NVCC guide, "JIT Linking Support").
      {"exe_rdc_sm90", {"-rdc=true", "-gencode", "arch=compute_90,code=[sm_90,compute_90]"}, {"k.cu", "main.cu"},
       "elf", {"sm_90"}, {}, {"sm_90", "compute_90"}, "zstd", "none", ".nv_fatbin", 3, 0, "fallback", "fallback",
       "native"},
      // An -rdc shared library with PTX only: the device link yields an empty container, the PTX is relocatable
      // (with cudadevrt's relocatable objects beside it, which differ between toolkits: entries not checked).
      {"librdc_ptx90.so", {"-rdc=true", "-shared", "-Xcompiler", "-fPIC", "-gencode", "arch=compute_90,code=compute_90"},
       {"k.cu"}, "elf", {}, {}, {"compute_90"}, "zstd", "", ".nv_fatbin", 0, 1, "fallback", "fallback", "fallback",
       false},
      // A static library: one member per unit, containers at unaligned offsets.
      {"libkernels.a",
       {"-lib", "-gencode", "arch=compute_121,code=sm_121", "-gencode", "arch=compute_120,code=compute_120"},
       {"k.cu", "k2.cu"}, "archive", {"sm_121"}, {"compute_120"}, {}, "zstd", "none", "*:.nv_fatbin", 2, 0,
       "native", "fallback", "failing"},
      // A PTX file.
      {"k_121a.ptx", {"-ptx", "-gencode", "arch=compute_121a,code=compute_121a"}, {"k.cu"}, "ptx",
       {}, {"compute_121a"}, {}, "none", "", "", 1, 0, "fallback", "failing", "failing"},
      // Built for sm_121 too, but its kernel traps there: native (it loads), with a trap-only warning on sm_121.
      {"libtrap120.so",
       {"-shared", "-Xcompiler", "-fPIC", "-gencode", "arch=compute_120,code=sm_120", "-gencode",
        "arch=compute_121,code=sm_121"},
       {"trap.cu"}, "elf", {"sm_120", "sm_121"}, {}, {}, "", "none", ".nv_fatbin", 2, 0, "native", "native",
       "failing"},
      // A plain sm_120 library: what a framework ships for consumer Blackwell (the package environment uses it).
      {"libsm120.so", {"-shared", "-Xcompiler", "-fPIC", "-gencode", "arch=compute_120,code=sm_120"}, {"k.cu"}, "elf",
       {"sm_120"}, {}, {}, "", "none", ".nv_fatbin", 2, 0, "native", "native", "failing"},
      // A host-only library: kernel-less stubs only.
      {"libhostonly.so", {"-shared", "-Xcompiler", "-fPIC"}, {"h.cu"}, "elf",
       {"sm_75"}, {"compute_75"}, {}, "zstd", "none", ".nv_fatbin", 2, 0, "no-gpu-code", "no-gpu-code",
       "no-gpu-code"},
  };
  return all;
}

}  // namespace sm121probe::testing::nvcc
