#pragma once
// Private to src/cli: the flags that choose NVRTC and nvJitLink (run, scan):
// --cuda-home DIR, --nvrtc LIB, --nvjitlink LIB (README.md "Choosing a toolkit").

#include "sm121probe/nvrtc/toolchain.hpp"

#include <CLI/CLI.hpp>

namespace sm121probe::cli {

/// Registers --cuda-home, --nvrtc and --nvjitlink on `sub`.
void add_toolkit_flags(CLI::App& sub, nvrtc::toolchain_options& options);

/// Checks the flags before any work: a --cuda-home that is not a directory, or
/// a --nvrtc / --nvjitlink path that does not exist, is a usage error (exit 2).
/// (A file that exists but does not load is an environment error, exit 3, when
/// the toolchain is loaded.)
void check_toolkit_flags(const nvrtc::toolchain_options& options);

}  // namespace sm121probe::cli
