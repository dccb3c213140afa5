// Real NVRTC and nvJitLink (no GPU) for the architecture-feature probes: each
// kernel compiles exactly where its instruction set exists, the rejections
// carry ptxas' message, and the offline image.load predictions agree with the
// documented compatibility rules (arch.hpp) for every image and architecture.
#include "support/toolchain.hpp"
#include "sm121probe/arch.hpp"
#include "sm121probe/kernels.hpp"
#include "sm121probe/nvrtc/toolchain.hpp"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/runner.hpp"

#include <gtest/gtest.h>

namespace sm121probe {
namespace {

using testing::tools;

const probe::probe& probe_named(const std::string& id) {
  const auto* p = cli::builtin_catalogue().find(id);
  if (!p) throw std::runtime_error("no probe " + id);
  return *p;
}

nvrtc::compile_result compile(const std::string& id, const std::string& target) {
  const auto& p = probe_named(id);
  const auto src = cli::builtin_catalogue().kernel(p.kernel);
  if (!src) throw std::runtime_error(p.kernel + " is not embedded");
  nvrtc::compile_request rq;
  rq.name = std::string(src->path);
  rq.source = src->text;
  rq.target = target;
  rq.headers = cli::builtin_catalogue().headers;
  return tools().compile(rq);
}

gpu_arch arch(const std::string& name) { return parse_arch_name(name)->arch; }

TEST(FeatureKernels, Tcgen05CompilesOnlyForDatacenterBlackwell) {
  for (const char* id : {"tcgen05.alloc", "tcgen05.mma", "tcgen05.ld"}) {
    for (const char* ok : {"sm_100a", "sm_100f", "sm_103a"}) {
      const auto r = compile(id, ok);
      EXPECT_TRUE(r.ok) << id << " for " << ok << ":\n" << r.log;
      EXPECT_TRUE(nvrtc::extract_warnings(r.log).empty()) << id << " for " << ok << ":\n" << r.log;
    }
    for (const char* no : {"sm_100", "sm_90a", "sm_120a", "sm_121", "sm_121f", "sm_121a"}) {
      const auto r = compile(id, no);
      EXPECT_FALSE(r.ok) << id << " for " << no;
      EXPECT_NE(r.log.find("Instruction 'tcgen05."), std::string::npos) << id << " for " << no << ":\n" << r.log;
      EXPECT_NE(r.log.find(std::string("not supported on .target '") + no + "'"), std::string::npos) << r.log;
    }
  }
  EXPECT_NE(compile("tcgen05.mma", "sm_121").log.find("Instruction 'tcgen05.mma' not supported"), std::string::npos)
      << "the log names the MMA itself, not only the allocation";
}

TEST(FeatureKernels, WgmmaCompilesOnlyForSm90a) {
  const auto r = compile("wgmma.mma_async", "sm_90a");
  EXPECT_TRUE(r.ok) << r.log;
  EXPECT_TRUE(nvrtc::extract_warnings(r.log).empty()) << r.log;
  for (const char* no : {"sm_90", "sm_100a", "sm_120a", "sm_121", "sm_121f", "sm_121a"}) {
    const auto bad = compile("wgmma.mma_async", no);
    EXPECT_FALSE(bad.ok) << no;
    EXPECT_NE(bad.log.find("'wgmma.mma_async with floating point types' not supported"), std::string::npos)
        << no << ":\n" << bad.log;
  }
}

TEST(FeatureKernels, Sm90FeaturesCompileForPlainSm121AndNotForSm89) {
  for (const char* id : {"tma.bulk", "tma.tensor", "cluster.launch", "cluster.dsmem", "stmatrix", "elect.sync"}) {
    for (const char* ok : {"sm_90", "sm_100", "sm_120", "sm_121"}) {
      const auto r = compile(id, ok);
      EXPECT_TRUE(r.ok) << id << " for " << ok << ":\n" << r.log;
    }
    const auto old = compile(id, "sm_89");
    EXPECT_FALSE(old.ok) << id;
    EXPECT_NE(old.log.find("requires .target sm_90 or higher"), std::string::npos) << id << ":\n" << old.log;
  }
}

TEST(FeatureKernels, Sm80PathKernelsCompileForSm80AndSm121) {
  for (const char* id : {"cp.async", "redux.sync", "smem.max", "um.managed", "image.load.sm_121"})
    for (const char* target : {"sm_80", "sm_121", "compute_80"}) {
      const auto r = compile(id, target);
      EXPECT_TRUE(r.ok) << id << " for " << target << ":\n" << r.log;
    }
}

TEST(CompileVariant, TensorCoreOfflineVerdictInputs) {
  const auto& p = probe_named("tcgen05.mma");
  // sm_121: every native form rejected, the sm_100a image compiles but is predicted not to load.
  auto native = probe::compile_variant(tools(), cli::builtin_catalogue(), p, p.variants[0], arch("sm_121"), true);
  EXPECT_FALSE(native.device_ready);
  EXPECT_EQ(native.attempt.target, "sm_121");
  ASSERT_EQ(native.attempt.notes.size(), 2u);
  EXPECT_EQ(native.attempt.notes[0].rfind("sm_121f rejected: ", 0), 0u) << native.attempt.notes[0];
  EXPECT_EQ(native.attempt.notes[1].rfind("sm_121a rejected: ", 0), 0u) << native.attempt.notes[1];
  auto home = probe::compile_variant(tools(), cli::builtin_catalogue(), p, p.variants[1], arch("sm_121"), true);
  ASSERT_EQ(home.attempt.stages.size(), 2u);
  EXPECT_TRUE(home.attempt.stages[0].ok);
  EXPECT_TRUE(home.attempt.stages[1].predicted);
  EXPECT_FALSE(home.attempt.stages[1].ok);
  EXPECT_EQ(home.attempt.stages[1].error, "CUDA_ERROR_NO_BINARY_FOR_GPU");
  // sm_100a: the family target is the least specific that accepts tcgen05.
  native = probe::compile_variant(tools(), cli::builtin_catalogue(), p, p.variants[0], arch("sm_100a"), true);
  EXPECT_TRUE(native.device_ready);
  EXPECT_EQ(native.attempt.target, "sm_100f");
  home = probe::compile_variant(tools(), cli::builtin_catalogue(), p, p.variants[1], arch("sm_100a"), true);
  EXPECT_TRUE(home.device_ready);
  EXPECT_TRUE(home.attempt.passed());
}

// The device architectures of the expectation table, their a/f forms where the
// report may be asked for them, and the architectures the images are built for.
const std::vector<std::string> device_targets = {"sm_80",  "sm_86",   "sm_89",   "sm_90",  "sm_90a",
                                                 "sm_100", "sm_100a", "sm_120",  "sm_120a", "sm_121",
                                                 "sm_121a", "sm_121f"};

TEST(ImageLoadOffline, PredictionsFollowTheCompatibilityRules) {
  for (const auto& p : cli::builtin_catalogue().probes) {
    if (p.id.rfind("image.load.", 0) != 0) continue;
    const auto image = parse_arch_name(p.variants.at(0).target.name);
    ASSERT_TRUE(image) << p.id;
    for (const auto& device_name : device_targets) {
      const gpu_arch device = arch(device_name);
      const compat_result rule =
          image->kind == code_kind::sass ? sass_runs_on(image->arch, device) : ptx_jits_on(image->arch, device);
      const auto cv = probe::compile_variant(tools(), cli::builtin_catalogue(), p, p.variants[0], device, true);
      EXPECT_TRUE(cv.attempt.stages.at(0).ok) << p.id << ": the image itself must build";
      EXPECT_EQ(cv.attempt.passed(), rule.ok)
          << p.id << " on " << device_name << ": rule says " << (rule.ok ? "loads" : rule.reason) << "; stages:\n"
          << [&] {
               std::string s;
               for (const auto& st : cv.attempt.stages)
                 s += std::string(report::to_string(st.stage)) + " " + (st.ok ? "ok" : st.error) + " " + st.log + "\n";
               return s;
             }();
    }
  }
}

TEST(ImageLoadOffline, TheDocumentedGb10Examples) {
  const auto loads = [](const std::string& image) {
    const auto& p = probe_named("image.load." + image);
    return probe::compile_variant(tools(), cli::builtin_catalogue(), p, p.variants[0], arch("sm_121"), true).attempt.passed();
  };
  EXPECT_TRUE(loads("sm_120")) << "plain sm_120 SASS loads on 12.1";
  EXPECT_FALSE(loads("sm_120a")) << "sm_120a SASS runs only on 12.0";
  EXPECT_TRUE(loads("sm_120f"));
  EXPECT_TRUE(loads("sm_121"));
  EXPECT_TRUE(loads("sm_121a"));
  EXPECT_FALSE(loads("sm_100a"));
  EXPECT_FALSE(loads("sm_90"));
  EXPECT_TRUE(loads("compute_120"));
  EXPECT_TRUE(loads("compute_121a"));
  EXPECT_TRUE(loads("compute_80"));
}

TEST(ImageLoadOffline, ArchSpecificPtxOfAnotherMinorIsNotPredictedLoadable) {
  // compute_120a PTX is for exactly 12.0: the JIT link standing in for the driver must refuse 12.1,
  // while family PTX (compute_120f) moves to 12.1.
  const auto& p = probe_named("image.load.compute_121a");
  const probe::variant a{"image", probe::target_spec::fixed("compute_120a"), false, {}};
  const probe::variant f{"image", probe::target_spec::fixed("compute_120f"), false, {}};
  const auto on121 = probe::compile_variant(tools(), cli::builtin_catalogue(), p, a, arch("sm_121"), true);
  EXPECT_FALSE(on121.attempt.passed());
  ASSERT_GE(on121.attempt.stages.size(), 2u);
  EXPECT_EQ(on121.attempt.stages[1].stage, report::stage_kind::jit_link);
  EXPECT_FALSE(ptx_jits_on(arch("sm_120a"), arch("sm_121")).ok);
  EXPECT_TRUE(probe::compile_variant(tools(), cli::builtin_catalogue(), p, a, arch("sm_120"), true).attempt.passed());
  EXPECT_TRUE(probe::compile_variant(tools(), cli::builtin_catalogue(), p, f, arch("sm_121"), true).attempt.passed());
  EXPECT_FALSE(probe::compile_variant(tools(), cli::builtin_catalogue(), p, f, arch("sm_100a"), true).attempt.passed());
}

}  // namespace
}  // namespace sm121probe
