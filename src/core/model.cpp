#include "sm121probe/report/model.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <array>
#include <chrono>
#include <ctime>
#include <utility>

namespace sm121probe::report {

namespace {

template <typename E, std::size_t N>
std::string_view name_of(E value, const std::array<std::pair<E, std::string_view>, N>& table) {
  for (const auto& [e, n] : table)
    if (e == value) return n;
  return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> value_of(std::string_view name, const std::array<std::pair<E, std::string_view>, N>& table) {
  for (const auto& [e, n] : table)
    if (n == name) return e;
  return std::nullopt;
}

constexpr std::array verdict_names = {
    std::pair{verdict::native, std::string_view("native")},
    std::pair{verdict::fallback, std::string_view("fallback")},
    std::pair{verdict::failing, std::string_view("failing")},
    std::pair{verdict::skipped, std::string_view("skipped")},
    std::pair{verdict::unverified, std::string_view("unverified")},
};
constexpr std::array evidence_names = {
    std::pair{evidence::run, std::string_view("run")},
    std::pair{evidence::compile, std::string_view("compile")},
    std::pair{evidence::none, std::string_view("none")},
};
constexpr std::array mode_names = {
    std::pair{run_mode::device, std::string_view("device")},
    std::pair{run_mode::offline, std::string_view("offline")},
};
constexpr std::array stage_names = {
    std::pair{stage_kind::compile, std::string_view("compile")},
    std::pair{stage_kind::jit_link, std::string_view("jit_link")},
    std::pair{stage_kind::load, std::string_view("load")},
    std::pair{stage_kind::launch, std::string_view("launch")},
    std::pair{stage_kind::verify, std::string_view("verify")},
};

}  // namespace

std::string_view to_string(verdict v) { return name_of(v, verdict_names); }
std::string_view to_string(evidence e) { return name_of(e, evidence_names); }
std::string_view to_string(run_mode m) { return name_of(m, mode_names); }
std::string_view to_string(stage_kind s) { return name_of(s, stage_names); }
std::optional<verdict> parse_verdict(std::string_view s) { return value_of(s, verdict_names); }
std::optional<evidence> parse_evidence(std::string_view s) { return value_of(s, evidence_names); }
std::optional<run_mode> parse_run_mode(std::string_view s) { return value_of(s, mode_names); }
std::optional<stage_kind> parse_stage_kind(std::string_view s) { return value_of(s, stage_names); }

bool attempt_result::passed() const {
  if (stages.empty()) return false;
  for (const auto& s : stages)
    if (!s.ok) return false;
  return true;
}

const stage_result* attempt_result::first_failure() const {
  for (const auto& s : stages)
    if (!s.ok) return &s;
  return nullptr;
}

std::optional<std::int64_t> device_info::attribute(std::string_view key) const {
  const auto it = attributes.find(std::string(key));
  if (it == attributes.end()) return std::nullopt;
  return it->second;
}

summary summarize(const std::vector<probe_result>& probes) {
  summary s;
  for (const auto& p : probes) {
    switch (p.result) {
      case verdict::native: ++s.native; break;
      case verdict::fallback: ++s.fallback; break;
      case verdict::failing: ++s.failing; break;
      case verdict::skipped: ++s.skipped; break;
      case verdict::unverified: ++s.unverified; break;
    }
    if (!p.as_expected) ++s.unexpected;
    if (p.worse_than_expected) ++s.worse_than_expected;
    if (p.baseline && !p.baseline->ok) ++s.baseline_deviations;
  }
  return s;
}

int verdict_rank(verdict v) {
  switch (v) {
    case verdict::failing: return 0;
    case verdict::fallback: return 1;
    case verdict::native: return 2;
    case verdict::skipped: return -1;
    case verdict::unverified: return -1;  // not proven either way: never "worse", never "as expected"
  }
  return -1;
}

std::string verdict_cell(const probe_result& p) {
  std::string name(to_string(p.result));
  if (p.basis != evidence::compile || (p.result != verdict::native && p.result != verdict::fallback)) return name;
  bool sass = false, predicted = false;
  for (const auto& a : p.attempts) {
    if (!a.fallback && a.sass && !a.sass->inconclusive && (a.emulated || a.sass->expected_found)) sass = true;
    if (a.passed())
      for (const auto& s : a.stages) predicted = predicted || s.predicted;
  }
  return name + (sass ? " (SASS)" : predicted ? " (predicted)" : " (compiles)");
}

void apply_expectation(probe_result& p) {
  if (p.result == verdict::skipped) {
    // Not tested here: it can neither confirm nor contradict an expectation.
    p.as_expected = true;
    p.worse_than_expected = false;
    return;
  }
  if (p.expectation != expectation_kind::verdict) {
    p.as_expected = p.result != verdict::failing;
    p.worse_than_expected = p.result == verdict::failing;
    return;
  }
  p.as_expected = p.result == p.expected;
  const int got = verdict_rank(p.result), want = verdict_rank(p.expected);
  p.worse_than_expected = got >= 0 && want >= 0 && got < want;
}

std::string_view to_string(expectation_kind k) {
  switch (k) {
    case expectation_kind::none: return "none";
    case expectation_kind::unknown: return "unknown";
    case expectation_kind::verdict: return "verdict";
  }
  return "none";
}

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", tm);
}

}  // namespace sm121probe::report
