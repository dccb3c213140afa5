#pragma once
/// How a probe family joins the catalogue: one line in its family file,
///
///   SM121PROBE_FAMILY(200, make_mma_sm80_probes);
///
/// registers a factory (returning one probe or several) under an order key;
/// the catalogue lists the families by ascending key (ties: by registration
/// name), so the report order does not depend on the link order. Nothing else
/// names the family: no list of families, no header of factories.
/// A family that cites a source no other family cites registers it too:
///
///   SM121PROBE_SOURCE("ptx-foo", "PTX ISA, foo: sm_90 or higher", "https://...");
///
/// (See docs/architecture.md, "Adding a probe".)

#include "sm121probe/probe/expectations.hpp"
#include "sm121probe/probe/probe.hpp"
#include "sm121probe/util/source_file.hpp"

#include <functional>
#include <vector>

namespace sm121probe::probes {

/// A registration made at static initialisation (use SM121PROBE_FAMILY).
struct family_registration {
  family_registration(int order, const char* name, std::function<std::vector<probe::probe>()> make);
  family_registration(int order, const char* name, std::function<probe::probe()> make);
};

/// A source cited by expected verdicts, registered by the family that cites
/// it first (use SM121PROBE_SOURCE); the common ones are in src/probes/sources.cpp.
struct source_registration {
  explicit source_registration(probe::expectation_source source);
};

/// Every registered family's probes, by order key.
[[nodiscard]] std::vector<probe::probe> registered_probes();

/// The SASS class catalogue (src/probes/sass_classes.cpp).
[[nodiscard]] const std::vector<probe::sass_check>& sass_classes();

/// Every source an expectation may cite, in docs/probes.md order: those of
/// src/probes/sources.cpp, then the registered ones by key.
[[nodiscard]] const std::vector<probe::expectation_source>& expectation_sources();

/// Every embedded kernel file (kernels/*.cu, *.cuh and those a test family embeds).
[[nodiscard]] std::vector<util::source_file> kernel_files();

}  // namespace sm121probe::probes

#define SM121PROBE_FAMILY_CAT2(a, b) a##b
#define SM121PROBE_FAMILY_CAT(a, b) SM121PROBE_FAMILY_CAT2(a, b)
/// Registers a family factory: SM121PROBE_FAMILY(order, factory); at namespace scope.
#define SM121PROBE_FAMILY(order, ...)                                                                     \
  static const ::sm121probe::probes::family_registration SM121PROBE_FAMILY_CAT(sm121probe_family_, __LINE__) { \
    order, __FILE__ ":" #order, __VA_ARGS__                                                             \
  }

/// Registers a source of expected verdicts: SM121PROBE_SOURCE(key, title, url); at namespace scope.
#define SM121PROBE_SOURCE(key, title, url)                                                              \
  static const ::sm121probe::probes::source_registration SM121PROBE_FAMILY_CAT(sm121probe_source_, __LINE__) { \
    ::sm121probe::probe::expectation_source { key, title, url }                                         \
  }
