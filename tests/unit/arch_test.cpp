#include "sm121probe/arch.hpp"

#include <gtest/gtest.h>

namespace sm121probe {
namespace {

gpu_arch arch(std::string_view s) {
  auto n = parse_arch_name(s);
  EXPECT_TRUE(n.has_value()) << s;
  return n ? n->arch : gpu_arch{};
}

TEST(Arch, ParsesNamesWithVariants) {
  auto n = parse_arch_name("sm_121a");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->kind, code_kind::sass);
  EXPECT_EQ(n->arch, (gpu_arch{12, 1, arch_variant::arch_specific}));
  n = parse_arch_name("compute_120f");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->kind, code_kind::ptx);
  EXPECT_EQ(n->arch, (gpu_arch{12, 0, arch_variant::family}));
  EXPECT_EQ(parse_arch_name("121")->arch, (gpu_arch{12, 1}));
  EXPECT_EQ(parse_arch_name("sm80")->arch, (gpu_arch{8, 0}));
  EXPECT_EQ(parse_arch_name("12.1")->arch, (gpu_arch{12, 1}));
  EXPECT_EQ(parse_arch_name("sm_101")->arch, (gpu_arch{11, 0})) << "sm_101 is the old name of sm_110";
}

TEST(Arch, RejectsGarbage) {
  for (const char* bad : {"", "sm_", "sm_12x", "compute_", "sm_121af", "gfx90a", "sm_-1", "sm_5", "12.", ".1",
                          "sm_12.1", "12.10", "sm_99999"})
    EXPECT_FALSE(parse_arch_name(bad)) << bad;
}

TEST(Arch, NamesRoundTrip) {
  for (const char* s : {"sm_80", "sm_90a", "sm_100f", "sm_121a", "compute_80", "compute_121f"})
    EXPECT_EQ(to_string(*parse_arch_name(s)), s);
  EXPECT_EQ(cc_string(arch("sm_121")), "12.1");
}

TEST(Arch, KnownVariants) {
  EXPECT_TRUE(has_arch_specific_variant(90));
  EXPECT_FALSE(has_family_variant(90));
  EXPECT_TRUE(has_family_variant(121));
  EXPECT_FALSE(has_arch_specific_variant(89));
}

TEST(Compat, PlainSassSameMajorMinorNotHigher) {
  const gpu_arch gb10{12, 1};
  EXPECT_TRUE(sass_runs_on(arch("sm_120"), gb10).ok);
  EXPECT_TRUE(sass_runs_on(arch("sm_121"), gb10).ok);
  EXPECT_FALSE(sass_runs_on(arch("sm_121"), gpu_arch{12, 0}).ok);
  EXPECT_FALSE(sass_runs_on(arch("sm_90"), gb10).ok);
  EXPECT_FALSE(sass_runs_on(arch("sm_80"), gpu_arch{9, 0}).ok);
  EXPECT_TRUE(sass_runs_on(arch("sm_80"), gpu_arch{8, 6}).ok);
  EXPECT_TRUE(sass_runs_on(arch("sm_100"), gpu_arch{10, 3}).ok);
  EXPECT_FALSE(sass_runs_on(arch("sm_100"), gpu_arch{11, 0}).ok);
}

TEST(Compat, ArchSpecificSassOnlyExact) {
  const gpu_arch gb10{12, 1};
  const auto r = sass_runs_on(arch("sm_120a"), gb10);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("sm_120a"), std::string::npos) << r.reason;
  EXPECT_TRUE(sass_runs_on(arch("sm_121a"), gb10).ok);
  EXPECT_FALSE(sass_runs_on(arch("sm_100a"), gb10).ok);
  EXPECT_FALSE(sass_runs_on(arch("sm_90a"), gb10).ok);
}

TEST(Compat, FamilySassWithinFamily) {
  EXPECT_TRUE(sass_runs_on(arch("sm_120f"), gpu_arch{12, 1}).ok);
  EXPECT_TRUE(sass_runs_on(arch("sm_121f"), gpu_arch{12, 1}).ok);
  EXPECT_FALSE(sass_runs_on(arch("sm_121f"), gpu_arch{12, 0}).ok);
  EXPECT_FALSE(sass_runs_on(arch("sm_100f"), gpu_arch{12, 1}).ok);
}

TEST(Compat, PtxRules) {
  const gpu_arch gb10{12, 1};
  EXPECT_TRUE(ptx_jits_on(arch("compute_80"), gb10).ok);
  EXPECT_TRUE(ptx_jits_on(arch("compute_90"), gb10).ok);
  EXPECT_TRUE(ptx_jits_on(arch("compute_120"), gb10).ok);
  EXPECT_FALSE(ptx_jits_on(arch("compute_121"), gpu_arch{12, 0}).ok);
  EXPECT_TRUE(ptx_jits_on(arch("compute_120f"), gb10).ok);
  EXPECT_FALSE(ptx_jits_on(arch("compute_120f"), gpu_arch{13, 0}).ok);
  EXPECT_FALSE(ptx_jits_on(arch("compute_120a"), gb10).ok);
  EXPECT_TRUE(ptx_jits_on(arch("compute_121a"), gb10).ok);
  EXPECT_FALSE(ptx_jits_on(arch("compute_80"), gpu_arch{7, 5}).ok);
}

TEST(Compat, PtxIsaVersusDriver) {
  EXPECT_TRUE(ptx_isa_accepted({9, 0}, {13, 0}).ok);
  const auto r = ptx_isa_accepted({9, 1}, {13, 0});
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("9.1"), std::string::npos);
  EXPECT_NE(r.reason.find("9.0"), std::string::npos);
  EXPECT_FALSE(ptx_isa_accepted({8, 8}, {12, 8}).ok);
  EXPECT_TRUE(ptx_isa_accepted({8, 5}, {12, 6}).ok);
  EXPECT_TRUE(ptx_isa_accepted({9, 1}, {13, 4}).ok) << "newer driver than the table accepts the newest known ISA";
  // One rule: the limit a report header states is the limit the verdicts use (issue 12).
  const auto newer = ptx_isa_accepted({9, 2}, {13, 4});
  EXPECT_FALSE(newer.ok);
  EXPECT_NE(newer.reason.find("assumed to accept <= 9.1"), std::string::npos) << newer.reason;
  EXPECT_FALSE(ptx_isa_accepted({9, 3}, {14, 0}).ok);
  EXPECT_FALSE(max_ptx_isa_for({13, 4})->exact);
  EXPECT_EQ(describe_ptx_limit({13, 0}), "≤ 9.0");
  EXPECT_EQ(describe_ptx_limit({13, 4}), "≤ 9.1 (assumed: CUDA 13.4 is newer than 13.1, the newest release this tool knows)");
  EXPECT_EQ(max_ptx_isa_for({12, 7})->isa, (ptx_isa{8, 5}));
  EXPECT_FALSE(max_ptx_isa_for({9, 2}));
}

TEST(Compat, CudaVersionParsing) {
  EXPECT_EQ(cuda_version::from_int(13000), (cuda_version{13, 0}));
  EXPECT_EQ(cuda_version::from_int(12090), (cuda_version{12, 9}));
  EXPECT_EQ(*parse_cuda_version("12.8"), (cuda_version{12, 8}));
  EXPECT_EQ(*parse_cuda_version("13"), (cuda_version{13, 0}));
  EXPECT_FALSE(parse_cuda_version("x"));
  EXPECT_FALSE(parse_cuda_version("13.10"));
}

}  // namespace
}  // namespace sm121probe
