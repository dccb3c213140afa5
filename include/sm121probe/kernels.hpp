#pragma once
/// Kernel sources embedded into the binary at build time (see cmake/EmbedKernels.cmake).
/// Each embedded file registers itself at static initialisation.

#include "sm121probe/util/source_file.hpp"

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace sm121probe::kernels {

/// One embedded file: its logical path ("kernels/mma_f16.cu") and its bytes.
using embedded_file = util::source_file;

/// Made by each generated file: adds it to the list of embedded files.
struct registration {
  explicit registration(const embedded_file* file);
};

/// Every embedded file (kernels/*.cu and kernels/*.cuh), sorted by path.
[[nodiscard]] std::vector<const embedded_file*> all_files();

/// The embedded file with this logical path ("kernels/x.cu") or bare file name ("x.cu").
[[nodiscard]] std::optional<embedded_file> find(std::string_view path_or_name);

/// The shared device headers (kernels/*.cuh), which NVRTC receives as include files.
[[nodiscard]] std::span<const embedded_file> headers();

}  // namespace sm121probe::kernels
