#include "toolkit_flags.hpp"

#include "output.hpp"
#include "sm121probe/cli/app.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <system_error>

namespace sm121probe::cli {

void add_toolkit_flags(CLI::App& sub, nvrtc::toolchain_options& options) {
  sub.add_option("--cuda-home", options.cuda_home,
                 "Take NVRTC and nvJitLink from this toolkit or pip wheel directory (DIR/lib64, DIR/lib, "
                 "DIR/targets/*/lib, DIR/nvidia/cu*/lib, DIR/nvidia/cuda_nvrtc/lib + DIR/nvidia/nvjitlink/lib) "
                 "instead of searching (default: $LD_LIBRARY_PATH, $CUDA_HOME, the loader's search, the build's toolkit)")
      ->option_text("DIR")
      ->check(non_empty());
  sub.add_option("--nvrtc", options.nvrtc_library,
                 "Load exactly this NVRTC library (also $SM121PROBE_NVRTC_LIBRARY); nvJitLink is then looked for "
                 "next to it first")
      ->option_text("LIB")
      ->check(non_empty());
  sub.add_option("--nvjitlink", options.nvjitlink_library,
                 "Load exactly this nvJitLink library (also $SM121PROBE_NVJITLINK_LIBRARY); NVRTC is then looked for "
                 "next to it first")
      ->option_text("LIB")
      ->check(non_empty());
}

void check_toolkit_flags(const nvrtc::toolchain_options& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!options.cuda_home.empty() && !fs::is_directory(options.cuda_home, ec))
    throw usage_error(fmt::format("--cuda-home '{}' is not a directory", options.cuda_home));
  for (const auto& [flag, path] : {std::pair<const char*, const std::string&>{"--nvrtc", options.nvrtc_library},
                                   std::pair<const char*, const std::string&>{"--nvjitlink",
                                                                              options.nvjitlink_library}}) {
    if (path.empty()) continue;
    if (!fs::exists(path, ec) || fs::is_directory(path, ec))
      throw usage_error(fmt::format("{} '{}' is not a file", flag, path));
  }
}

}  // namespace sm121probe::cli
