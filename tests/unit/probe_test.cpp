#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/expectations.hpp"
#include "sm121probe/probe/probe.hpp"
#include "sm121probe/probe/runner.hpp"
#include "sm121probe/util/glob.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <set>

namespace sm121probe::probe {
namespace {

TEST(HalfConversions, RoundTripEveryHalf) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const float f = half_to_float(static_cast<std::uint16_t>(h));
    if (std::isnan(f)) continue;
    EXPECT_EQ(float_to_half(f), h) << std::hex << h;
  }
}

TEST(HalfConversions, KnownValuesAndRounding) {
  EXPECT_EQ(half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_to_float(0xc000), -2.0f);
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_TRUE(std::isinf(half_to_float(0x7c00)));
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00) << "tie rounds to even";
  EXPECT_EQ(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02) << "tie rounds to even (up)";
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00) << "overflow to infinity";
  EXPECT_EQ(float_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16_to_float(0xc040), -3.0f);
  EXPECT_EQ(float_to_bf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80) << "bf16 tie to even";
}

TEST(Compare, CountsMismatchesAndErrors) {
  expectation e;
  e.type = elem_type::f32;
  e.values = {1.0, 2.0, 3.0, std::numeric_limits<double>::quiet_NaN()};
  e.tol = {0.0, 1e-6};
  std::vector<std::byte> got(16);
  write_element(got, elem_type::f32, 0, 1.0);
  write_element(got, elem_type::f32, 1, 2.5);
  write_element(got, elem_type::f32, 2, 3.0);
  write_element(got, elem_type::f32, 3, std::numeric_limits<double>::quiet_NaN());
  const auto o = compare(got, e);
  EXPECT_EQ(o.mismatches, 1u);
  EXPECT_DOUBLE_EQ(o.max_abs_err, 0.5);
  EXPECT_DOUBLE_EQ(o.max_rel_err, 0.25);
  EXPECT_NE(o.first_mismatch.find("element 1"), std::string::npos);
}

TEST(Compare, ShortBufferIsAMismatch) {
  expectation e;
  e.type = elem_type::s32;
  e.values = {1, 2, 3};
  std::vector<std::byte> got(4);
  write_element(got, elem_type::s32, 0, 1);
  EXPECT_EQ(compare(got, e).mismatches, 2u);
}

TEST(Glob, Matches) {
  using util::glob_match;
  EXPECT_TRUE(glob_match("mma.*", "mma.f16"));
  EXPECT_TRUE(glob_match("*", "anything"));
  EXPECT_TRUE(glob_match("*", ""));
  EXPECT_TRUE(glob_match("mma.?16", "mma.f16"));
  EXPECT_FALSE(glob_match("mma.*", "cuda.fma"));
  EXPECT_FALSE(glob_match("mma.*", "mma"));
  EXPECT_TRUE(glob_match("*.f16*", "mma.f16f16"));
  EXPECT_FALSE(glob_match("mma", "mma.f16"));
  EXPECT_TRUE(glob_match("*.sm_12?", "image.load.sm_120"));
  EXPECT_FALSE(glob_match("*.sm_12?", "image.load.sm_120a"));
  EXPECT_TRUE(glob_match("a*b*c", "aXXbYYbc")) << "backtracks to the last star";
  EXPECT_FALSE(glob_match("a*b*c", "aXXbYYb"));
}

TEST(Registry, InvariantsHold) {
  std::set<std::string> ids;
  const std::regex id_re("^[a-z0-9]+([._-][a-z0-9]+)*$");
  for (const auto& p : cli::builtin_catalogue().probes) {
    EXPECT_TRUE(ids.insert(p.id).second) << "duplicate id " << p.id;
    EXPECT_TRUE(std::regex_match(p.id, id_re)) << p.id;
    EXPECT_FALSE(p.description.empty()) << p.id;
    EXPECT_EQ(p.description.find('\n'), std::string::npos) << p.id << ": description must be one line";
    EXPECT_FALSE(p.category.empty()) << p.id;
    EXPECT_TRUE(cli::builtin_catalogue().kernel(p.kernel).has_value()) << p.id << ": kernel " << p.kernel << " not embedded";
    EXPECT_FALSE(p.variants.empty()) << p.id;
    EXPECT_TRUE(p.make_case) << p.id;
    EXPECT_TRUE(p.reference || p.program) << p.id << ": needs a CPU reference or its own program";
    std::set<std::string> labels;
    for (const auto& v : p.variants) EXPECT_TRUE(labels.insert(v.label).second) << p.id << " " << v.label;
  }
}

TEST(Registry, TestCasesAreDeterministicAndConsistent) {
  const exec_facts facts{gpu_arch{12, 1}, nullptr};
  for (const auto& p : cli::builtin_catalogue().probes) {
    const test_case a = p.make_case(facts), b = p.make_case(facts);
    ASSERT_EQ(a.buffers.size(), b.buffers.size()) << p.id;
    for (std::size_t i = 0; i < a.buffers.size(); ++i) EXPECT_EQ(a.buffers[i].init, b.buffers[i].init) << p.id;
    for (const auto& arg : a.args) {
      if (arg.buffer_index) {
        EXPECT_LT(*arg.buffer_index, a.buffers.size()) << p.id;
      }
    }
    if (!p.reference) continue;
    for (const auto& e : p.reference(a)) {
      ASSERT_LT(e.buffer_index, a.buffers.size()) << p.id;
      EXPECT_EQ(e.values.size() * elem_size(e.type), a.buffers[e.buffer_index].init.size())
          << p.id << ": expectation must cover the whole output buffer";
    }
  }
}

TEST(Registry, SelectionByGlobs) {
  EXPECT_EQ(cli::builtin_catalogue().select({}, {}).size(), cli::builtin_catalogue().probes.size());
  const auto mma = cli::builtin_catalogue().select({"mma.*"}, {});
  ASSERT_FALSE(mma.empty());
  for (const auto* p : mma) EXPECT_EQ(p->id.rfind("mma.", 0), 0u);
  const auto no_bf16 = cli::builtin_catalogue().select({"mma.*"}, {"mma.bf16"});
  EXPECT_EQ(no_bf16.size(), mma.size() - 1);
  EXPECT_TRUE(cli::builtin_catalogue().select({"nothing*"}, {}).empty());
}

TEST(Kernels, SharedHeadersAreEmbedded) {
  bool found = false;
  for (const auto& h : cli::builtin_catalogue().headers) found = found || h.path == "kernels/mma_layout.cuh";
  EXPECT_TRUE(found);
  const auto k = cli::builtin_catalogue().kernel("mma_sm80.cu");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->path, "kernels/mma_sm80.cu");
  EXPECT_NE(k->text.find("SM121_PTX_MMA_F16_F32"), std::string_view::npos);
  EXPECT_EQ(k->text.data()[k->text.size()], '\0') << "embedded text is NUL-terminated";
}

report::attempt_result attempt(const char* label, bool fallback, bool ok, report::stage_kind fail_at,
                               const char* error = "CUDA_ERROR_NO_BINARY_FOR_GPU") {
  report::attempt_result a;
  a.variant = label;
  a.target = fallback ? "compute_80" : "sm_121";
  a.fallback = fallback;
  for (auto k : {report::stage_kind::compile, report::stage_kind::load, report::stage_kind::launch,
                 report::stage_kind::verify}) {
    report::stage_result s;
    s.stage = k;
    s.ok = ok || k != fail_at;
    if (!s.ok) s.error = error;
    a.stages.push_back(s);
    if (!s.ok) break;
  }
  return a;
}

TEST(Classify, NativeFallbackFailing) {
  using report::stage_kind;
  using report::verdict;
  EXPECT_EQ(classify({attempt("native", false, true, stage_kind::load), attempt("ptx", true, true, stage_kind::load)})
                .result,
            verdict::native);
  const auto fb =
      classify({attempt("native", false, false, stage_kind::load), attempt("ptx", true, true, stage_kind::load)});
  EXPECT_EQ(fb.result, verdict::fallback);
  EXPECT_NE(fb.reason.find("CUDA_ERROR_NO_BINARY_FOR_GPU"), std::string::npos) << fb.reason;
  EXPECT_NE(fb.reason.find("only ptx"), std::string::npos) << fb.reason;
  const auto bad = classify({attempt("native", false, false, stage_kind::verify, "mismatch"),
                             attempt("ptx", true, false, stage_kind::launch, "CUDA_ERROR_LAUNCH_FAILED")});
  EXPECT_EQ(bad.result, verdict::failing);
  EXPECT_NE(bad.reason.find("verify"), std::string::npos);
  EXPECT_NE(bad.reason.find("CUDA_ERROR_LAUNCH_FAILED"), std::string::npos);
  EXPECT_EQ(classify({}).result, verdict::failing);
}

TEST(Classify, InconclusiveSassIsUnverifiedNeverNative) {
  auto a = attempt("native", false, true, report::stage_kind::load);
  a.sass = report::sass_summary{};
  a.sass->expected_class = "IMMA";
  a.sass->note = "mma.s4: whether sm_75 has IMMA is not known";
  a.sass->inconclusive = true;
  const auto c = classify({a, attempt("ptx", true, true, report::stage_kind::load)});
  EXPECT_EQ(c.result, report::verdict::unverified);
  EXPECT_NE(c.reason.find("SASS check inconclusive"), std::string::npos) << c.reason;
  EXPECT_NE(c.reason.find("not known"), std::string::npos) << c.reason;
  a.sass->inconclusive = false;
  a.sass->expected_found = true;
  EXPECT_EQ(classify({a}).result, report::verdict::native);
  // Emulation settles it, inconclusive or not.
  a.emulated = true;
  EXPECT_EQ(classify({a}).result, report::verdict::fallback);
}

TEST(RunTimeQuestions, ReadFromTheTestCase) {
  probe p;
  p.id = "x";
  const auto with = [&](auto edit) {
    p.make_case = [edit](const exec_facts&) {
      test_case tc;
      tc.buffers = {{"out", std::vector<std::byte>(4)}};
      edit(tc);
      return tc;
    };
    return asks_at_run_time(p, {12, 1});
  };
  EXPECT_FALSE(with([](test_case&) {}));
  EXPECT_TRUE(with([](test_case& tc) { tc.launch.cluster = {2, 1, 1}; })) << "a cluster launch";
  EXPECT_TRUE(with([](test_case& tc) { tc.launch.dynamic_smem_bytes = 48 * 1024 + 16; })) << "an opt-in";
  EXPECT_FALSE(with([](test_case& tc) { tc.launch.dynamic_smem_bytes = 48 * 1024; })) << "within the default";
  EXPECT_TRUE(with([](test_case& tc) { tc.buffers[0].memory = memory_kind::managed; })) << "managed memory";
  EXPECT_TRUE(with([](test_case& tc) { tc.buffers[0].memory = memory_kind::pageable; }));
  p.make_case = [](const exec_facts&) -> test_case { throw std::runtime_error("needs a device"); };
  EXPECT_FALSE(asks_at_run_time(p, {12, 1}));
  p.runtime_only = true;
  EXPECT_TRUE(asks_at_run_time(p, {12, 1}));
  // Every probe of the catalogue that launches a cluster is a run-time question.
  for (const auto& q : cli::builtin_catalogue().probes) {
    if (q.category == "cluster") {
      EXPECT_TRUE(asks_at_run_time(q, {12, 1})) << q.id;
    }
  }
  EXPECT_FALSE(asks_at_run_time(*cli::builtin_catalogue().find("mma.f16"), {12, 1}));
}

TEST(Classify, EmulatedNativeIsFallback) {
  auto a = attempt("native", false, true, report::stage_kind::load);
  a.emulated = true;
  const auto c = classify({a});
  EXPECT_EQ(c.result, report::verdict::fallback);
  EXPECT_EQ(c.reason.rfind("emulated", 0), 0u) << c.reason;
}

TEST(Expectations, ApplyRules) {
  report::probe_result p;
  p.expectation = report::expectation_kind::verdict;
  p.expected = report::verdict::failing;
  p.result = report::verdict::failing;
  report::apply_expectation(p);
  EXPECT_TRUE(p.as_expected);
  EXPECT_FALSE(p.worse_than_expected) << "an expected failure does not fail the run";
  p.expected = report::verdict::native;
  p.result = report::verdict::fallback;
  report::apply_expectation(p);
  EXPECT_FALSE(p.as_expected);
  EXPECT_TRUE(p.worse_than_expected);
  p.result = report::verdict::native;
  p.expected = report::verdict::fallback;
  report::apply_expectation(p);
  EXPECT_FALSE(p.as_expected) << "better than expected is news";
  EXPECT_FALSE(p.worse_than_expected);
  p.expectation = report::expectation_kind::unknown;
  p.result = report::verdict::failing;
  report::apply_expectation(p);
  EXPECT_TRUE(p.worse_than_expected) << "failing without a definite expectation counts as unexpected";
  p.expectation = report::expectation_kind::none;
  p.result = report::verdict::fallback;
  report::apply_expectation(p);
  EXPECT_TRUE(p.as_expected);
  p.expectation = report::expectation_kind::verdict;
  p.expected = report::verdict::native;
  p.result = report::verdict::skipped;
  report::apply_expectation(p);
  EXPECT_TRUE(p.as_expected) << "not tested: no contradiction";
  EXPECT_FALSE(p.worse_than_expected);
}

TEST(Expectations, ReadFromTheProbe) {
  const probe& mma = *cli::builtin_catalogue().find("mma.f16");
  const auto e = expected_for(mma, gpu_arch{12, 1, arch_variant::arch_specific});
  EXPECT_EQ(e.kind, report::expectation_kind::verdict);
  EXPECT_EQ(e.verdict, report::verdict::native);
  EXPECT_FALSE(e.source.empty());
  EXPECT_EQ(expected_for(mma, gpu_arch{7, 5}).kind, report::expectation_kind::none);
  EXPECT_EQ(expectation_archs().size(), 7u);

  probe p;
  EXPECT_EQ(expected_for(p, gpu_arch{12, 1}).kind, report::expectation_kind::none) << "no cells: no expectation";
  EXPECT_EQ(expectation_problem(p), "");
  p.expected = {{"native", "native", "native", "fallback", "", "unknown", "failing"}, "ptx-mma"};
  EXPECT_EQ(expectation_problem(p), "");
  EXPECT_EQ(expected_for(p, gpu_arch{9, 0}).verdict, report::verdict::fallback);
  EXPECT_EQ(expected_for(p, gpu_arch{10, 0}).kind, report::expectation_kind::none);
  EXPECT_EQ(expected_for(p, gpu_arch{12, 0}).kind, report::expectation_kind::unknown);
  EXPECT_EQ(expected_for(p, gpu_arch{12, 1}).verdict, report::verdict::failing);
  EXPECT_EQ(expected_for(p, gpu_arch{12, 1}).source, "ptx-mma");

  p.expected.cells.pop_back();
  EXPECT_NE(expectation_problem(p), "") << "a missing column";
  p.expected = {{"native", "native", "native", "native", "native", "native", "nativ"}, "ptx-mma"};
  EXPECT_NE(expectation_problem(p), "") << "a cell that is no verdict";
  p.expected = {{"native", "native", "native", "native", "native", "native", "native"}, ""};
  EXPECT_NE(expectation_problem(p), "") << "no source";
}

TEST(Expectations, EveryProbeOfTheCatalogueHasAValidRowWithAKnownSource) {
  const auto& cat = cli::builtin_catalogue();
  for (const auto& p : cat.probes) {
    EXPECT_EQ(expectation_problem(p), "") << p.id;
    if (p.expected.source.empty()) continue;
    bool known = false;
    for (const auto& s : cat.sources) known = known || s.key == p.expected.source;
    EXPECT_TRUE(known) << p.id << ": source key '" << p.expected.source << "' is not among the catalogue's sources";
  }
}

TEST(JitTarget, UsesArchSpecificFormWhereItExists) {
  EXPECT_EQ(jit_target_for({12, 1}), "sm_121a");
  EXPECT_EQ(jit_target_for({9, 0}), "sm_90a");
  EXPECT_EQ(jit_target_for({8, 0}), "sm_80");
  EXPECT_EQ(jit_target_for({7, 5}), "sm_75");
}

}  // namespace
}  // namespace sm121probe::probe
