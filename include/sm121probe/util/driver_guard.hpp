#pragma once
/// Keeps the CUDA driver (libcuda) out of the sm121-probe parent process.
///
/// A broken driver can hang, crash or _exit() inside cuInit. Every deliberate
/// driver contact runs in a worker process with a timeout (probe/executor.hpp),
/// but NVRTC 13 and nvJitLink dlopen libcuda.so.1 and call cuInit by
/// themselves during compilation. The sm121-probe executable therefore
/// interposes dlopen (src/main.cpp, exported with --export-dynamic-symbol) and
/// refuses libcuda while the driver is blocked; NVRTC and nvJitLink then work
/// as on a machine without a driver. cli::main blocks it in every process
/// except `__worker`; `run --no-isolate` allows it again (its attempts run in
/// this process by request). Test executables have no interposer.
///
/// The interposer calls the real dlopen from the executable, and glibc picks
/// the directories to search by the object that calls dlopen: the libraries'
/// own DT_RPATH/DT_RUNPATH would be lost (NVRTC from a pip wheel finds
/// libnvrtc-builtins through RPATH $ORIGIN). dlopen_for_caller puts them back.

namespace sm121probe::util {

void block_driver_in_this_process();
void allow_driver_in_this_process();
/// Whether dlopen may load libcuda in this process (true unless blocked).
[[nodiscard]] bool driver_allowed();
/// Whether `file` (a dlopen argument) names the driver library: a path whose
/// last component starts with "libcuda.so".
[[nodiscard]] bool is_driver_library(const char* file);

using dlopen_function = void* (*)(const char* file, int mode);

/// Opens `file` with `real_dlopen` as the dynamic loader would for a dlopen
/// call made by the code at address `caller`. A name without a slash is looked
/// up first among the loaded objects, then in the caller's search directories
/// (dlinfo RTLD_DI_SERINFO: its RPATH, LD_LIBRARY_PATH, its RUNPATH, the
/// system directories) in order: the first that holds the file decides. A
/// directory the executable searches as well is left to the loader's own
/// search (which also reads ld.so.cache); one only the caller has (its RPATH or
/// RUNPATH) is opened by path. Paths, null and unknown callers go to
/// `real_dlopen` unchanged.
[[nodiscard]] void* dlopen_for_caller(dlopen_function real_dlopen, const char* file, int mode, const void* caller);

}  // namespace sm121probe::util
