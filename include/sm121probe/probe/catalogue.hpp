#pragma once
/// What the framework is given to work with: the probes, the kernel sources
/// they compile, the SASS class catalogue and the sources behind the expected
/// verdicts. The CLI assembles it (cli/catalogue.hpp) from the probe families
/// (src/probes) and hands it to the runner, the worker and `list`; nothing in
/// the framework reaches for a concrete probe or kernel itself.

#include "sm121probe/probe/expectations.hpp"
#include "sm121probe/probe/probe.hpp"
#include "sm121probe/util/source_file.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sm121probe::probe {

struct catalogue {
  std::vector<probe> probes;                  ///< in report order; ids unique
  std::vector<util::source_file> kernels;     ///< the kernel files (*.cu) the probes name
  std::vector<util::source_file> headers;     ///< the device headers (*.cuh) NVRTC receives as include files
  std::vector<sass_check> sass_classes;       ///< each SASS class with its representative (probe/sass.hpp)
  std::vector<expectation_source> sources;    ///< what each expectation source key stands for

  /// The probe with this id, or null.
  [[nodiscard]] const probe* find(std::string_view id) const;
  /// Probes matching any `only` glob (all when empty) and no `skip` glob, in report order.
  [[nodiscard]] std::vector<const probe*> select(const std::vector<std::string>& only,
                                                 const std::vector<std::string>& skip) const;
  /// The kernel file with this logical path ("kernels/x.cu") or bare file name ("x.cu").
  [[nodiscard]] std::optional<util::source_file> kernel(std::string_view path_or_name) const;
};

}  // namespace sm121probe::probe
