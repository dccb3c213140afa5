#pragma once
// Test helper: a fake Python environment in a temporary directory: a
// site-packages with dist-info records, a Triton-like bundled ptxas (the real
// toolkit's, or a script that rejects sm_121* exactly like ptxas 12.8),
// torch/version.py with a libtorch_cuda.so carrying chosen GPU code, NVIDIA
// wheels whose libraries are the real toolkit's, and a `python` script that
// answers the doctor's site-packages query.

#include "binscan/builder.hpp"
#include "support/process.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace sm121probe::testing {

inline const std::string toolkit_ptxas = std::string(SM121PROBE_CUDA_BIN_DIR) + "/ptxas";
inline const std::string toolkit_nvrtc = std::string(SM121PROBE_CUDA_LIB_DIR) + "/libnvrtc.so.13";
inline const std::string toolkit_nvjitlink = std::string(SM121PROBE_CUDA_LIB_DIR) + "/libnvJitLink.so.13";

/// What ptxas 12.8 prints for a target it does not know (triton-lang/triton#8539).
inline std::string ptxas_128_script() {
  return "#!/bin/sh\n"
         "for a in \"$@\"; do\n"
         "  case \"$a\" in\n"
         "    --version) printf 'ptxas: NVIDIA (R) Ptx optimizing assembler\\nCopyright (c) 2005-2025 NVIDIA "
         "Corporation\\nBuilt on Fri_Feb_21_20:22:20_PST_2025\\nCuda compilation tools, release 12.8, V12.8.93\\nBuild "
         "cuda_12.8.r12.8/compiler.35583870_0\\n'; exit 0;;\n"
         "    -arch=sm_121*) t=${a#-arch=}; echo \"ptxas fatal   : Value '$t' is not defined for option 'gpu-name'\" >&2; "
         "exit 255;;\n"
         "  esac\n"
         "done\n"
         "exit 0\n";
}

inline void write_text(const std::string& path, const std::string& text, bool executable = false) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  {
    std::ofstream f(path, std::ios::binary);
    f << text;
  }
  if (executable) ::chmod(path.c_str(), 0755);
}

inline void write_bytes(const std::string& path, const std::vector<std::byte>& data) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

inline void link(const std::string& target, const std::string& path) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::filesystem::create_symlink(target, path);
}

struct fake_env {
  temp_dir dir;
  std::string site = dir / "venv/lib/python3.12/site-packages";
  std::string python = dir / "venv/bin/python";
  std::string home = dir / "home";

  enum class triton_ptxas { none, real, ptxas_128 };

  fake_env() {
    std::filesystem::create_directories(site);
    std::filesystem::create_directories(home);
    write_text(python,
               "#!/bin/sh\n"
               "echo executable=" + python + "\n"
               "echo version=3.12.3\n"
               "echo site=" + site + "\n"
               "echo site=" + dir.path + "/does-not-exist\n",
               true);
  }

  void dist(const std::string& dir_name, const std::string& name, const std::string& version,
            const std::vector<std::string>& record = {}) {
    write_text(site + "/" + dir_name + ".dist-info/METADATA",
               "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\nSummary: test\n\nlong text\n");
    std::string rec;
    for (const auto& r : record) rec += r + ",sha256=x,1\n";
    write_text(site + "/" + dir_name + ".dist-info/RECORD", rec);
  }

  void triton(triton_ptxas which, const std::string& version = "3.3.1") {
    dist("triton-" + version, "triton", version, {"triton/backends/nvidia/bin/ptxas"});
    write_text(site + "/triton/__init__.py", "__version__ = '" + version + "'\n");
    const std::string p = site + "/triton/backends/nvidia/bin/ptxas";
    if (which == triton_ptxas::real) link(toolkit_ptxas, p);
    if (which == triton_ptxas::ptxas_128) write_text(p, ptxas_128_script(), true);
  }

  /// torch with a libtorch_cuda.so carrying these fatbin entries.
  void torch(const std::vector<blob::entry_spec>& entries, const std::string& version = "2.9.0+cu130",
             const std::string& cuda = "13.0") {
    dist("torch-2.9.0", "torch", "2.9.0");
    write_text(site + "/torch/version.py", "from typing import Optional\n__all__ = ['__version__']\n__version__ = '" +
                                               version + "'\ndebug = False\ncuda: Optional[str] = '" + cuda +
                                               "'\nhip: Optional[str] = None\n");
    write_bytes(site + "/torch/lib/libtorch_cuda.so", blob::host_with_fatbin(blob::make_container(entries)));
  }

  /// nvidia-cuda-nvrtc and nvidia-nvjitlink wheels whose libraries are the toolkit's.
  void nvidia_jit_wheels() {
    dist("nvidia_cuda_nvrtc-13.0.88", "nvidia-cuda-nvrtc", "13.0.88", {"nvidia/cu13/lib/libnvrtc.so.13"});
    link(toolkit_nvrtc, site + "/nvidia/cu13/lib/libnvrtc.so.13");
    dist("nvidia_nvjitlink-13.0.88", "nvidia-nvjitlink", "13.0.88", {"nvidia/cu13/lib/libnvJitLink.so.13"});
    link(toolkit_nvjitlink, site + "/nvidia/cu13/lib/libnvJitLink.so.13");
  }

  /// An nvidia-cuda-nvcc wheel whose ptxas is the toolkit's.
  void nvcc_wheel() {
    dist("nvidia_cuda_nvcc-13.0.88", "nvidia-cuda-nvcc", "13.0.88", {"nvidia/cuda_nvcc/bin/ptxas"});
    link(toolkit_ptxas, site + "/nvidia/cuda_nvcc/bin/ptxas");
  }
};

}  // namespace sm121probe::testing
