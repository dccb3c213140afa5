#pragma once
// Private to src/cli: `run --keep-images DIR` writes every image the run
// compiled, the SASS reference programs of the probes' checked instructions,
// and a manifest (docs/cli.md "Keeping the compiled images"), so that the
// verdicts can be checked with other tools (tests/toolkits uses nvdisasm).

#include "sm121probe/nvrtc/toolchain.hpp"
#include "sm121probe/probe/runner.hpp"
#include "sm121probe/report/model.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sm121probe::cli {

class image_keeper {
 public:
  /// Creates `dir` if needed; a path that exists and is not a directory, or
  /// cannot be created, is a usage error (exit 2).
  image_keeper(const std::string& dir, const nvrtc::toolchain& tools);

  /// Writes the images of one probe (run_observer::compiled).
  void add(const probe::probe& p, const std::vector<probe::compiled_variant>& variants);

  /// Writes DIR/manifest.json, with the verdicts of `r`.
  void finish(const report::run_report& r);

 private:
  std::string reference_for(const probe::sass_check& c, const std::string& target);

  std::filesystem::path m_dir;
  const nvrtc::toolchain& m_tools;
  struct entry {
    std::string probe, variant, target, kind, file;
    bool emulated = false;
    bool has_sass = false;
    std::string expected_class, note;
    std::vector<std::pair<const probe::sass_check*, std::string>> checks;  // check, reference file ("" = none)
  };
  std::vector<entry> m_entries;
  std::map<std::string, std::string> m_references;  // target + template -> file
};

}  // namespace sm121probe::cli
