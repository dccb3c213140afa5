// Real NVRTC and nvJitLink (no GPU needed): every probe compiles where it
// should, failures carry the ptxas message, nvJitLink produces SASS.
#include "support/toolchain.hpp"
#include "sm121probe/kernels.hpp"
#include "sm121probe/nvrtc/toolchain.hpp"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/runner.hpp"

#include <gtest/gtest.h>

#include <cstring>

namespace sm121probe {
namespace {

using testing::tools;

// ELF header facts of a cubin: machine and the SM number (CUDA 13 layout: e_flags bits 8-15).
struct cubin_facts {
  bool elf = false;
  unsigned machine = 0;
  unsigned sm = 0;
};

cubin_facts inspect(const std::vector<std::byte>& img) {
  cubin_facts f;
  if (img.size() < 64) return f;
  const auto* b = reinterpret_cast<const unsigned char*>(img.data());
  f.elf = b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
  std::uint16_t machine = 0;
  std::uint32_t flags = 0;
  std::memcpy(&machine, b + 18, 2);
  std::memcpy(&flags, b + 48, 4);
  f.machine = machine;
  f.sm = b[8] >= 8 ? (flags >> 8) & 0xff : flags & 0xff;  // EI_ABIVERSION 8 = CUDA 13 layout
  return f;
}

nvrtc::compile_request request_for(const probe::probe& p, const std::string& target) {
  const auto src = cli::builtin_catalogue().kernel(p.kernel);
  EXPECT_TRUE(src) << p.kernel;
  nvrtc::compile_request rq;
  rq.name = std::string(src->path);
  rq.source = src->text;
  rq.target = target;
  rq.headers = cli::builtin_catalogue().headers;
  return rq;
}

TEST(Nvrtc, VersionAndArchitectures) {
  EXPECT_FALSE(tools().nvrtc_version().empty());
  const auto archs = tools().supported_archs();
  EXPECT_NE(std::find(archs.begin(), archs.end(), 80), archs.end());
  EXPECT_NE(std::find(archs.begin(), archs.end(), 121), archs.end()) << "this toolkit must know sm_121";
  EXPECT_FALSE(tools().nvjitlink_version().empty()) << tools().nvjitlink_error();
}

class EveryProbe : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryProbe, CompilesForTheSm80PathTargets) {
  // The sm_80 battery: SASS for sm_80, sm_90 and sm_121a, plus compute_80 PTX.
  for (const auto& p : cli::builtin_catalogue().probes) {
    bool sm80_path = false;
    for (const auto& v : p.variants) sm80_path = sm80_path || v.target.name == "compute_80";
    if (!sm80_path) continue;
    const auto r = tools().compile(request_for(p, GetParam()));
    ASSERT_TRUE(r.ok) << p.id << " for " << GetParam() << ": " << r.status << "\n" << r.log;
    const auto facts = inspect(r.image);
    if (GetParam().starts_with("sm_")) {
      EXPECT_TRUE(facts.elf) << p.id;
      EXPECT_EQ(facts.machine, 190u) << "EM_CUDA";
      EXPECT_EQ(facts.sm, static_cast<unsigned>(std::stoi(GetParam().substr(3)))) << p.id;
    } else {
      const std::string ptx(reinterpret_cast<const char*>(r.image.data()));
      EXPECT_NE(ptx.find(".target sm_80"), std::string::npos) << p.id;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, EveryProbe, ::testing::Values("sm_80", "sm_90", "sm_121a", "compute_80"));

TEST(Nvrtc, Bf16MmaOnSm75FailsWithThePtxasMessage) {
  const auto r = tools().compile(request_for(*cli::builtin_catalogue().find("mma.bf16"), "sm_75"));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.status, "NVRTC_ERROR_COMPILATION");
  EXPECT_NE(r.log.find("ptxas"), std::string::npos) << r.log;
  EXPECT_NE(r.log.find("requires .target sm_80 or higher"), std::string::npos) << r.log;
  EXPECT_TRUE(r.image.empty());
}

TEST(Nvrtc, PtxCompileValidatesNothingButCubinDoes) {
  // Why offline verdicts need SASS: compute_* accepts instructions ptxas would reject.
  const auto ptx = tools().compile(request_for(*cli::builtin_catalogue().find("mma.bf16"), "compute_75"));
  EXPECT_TRUE(ptx.ok) << "NVRTC does not assemble inline PTX for compute_* targets";
  const auto sass = tools().compile(request_for(*cli::builtin_catalogue().find("mma.bf16"), "sm_75"));
  EXPECT_FALSE(sass.ok);
}

TEST(NvJitLink, TurnsSm80PtxIntoSm121Sass) {
  const auto ptx = tools().compile(request_for(*cli::builtin_catalogue().find("mma.f16"), "compute_80"));
  ASSERT_TRUE(ptx.ok) << ptx.log;
  ASSERT_EQ(ptx.kind, nvrtc::image_kind::ptx);
  const auto link = tools().jit_link(ptx.image, "sm_121");
  ASSERT_TRUE(link.ok) << link.status << "\n" << link.log;
  const auto facts = inspect(link.cubin);
  EXPECT_TRUE(facts.elf);
  EXPECT_EQ(facts.machine, 190u);
  EXPECT_EQ(facts.sm, 121u);
}

TEST(NvJitLink, RejectsPtxForANewerArchitecture) {
  const auto ptx = tools().compile(request_for(*cli::builtin_catalogue().find("mma.f16"), "compute_80"));
  ASSERT_TRUE(ptx.ok);
  const auto link = tools().jit_link(ptx.image, "sm_75");
  EXPECT_FALSE(link.ok);
  EXPECT_FALSE(link.status.empty());
  EXPECT_NE(nvrtc::first_error_line(link.log).find("fatal"), std::string::npos) << link.log;
}

TEST(CompileVariant, NativeRecordsLeastSpecificTargetAndNotes) {
  const auto& p = *cli::builtin_catalogue().find("mma.f16");
  const auto cv = probe::compile_variant(tools(), cli::builtin_catalogue(), p, p.variants.at(0), gpu_arch{12, 1}, true);
  EXPECT_TRUE(cv.device_ready);
  EXPECT_EQ(cv.attempt.target, "sm_121") << "plain sm_121 accepts the sm_80 MMA";
  EXPECT_TRUE(cv.attempt.notes.empty());
  const auto off = probe::compile_variant(tools(), cli::builtin_catalogue(), p, p.variants.at(1), gpu_arch{12, 1}, true);
  ASSERT_EQ(off.attempt.stages.size(), 2u);
  EXPECT_EQ(off.attempt.stages[1].stage, report::stage_kind::jit_link);
  EXPECT_TRUE(off.attempt.stages[1].ok) << off.attempt.stages[1].log;
  EXPECT_EQ(inspect(off.image).sm, 121u) << "offline verdicts rest on SASS actually produced";
}

TEST(CompileVariant, FixedSassForAnotherArchitectureGetsAPredictedLoad) {
  probe::probe p = *cli::builtin_catalogue().find("cuda.fma");
  const probe::variant v{"sm120a", probe::target_spec::fixed("sm_120a"), false, {}};
  const auto cv = probe::compile_variant(tools(), cli::builtin_catalogue(), p, v, gpu_arch{12, 1}, true);
  ASSERT_EQ(cv.attempt.stages.size(), 2u);
  EXPECT_TRUE(cv.attempt.stages[0].ok);
  const auto& load = cv.attempt.stages[1];
  EXPECT_EQ(load.stage, report::stage_kind::load);
  EXPECT_TRUE(load.predicted);
  EXPECT_FALSE(load.ok) << "sm_120a SASS does not load on 12.1";
  EXPECT_EQ(load.error, "CUDA_ERROR_NO_BINARY_FOR_GPU");
  const probe::variant plain{"sm120", probe::target_spec::fixed("sm_120"), false, {}};
  const auto ok = probe::compile_variant(tools(), cli::builtin_catalogue(), p, plain, gpu_arch{12, 1}, true);
  ASSERT_EQ(ok.attempt.stages.size(), 2u);
  EXPECT_TRUE(ok.attempt.stages[1].ok) << "sm_120 SASS loads on 12.1";
}

TEST(CompileVariant, OfflinePtxIsCheckedAgainstAnAssumedDriver) {
  const auto& p = *cli::builtin_catalogue().find("mma.f16");
  const auto& ptx_variant = p.variants.at(1);
  ASSERT_EQ(ptx_variant.target.name, "compute_80");
  // NVRTC 13.0 writes PTX ISA 9.0: a CUDA 12.8 driver (ISA <= 8.7) refuses it at load.
  const auto old = probe::compile_variant(tools(), cli::builtin_catalogue(), p, ptx_variant, gpu_arch{12, 1}, true, cuda_version{12, 8});
  ASSERT_EQ(old.attempt.stages.size(), 3u);
  const auto& load = old.attempt.stages[2];
  EXPECT_EQ(load.stage, report::stage_kind::load);
  EXPECT_TRUE(load.predicted);
  EXPECT_FALSE(load.ok);
  EXPECT_EQ(load.error, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION");
  EXPECT_NE(load.log.find("8.7"), std::string::npos) << load.log;
  EXPECT_FALSE(old.device_ready);
  const auto current =
      probe::compile_variant(tools(), cli::builtin_catalogue(), p, ptx_variant, gpu_arch{12, 1}, true, parse_cuda_version(tools().nvrtc_version()));
  ASSERT_EQ(current.attempt.stages.size(), 3u);
  EXPECT_TRUE(current.attempt.stages[2].ok) << current.attempt.stages[2].log;
  // Without an assumed driver there is no such stage.
  EXPECT_EQ(probe::compile_variant(tools(), cli::builtin_catalogue(), p, ptx_variant, gpu_arch{12, 1}, true).attempt.stages.size(), 2u);
}

TEST(Toolchain, MissingNvrtcIsReported) {
  ::setenv("SM121PROBE_NVRTC_LIBRARY", "/nonexistent/libnvrtc.so", 1);
  const auto r = nvrtc::load_toolchain();
  ::unsetenv("SM121PROBE_NVRTC_LIBRARY");
  EXPECT_FALSE(r.tools);
  EXPECT_NE(r.error.find("NVRTC"), std::string::npos);
}

}  // namespace
}  // namespace sm121probe
