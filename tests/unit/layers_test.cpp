// The include direction of the layers (docs/architecture.md): a file may
// include headers of its own layer or of lower ones, never of a higher one.
//
//   0 core       include/sm121probe/{arch,version}.hpp, util/, report/, binscan/; src/core, src/report, src/binscan
//   1 backends   cuda/, nvrtc/: the driver interface, NVRTC and nvJitLink
//   2 framework  probe/: probe spec, session, programs, SASS inspection, runner, executors;
//                doctor/ (the doctor's audit; doctor/model.hpp is core)
//   3 catalogue  src/probes/ (the probe families) and kernels/ (+ sm121probe/kernels.hpp, *.cuh)
//   4 cli        cli/: assembles the catalogue and hands it to the framework
//
// In particular the framework (src/probe, include/sm121probe/probe) includes
// nothing from src/probes or kernels/: it is given the catalogue.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
const fs::path root = SM121PROBE_SOURCE_DIR;

constexpr int core = 0, backends = 1, framework = 2, catalogue = 3, cli = 4;

// The layer of a file of the tree (relative path), or nullopt when it is not layered.
std::optional<int> layer_of_file(const std::string& rel) {
  const auto under = [&](const char* prefix) { return rel.rfind(prefix, 0) == 0; };
  if (under("kernels/") || under("src/probes/") || under("include/sm121probe/probes/") ||
      rel == "include/sm121probe/kernels.hpp")
    return catalogue;
  if (under("src/cli/") || under("include/sm121probe/cli/")) return cli;
  if (under("src/probe/") || under("include/sm121probe/probe/")) return framework;
  // The doctor's audit uses the backends and the framework's child-process helper; its
  // model is plain data that the core renderers read.
  if (rel == "include/sm121probe/doctor/model.hpp") return core;
  if (under("src/doctor/") || under("include/sm121probe/doctor/")) return framework;
  if (under("src/cuda/") || under("src/nvrtc/") || under("include/sm121probe/cuda/") ||
      under("include/sm121probe/nvrtc/"))
    return backends;
  if (under("src/core/") || under("src/report/") || under("src/binscan/") || under("include/sm121probe/"))
    return core;
  return std::nullopt;
}

// The layer of an included header as written in `#include "..."` by `from`.
std::optional<int> layer_of_include(const std::string& from, const std::string& inc) {
  if (inc.ends_with(".cuh") || inc.rfind("kernels/", 0) == 0) return catalogue;
  if (inc.rfind("sm121probe/", 0) == 0) return layer_of_file("include/" + inc);
  // A private header next to the including file.
  return layer_of_file((fs::path(from).parent_path() / inc).generic_string());
}

struct violation {
  std::string file, include;
  int from, to;
};

std::vector<violation> scan_tree() {
  static const std::regex include_line(R"re(^\s*#\s*include\s*"([^"]+)")re");
  std::vector<violation> out;
  for (const char* dir : {"src", "include", "kernels"}) {
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      if (!e.is_regular_file()) continue;
      const std::string rel = fs::relative(e.path(), root).generic_string();
      const auto from = layer_of_file(rel);
      if (!from) continue;
      std::ifstream in(e.path());
      std::string line;
      std::smatch m;
      while (std::getline(in, line)) {
        if (!std::regex_search(line, m, include_line)) continue;
        const auto to = layer_of_include(rel, m[1]);
        if (to && *to > *from) out.push_back({rel, m[1], *from, *to});
      }
    }
  }
  return out;
}

TEST(Layers, NoIncludeFromALowerLayerToAHigherOne) {
  for (const auto& v : scan_tree())
    ADD_FAILURE() << v.file << " (layer " << v.from << ") includes \"" << v.include << "\" (layer " << v.to
                  << "): a lower layer must not depend on a higher one (docs/architecture.md)";
}

TEST(Layers, TheFrameworkIncludesNothingOfTheCatalogue) {
  // The acceptance rule of issue 8, spelled out: src/probe and its headers.
  for (const auto& v : scan_tree())
    if (v.from == framework) {
      EXPECT_NE(v.to, catalogue) << v.file << " includes " << v.include;
    }
}

TEST(Layers, TheCheckSeesAViolation) {
  // The classifier itself: a framework file including a catalogue header is an upward edge.
  EXPECT_EQ(layer_of_file("src/probe/runner.cpp"), framework);
  EXPECT_EQ(layer_of_include("src/probe/sass.cpp", "narrow_ptx.cuh"), catalogue);
  EXPECT_EQ(layer_of_include("src/probe/runner.cpp", "sm121probe/kernels.hpp"), catalogue);
  EXPECT_EQ(layer_of_include("src/probe/runner.cpp", "sm121probe/probes/registration.hpp"), catalogue);
  EXPECT_EQ(layer_of_include("src/probes/registry.cpp", "probes.hpp"), catalogue);
  EXPECT_EQ(layer_of_include("src/nvrtc/toolchain.cpp", "sm121probe/cli/app.hpp"), cli);
  EXPECT_EQ(layer_of_include("src/cli/app.cpp", "sm121probe/probe/runner.hpp"), framework);
  EXPECT_EQ(layer_of_file("tests/unit/layers_test.cpp"), std::nullopt);
}

}  // namespace
