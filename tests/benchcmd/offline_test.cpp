// Offline `bench` (docs/bench.md, "SASS"): every benchmark kernel compiles
// where its format exists, and the SASS of its loop holds the expected tensor
// instruction count per iteration, on sm_121, sm_120, sm_90a and sm_80.
// Compiles with the real NVRTC / nvJitLink; nothing here needs a GPU.
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/bench.hpp"
#include "support/toolchain.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace sm121probe {
namespace {

using probe::bench_catalogue;
using probe::bench_compiled;
using report::bench_status;

std::map<std::string, bench_compiled> compile_all(const std::string& target) {
  const bench_catalogue& cat = cli::builtin_bench_catalogue();
  const auto arch = parse_arch_name(target);
  EXPECT_TRUE(arch.has_value());
  std::map<std::string, bench_compiled> out;
  for (const auto& spec : cat.tensor) out[spec.id()] = probe::compile_tensor_bench(testing::tools(), cat, spec, arch->arch);
  return out;
}

const std::map<std::string, bench_compiled>& compiled_for(const std::string& target) {
  static std::map<std::string, std::map<std::string, bench_compiled>> cache;
  auto it = cache.find(target);
  if (it == cache.end()) it = cache.emplace(target, compile_all(target)).first;
  return it->second;
}

int per_iteration(const report::bench_tensor& t, const std::string& cls) {
  return t.sass.per_iteration.count(cls) ? t.sass.per_iteration.at(cls) : 0;
}

// The common promise on every target: where the format exists the kernel
// compiles, its loop was located, and (where the class exists on the target)
// it holds unroll x class_per_mma instructions of the expected class.
void expect_common(const std::string& target) {
  const bench_catalogue& cat = cli::builtin_bench_catalogue();
  const auto arch = parse_arch_name(target)->arch;
  for (const auto& spec : cat.tensor) {
    SCOPED_TRACE(target + " " + spec.id());
    const report::bench_tensor& row = compiled_for(target).at(spec.id()).row;
    if (!spec.format_exists(arch)) {
      EXPECT_EQ(row.status, bench_status::format_absent);
      EXPECT_NE(row.reason.find("format absent on target"), std::string::npos) << row.reason;
      EXPECT_FALSE(row.sass.inspected);
      continue;
    }
    ASSERT_EQ(row.status, bench_status::compiled) << row.reason;
    EXPECT_FALSE(compiled_for(target).at(spec.id()).image.empty());
    EXPECT_TRUE(row.sass.inspected) << row.sass.note;
    EXPECT_EQ(row.mma_per_iteration, probe::bench_unroll);
    EXPECT_EQ(row.ops_per_mma, 2.0 * spec.m * spec.n * spec.k);
    EXPECT_EQ(row.sass.expected_per_iteration, probe::bench_unroll * spec.class_per_mma);
  }
}

TEST(BenchOffline, Sm121EveryFormatIsItsOwnTensorInstructionAndFp4IsTheFp4Opcode) {
  expect_common("sm_121");
  const auto& c = compiled_for("sm_121");
  for (const auto& [id, b] : c) {
    SCOPED_TRACE(id);
    const auto& row = b.row;
    EXPECT_EQ(row.status, bench_status::compiled) << row.reason;
    EXPECT_TRUE(row.sass.loop_confirmed) << row.sass.note;
    EXPECT_TRUE(row.sass.expected_found) << row.sass.note;
    // Nothing but the expected class in the loop.
    EXPECT_EQ(row.sass.per_iteration.size(), 1u) << row.sass.note;
    EXPECT_EQ(row.sass.spill_store_bytes.value_or(0), 0) << row.sass.note;
  }
  // FP4: the block-scaled kinds are the FP4 opcode (OMMA.SF), 8 per iteration;
  // kind::f8f6f4 FP4 is a QMMA; both need the family target.
  for (const char* id : {"tensor.mxf4.native", "tensor.nvf4.native"}) {
    EXPECT_EQ(per_iteration(c.at(id).row, "OMMA.SF"), 8) << id;
    EXPECT_EQ(c.at(id).row.target, "sm_121f") << id;
  }
  EXPECT_EQ(per_iteration(c.at("tensor.fp4-e2m1.native").row, "QMMA"), 8);
  EXPECT_EQ(per_iteration(c.at("tensor.mxf8.native").row, "QMMA.SF"), 8);
  // The dequantising fallback is f16 MMAs: K/16 per MMA.
  EXPECT_EQ(per_iteration(c.at("tensor.nvf4.fallback").row, "HMMA"), 32);
  EXPECT_EQ(per_iteration(c.at("tensor.mxf4.fallback").row, "HMMA"), 32);
  EXPECT_EQ(per_iteration(c.at("tensor.fp4-e2m1.fallback").row, "HMMA"), 16);
  EXPECT_EQ(per_iteration(c.at("tensor.nvf4.fallback").row, "OMMA.SF"), 0);
  EXPECT_EQ(c.at("tensor.nvf4.fallback").row.target, "compute_80");
  EXPECT_EQ(c.at("tensor.nvf4.fallback").row.sass_target, "sm_121a");  // nvJitLink stands in for the driver's JIT
  // FP8 in its sm_89 form is a QMMA on plain sm_121; f16 is one HMMA per MMA.
  EXPECT_EQ(per_iteration(c.at("tensor.fp8-e4m3.native").row, "QMMA"), 8);
  EXPECT_EQ(c.at("tensor.fp8-e4m3.native").row.target, "sm_121");
  EXPECT_EQ(per_iteration(c.at("tensor.bf16.native").row, "HMMA"), 8);
  EXPECT_EQ(per_iteration(c.at("tensor.s8.native").row, "IMMA"), 8);
  // ptxas -v was read.
  EXPECT_TRUE(c.at("tensor.bf16.native").row.sass.registers.has_value());
}

TEST(BenchOffline, Sm120MatchesSm121) {
  expect_common("sm_120");
  const auto& c = compiled_for("sm_120");
  for (const auto& [id, b] : c) {
    SCOPED_TRACE(id);
    EXPECT_TRUE(b.row.sass.expected_found) << b.row.sass.note;
  }
  EXPECT_EQ(per_iteration(c.at("tensor.nvf4.native").row, "OMMA.SF"), 8);
  EXPECT_EQ(c.at("tensor.nvf4.native").row.target, "sm_120f");
}

TEST(BenchOffline, Sm90aHasNoNarrowFormatsAndEmulatesFp8) {
  expect_common("sm_90a");
  const auto& c = compiled_for("sm_90a");
  for (const char* f : {"fp6-e3m2", "fp6-e2m3", "fp4-e2m1", "mxf8", "mxf4", "nvf4"}) {
    const std::string id = std::string("tensor.") + f;
    EXPECT_EQ(c.at(id + ".native").row.status, bench_status::format_absent) << id;
    EXPECT_TRUE(c.at(id + ".fallback").row.sass.expected_found) << id << c.at(id + ".fallback").row.sass.note;
  }
  for (const char* id : {"tensor.f16.native", "tensor.bf16.native", "tensor.tf32.native", "tensor.s8.native"}) {
    EXPECT_TRUE(c.at(id).row.sass.expected_found) << id << c.at(id).row.sass.note;
    EXPECT_EQ(c.at(id).row.target, "sm_90a") << id;
  }
  // FP8 mma compiles for sm_90a, but there is no QMMA: the SASS says so.
  for (const char* id : {"tensor.fp8-e4m3.native", "tensor.fp8-e5m2.native"}) {
    const auto& row = c.at(id).row;
    EXPECT_EQ(row.status, bench_status::compiled) << id;
    EXPECT_FALSE(row.sass.expected_found) << id;
    EXPECT_EQ(per_iteration(row, "QMMA"), 0) << id;
    EXPECT_NE(row.sass.note.find("QMMA does not exist on sm_90a"), std::string::npos) << row.sass.note;
  }
}

TEST(BenchOffline, Sm80HasTheAmperePathsOnly) {
  expect_common("sm_80");
  const auto& c = compiled_for("sm_80");
  for (const char* id : {"tensor.fp8-e4m3.native", "tensor.fp8-e5m2.native", "tensor.nvf4.native"})
    EXPECT_EQ(c.at(id).row.status, bench_status::format_absent) << id;
  for (const auto& [id, b] : c) {
    if (b.row.status == bench_status::format_absent) continue;
    EXPECT_TRUE(b.row.sass.expected_found) << id << ": " << b.row.sass.note;
  }
  EXPECT_EQ(per_iteration(c.at("tensor.nvf4.fallback").row, "HMMA"), 32);
  EXPECT_EQ(c.at("tensor.f16.fallback").row.sass_target, "sm_80");
}

// The loop census: two unroll factors tell the loop from the rest.
TEST(BenchLoop, CountsGrowWithTheUnrollFactorOnlyInsideTheLoop) {
  auto lc = probe::count_loop({{"HMMA", 4}}, 4, {{"HMMA", 8}}, 8);
  EXPECT_TRUE(lc.confirmed);
  EXPECT_EQ(lc.per_iteration.at("HMMA"), 8);
  EXPECT_EQ(lc.per_mma.at("HMMA"), 1.0);
  lc = probe::count_loop({{"HMMA", 16}}, 4, {{"HMMA", 32}}, 8);
  EXPECT_TRUE(lc.confirmed);
  EXPECT_EQ(lc.per_mma.at("HMMA"), 4.0);
  // One MMA outside the loop (peeled or in the epilogue): the counts do not scale.
  lc = probe::count_loop({{"HMMA", 5}}, 4, {{"HMMA", 9}}, 8);
  EXPECT_FALSE(lc.confirmed);
  EXPECT_NE(lc.note.find("HMMA (5 at unroll 4, 9 at unroll 8)"), std::string::npos) << lc.note;
  // An emulation routine called per MMA: a constant count.
  lc = probe::count_loop({{"HMMA", 2}, {"F2FP", 12}}, 4, {{"HMMA", 2}, {"F2FP", 12}}, 8);
  EXPECT_FALSE(lc.confirmed);
  EXPECT_EQ(lc.per_mma.at("HMMA"), 0.0);
  // Deleted work: nothing to count.
  lc = probe::count_loop({}, 4, {}, 8);
  EXPECT_TRUE(lc.per_iteration.empty());
}

}  // namespace
}  // namespace sm121probe
