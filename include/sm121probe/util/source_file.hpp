#pragma once
/// A source text under a logical path ("kernels/mma_f16.cu"): what NVRTC
/// compiles or receives as an include file.

#include <string_view>

namespace sm121probe::util {

struct source_file {
  std::string_view path;  ///< logical path, shown in compiler diagnostics
  std::string_view text;
};

}  // namespace sm121probe::util
