#pragma once
// Test helper: the toolkit matrix of scripts/install-toolkits.sh (pip wheels of
// NVRTC + nvJitLink 12.9 and 13.5, nvdisasm 13.5 in .toolkits/). Tests that
// need it call SM121_REQUIRE_TOOLKITS(): without the wheels the test fails,
// naming the script, unless SM121PROBE_SKIP_TOOLKIT_MATRIX=1 (then it is skipped).

#include "support/process.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace sm121probe::testing {

struct toolkit_matrix {
  std::string root;       ///< .toolkits
  std::string cuda129;    ///< --cuda-home of the CUDA 12.9 set
  std::string cuda135;    ///< --cuda-home of the CUDA 13.5 set
  std::string nvdisasm;   ///< nvdisasm 13.5
  std::string nvrtc129, nvjitlink129, nvrtc135, nvjitlink135;  ///< the library files
  std::string system_home;  ///< the toolkit the build used (--cuda-home)
};

inline toolkit_matrix find_toolkits() {
  toolkit_matrix m;
  const char* env = std::getenv("SM121PROBE_TOOLKITS_DIR");
  m.root = env && *env ? env : SM121PROBE_TOOLKITS_DIR;
  m.cuda129 = m.root + "/cuda-12.9";
  m.cuda135 = m.root + "/cuda-13.5";
  m.nvdisasm = m.root + "/nvdisasm-13.5/nvidia/cu13/bin/nvdisasm";
  m.nvrtc129 = m.cuda129 + "/nvidia/cuda_nvrtc/lib/libnvrtc.so.12";
  m.nvjitlink129 = m.cuda129 + "/nvidia/nvjitlink/lib/libnvJitLink.so.12";
  m.nvrtc135 = m.cuda135 + "/nvidia/cu13/lib/libnvrtc.so.13";
  m.nvjitlink135 = m.cuda135 + "/nvidia/cu13/lib/libnvJitLink.so.13";
  m.system_home = std::filesystem::path(SM121PROBE_CUDA_BIN_DIR).parent_path().string();
  return m;
}

/// Empty when every file of the matrix is there, else what is missing.
inline std::string missing_toolkits(const toolkit_matrix& m) {
  std::string missing;
  for (const auto& f : {m.nvrtc129, m.nvjitlink129, m.nvrtc135, m.nvjitlink135, m.nvdisasm})
    if (!std::filesystem::exists(f)) missing += " " + f;
  return missing;
}

inline bool skip_toolkit_matrix() {
  const char* s = std::getenv("SM121PROBE_SKIP_TOOLKIT_MATRIX");
  return s && std::string(s) == "1";
}

/// The tool with a clean choice of toolkit: none of the variables that choose
/// one is inherited; `env` ("NAME=value") adds those the test wants.
inline process_result run_tool_clean(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
  std::vector<std::string> argv{"env", "-u", "CUDA_HOME", "-u", "LD_LIBRARY_PATH", "-u", "SM121PROBE_NVRTC_LIBRARY",
                                "-u", "SM121PROBE_NVJITLINK_LIBRARY"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.emplace_back(SM121PROBE_BINARY);
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

}  // namespace sm121probe::testing

/// In a TEST body: the matrix `var`, or the test fails (skips with
/// SM121PROBE_SKIP_TOOLKIT_MATRIX=1) when it is not installed.
#define SM121_REQUIRE_TOOLKITS(var)                                                                          \
  const ::sm121probe::testing::toolkit_matrix var = ::sm121probe::testing::find_toolkits();                 \
  if (const std::string missing_ = ::sm121probe::testing::missing_toolkits(var); !missing_.empty()) {      \
    if (::sm121probe::testing::skip_toolkit_matrix())                                                       \
      GTEST_SKIP() << "toolkit matrix not installed (SM121PROBE_SKIP_TOOLKIT_MATRIX=1):" << missing_;       \
    FAIL() << "the toolkit matrix is not installed (missing:" << missing_                                   \
           << "): run scripts/install-toolkits.sh (make test does), or set SM121PROBE_SKIP_TOOLKIT_MATRIX=1 " \
              "to skip these tests";                                                                        \
  }
