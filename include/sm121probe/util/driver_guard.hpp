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

namespace sm121probe::util {

void block_driver_in_this_process();
void allow_driver_in_this_process();
/// Whether dlopen may load libcuda in this process (true unless blocked).
[[nodiscard]] bool driver_allowed();
/// Whether `file` (a dlopen argument) names the driver library: a path whose
/// last component starts with "libcuda.so".
[[nodiscard]] bool is_driver_library(const char* file);

}  // namespace sm121probe::util
