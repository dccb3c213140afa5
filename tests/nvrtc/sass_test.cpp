// The SASS inspection (probe/sass.hpp, docs/classification.md) with the real
// NVRTC: instruction classes derived per target from reference kernels, the
// known native / emulated cases, and the encoding facts the rule relies on.
// No GPU is needed: everything here is compilation and reading cubins.
#include "support/toolchain.hpp"
#include "narrow_ptx.cuh"
#include "sm121probe/kernels.hpp"
#include "sm121probe/nvrtc/toolchain.hpp"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/runner.hpp"
#include "sm121probe/probe/sass.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace sm121probe::probe {
namespace {

using testing::tools;

std::map<std::string, sass_class> classes_on(const std::string& target) {
  std::map<std::string, sass_class> out;
  for (auto& c : resolve_classes(tools(), target, cli::builtin_catalogue().sass_classes)) out[c.label] = c;
  return out;
}

// Compiles `p`'s native variant for a device of `arch` (plain, else f, else a).
compiled_variant native_of(const std::string& id, gpu_arch arch) {
  const probe* p = cli::builtin_catalogue().find(id);
  if (!p) throw std::runtime_error("no probe " + id);
  return compile_variant(tools(), cli::builtin_catalogue(), *p, p->variants.at(0), arch, true);
}

// Compiles `p`'s native kernel for exactly `target` and inspects it.
std::optional<sass_inspection> inspect_for(const std::string& id, const std::string& target) {
  const probe* p = cli::builtin_catalogue().find(id);
  nvrtc::compile_request rq;
  const auto src = cli::builtin_catalogue().kernel(p->kernel);
  rq.name = std::string(src->path);
  rq.source = src->text;
  rq.target = target;
  rq.options = p->variants.at(0).options;
  rq.headers = cli::builtin_catalogue().headers;
  const auto r = tools().compile(rq);
  EXPECT_TRUE(r.ok) << id << " for " << target << ": " << r.log;
  if (!r.ok) return std::nullopt;
  return inspect_sass(tools(), target, r.image, p->sass_checks, cli::builtin_catalogue().sass_classes);
}

TEST(SassReader, RejectsWhatIsNotACubin) {
  EXPECT_FALSE(read_kernels({}));
  const std::vector<std::byte> junk(300, std::byte{0x41});
  EXPECT_FALSE(read_kernels(junk));
  const auto r = inspect_sass(tools(), "sm_121", junk, cli::builtin_catalogue().find("mma.s4")->sass_checks,
                              cli::builtin_catalogue().sass_classes);
  EXPECT_FALSE(r) << "nothing to judge in a non-cubin";
}

TEST(SassReader, ReadsKernelsAndDropsTheFiller) {
  nvrtc::compile_request rq;
  rq.name = "t.cu";
  rq.source = "extern \"C\" __global__ void a(int* p) { p[threadIdx.x] = 1; }\n"
              "extern \"C\" __global__ void b() {}\n";
  rq.target = "sm_121";
  const auto r = tools().compile(rq);
  ASSERT_TRUE(r.ok) << r.log;
  const auto k = read_kernels(r.image);
  ASSERT_TRUE(k);
  ASSERT_TRUE(k->count("a") && k->count("b"));
  const auto& empty = k->at("b");
  ASSERT_FALSE(empty.empty());
  const unsigned filler = empty.back().opcode();
  const auto stripped = drop_filler(empty, filler);
  EXPECT_LT(stripped.size(), empty.size()) << "an empty kernel is padded to a fixed size";
  EXPECT_GE(stripped.size(), 1u) << "at least the exit remains";
  for (const auto& i : drop_filler(k->at("a"), filler)) EXPECT_NE(i.opcode(), filler);
}

TEST(SassClasses, DerivedFromReferenceKernelsPerTarget) {
  // Ampere: no FP8 or block-scaled MMA at all (the references do not compile).
  auto c = classes_on("sm_80");
  EXPECT_TRUE(c["HMMA"].exists && c["IMMA"].exists && c["F2FP"].exists);
  EXPECT_FALSE(c["QMMA"].cost.compiled);
  EXPECT_FALSE(c["QMMA.SF"].exists);
  // Ada: FP8 is one instruction.
  c = classes_on("sm_89");
  EXPECT_TRUE(c["QMMA"].exists);
  // Hopper and datacenter Blackwell: FP8 mma.sync compiles but is no single instruction.
  for (const char* t : {"sm_90a", "sm_100a"}) {
    c = classes_on(t);
    EXPECT_TRUE(c["QMMA"].cost.compiled) << t;
    EXPECT_FALSE(c["QMMA"].exists) << t;
    EXPECT_GT(total(c["QMMA"].cost.marginal), 4) << t << ": conversions plus f16 MMAs";
    EXPECT_TRUE(c["HMMA"].exists) << t;
  }
  // GB10 family target: every class, each with its own opcode.
  c = classes_on("sm_121f");
  std::set<unsigned> opcodes;
  for (const char* label : {"HMMA", "IMMA", "QMMA", "QMMA.SF", "OMMA.SF", "F2FP"}) {
    EXPECT_TRUE(c[label].exists) << label;
    opcodes.insert(c[label].opcode);
  }
  EXPECT_EQ(opcodes.size(), 6u) << "six classes, six opcodes";
  // Plain sm_121 has no block-scaled MMA (it needs f or a).
  c = classes_on("sm_121");
  EXPECT_TRUE(c["QMMA"].exists);
  EXPECT_FALSE(c["QMMA.SF"].cost.compiled);
  EXPECT_FALSE(c["OMMA.SF"].cost.compiled);
}

TEST(SassClasses, TuringGetsHmmaAndImmaFromItsOwnShapes) {
  // The m16n8k16 f16 and m16n8k32 s8 representatives need sm_80; the next
  // representatives in the catalogue (m16n8k8 f16, m8n8k16 s8) define the
  // classes on sm_75, so int4 m8n8k32 (Turing's own) can be judged there.
  auto c = classes_on("sm_75");
  ASSERT_TRUE(c["HMMA"].exists) << c["HMMA"].why;
  ASSERT_TRUE(c["IMMA"].exists) << c["IMMA"].why;
  EXPECT_NE(c["IMMA"].representative.find("m8n8k16"), std::string::npos) << c["IMMA"].representative;
  EXPECT_EQ(c["IMMA"].opcode, classes_on("sm_80")["IMMA"].opcode) << "the same IMMA opcode as on Ampere";
  EXPECT_EQ(c["QMMA"].state, class_state::inconclusive) << "no representative compiles: not known, not absent";
  // On sm_80 the first representative still defines the class.
  EXPECT_NE(classes_on("sm_80")["IMMA"].representative.find("m16n8k32"), std::string::npos);
}

TEST(SassClasses, RepresentativeThatDoesNotCompileMakesTheCheckInconclusive) {
  // The rule before: a class whose representative does not compile was
  // "absent", so int4 on sm_75 read as emulated. With only the sm_80
  // representative for IMMA, the check must now be inconclusive instead.
  std::vector<sass_check> only_sm80;
  for (const auto& c : cli::builtin_catalogue().sass_classes)
    if (c.expected_class != "IMMA" || c.ptx.find("m16n8k32") != std::string::npos) only_sm80.push_back(c);
  const probe* p = cli::builtin_catalogue().find("mma.s4");
  nvrtc::compile_request rq;
  const auto src = cli::builtin_catalogue().kernel(p->kernel);
  rq.name = std::string(src->path);
  rq.source = src->text;
  rq.target = "sm_75";
  rq.options = p->variants[0].options;
  rq.headers = cli::builtin_catalogue().headers;
  const auto r = tools().compile(rq);
  ASSERT_TRUE(r.ok) << r.log;
  const auto j = inspect_sass(tools(), "sm_75", r.image, p->sass_checks, only_sm80);
  ASSERT_TRUE(j);
  EXPECT_FALSE(j->emulated) << j->summary.note;
  EXPECT_TRUE(j->summary.inconclusive) << j->summary.note;
  EXPECT_NE(j->summary.note.find("does not compile"), std::string::npos) << j->summary.note;
  // With the full catalogue the same kernel is one IMMA per use: native.
  const auto full = inspect_sass(tools(), "sm_75", r.image, p->sass_checks, cli::builtin_catalogue().sass_classes);
  ASSERT_TRUE(full);
  EXPECT_FALSE(full->emulated) << full->summary.note;
  EXPECT_FALSE(full->summary.inconclusive) << full->summary.note;
  EXPECT_TRUE(full->summary.expected_found) << full->summary.note;
}

TEST(SassClasses, ControlFlowIsMeasuredFromReferenceKernels) {
  for (const char* t : {"sm_75", "sm_80", "sm_90a", "sm_121f"}) {
    const control_flow cf = measure_control_flow(tools(), t);
    ASSERT_TRUE(cf.measured) << t << ": " << cf.error;
    // An empty kernel's first instruction is its EXIT: control flow.
    nvrtc::compile_request rq;
    rq.name = "e.cu";
    rq.source = "extern \"C\" __global__ void e() {}\n";
    rq.target = t;
    const auto r = tools().compile(rq);
    ASSERT_TRUE(r.ok) << r.log;
    const auto k = read_kernels(r.image);
    ASSERT_TRUE(k && k->count("e"));
    EXPECT_TRUE(cf.contains(k->at("e").front().opcode())) << t << ": EXIT";
    // No tensor-core class is control flow.
    for (const auto& [label, c] : classes_on(t)) {
      if (c.exists) {
        EXPECT_FALSE(cf.contains(c.opcode)) << t << " " << label;
      }
    }
  }
}

TEST(SassClasses, SettledFromTheRepresentativesCost) {
  control_flow cf;
  cf.measured = true;
  cf.opcodes = {0x944, 0x947, 0x94d, 0x950};  // CALL, BRA, EXIT, RET as nvdisasm names them on sm_90a
  const auto with = [&](std::initializer_list<std::pair<unsigned, int>> per_use) {
    sass_class c;
    c.label = "X";
    c.cost.compiled = true;
    for (const auto& [op, n] : per_use) c.cost.marginal[sass_signature{op, 0}] = n;
    settle_class(c, cf);
    return c;
  };
  EXPECT_EQ(with({{0x23c, 1}}).state, class_state::exists);
  EXPECT_EQ(with({{0x23c, 1}}).opcode, 0x23cu);
  EXPECT_EQ(with({{0x944, 1}}).state, class_state::absent) << "a call is never a class";
  EXPECT_EQ(with({{0x944, 1}, {0x202, 1}}).state, class_state::absent) << "a call into an emulation routine";
  EXPECT_EQ(with({{0x23c, 1}, {0x202, 1}}).state, class_state::inconclusive) << "which of the two is the class?";
  EXPECT_EQ(with({}).state, class_state::inconclusive);
  EXPECT_EQ(with({{0x23e, 12}, {0x23c, 2}}).state, class_state::absent) << "an expansion";
  cf.measured = false;
  EXPECT_EQ(with({{0x23c, 1}}).state, class_state::inconclusive) << "calls cannot be excluded";
}

TEST(SassEncoding, NeverExecutedInstructionsAreNotCounted) {
  // ptxas 13.5 pads after HMMA/IMMA with "@!UPT UIADD3 URZ, URZ, URZ, URZ"
  // (nvdisasm 13.5: low word 0x0000003f3f3ff290): guard field bits 12..15 =
  // 0xf (predicate 7 = PT/UPT, negated). Such an instruction never executes.
  const sass_instruction padding{0x0000003f3f3ff290ull, 0x000fe2000fffe03full};
  EXPECT_EQ(padding.opcode(), 0x290u);
  EXPECT_TRUE(padding.never_executed());
  // Every instruction of an unpredicated kernel has guard 7 (PT, not negated).
  nvrtc::compile_request rq;
  rq.name = "t.cu";
  rq.source = "extern \"C\" __global__ void a(const int* q, int* p) { p[threadIdx.x] = q[threadIdx.x] + 1; }\n";
  rq.target = "sm_90a";
  const auto r = tools().compile(rq);
  ASSERT_TRUE(r.ok) << r.log;
  const auto k = read_kernels(r.image);
  ASSERT_TRUE(k && k->count("a"));
  for (const auto& i : k->at("a")) EXPECT_EQ(i.guard(), 7u) << std::hex << i.lo;
  std::vector<sass_instruction> code = k->at("a");
  const std::size_t n = code.size();
  code.insert(code.begin() + 2, padding);
  code.insert(code.begin() + 4, padding);
  EXPECT_EQ(drop_never_executed(code).size(), n);
  EXPECT_EQ(drop_filler(code, 0xfffu).size(), n) << "the filler drop also drops never-executed instructions";
}

TEST(SassClasses, AgreeWithTheIndependentMeasurement) {
  // Cross-check with the opcode table measured by hand with a separate ELF
  // reader for the project's compile matrix (CUDA 13.0): the run-time
  // derivation must find the same fields.
  const auto c = classes_on("sm_121f");
  EXPECT_EQ(c.at("HMMA").opcode, 0x23cu);
  EXPECT_EQ(c.at("IMMA").opcode, 0x237u);
  EXPECT_EQ(c.at("QMMA").opcode, 0x27au);
  EXPECT_EQ(c.at("QMMA.SF").opcode, 0x47au);
  EXPECT_EQ(c.at("OMMA.SF").opcode, 0x47fu);
  EXPECT_EQ(c.at("F2FP").opcode, 0x23eu);
}

TEST(SassRule, Int4IsNativeBeforeHopperAndEmulatedFromSm90On) {
  for (const gpu_arch arch : {gpu_arch{7, 5}, gpu_arch{8, 0}, gpu_arch{8, 6}, gpu_arch{8, 9}}) {
    const auto cv = native_of("mma.s4", arch);
    ASSERT_TRUE(cv.attempt.sass) << sass_name(arch);
    EXPECT_FALSE(cv.attempt.emulated) << sass_name(arch) << ": " << cv.attempt.sass->note;
    EXPECT_TRUE(cv.attempt.sass->expected_found);
  }
  for (const gpu_arch arch : {gpu_arch{9, 0}, gpu_arch{10, 0}, gpu_arch{12, 0}, gpu_arch{12, 1}}) {
    const auto cv = native_of("mma.s4", arch);
    ASSERT_TRUE(cv.attempt.sass) << sass_name(arch);
    EXPECT_TRUE(cv.attempt.emulated) << sass_name(arch) << ": " << cv.attempt.sass->note;
    EXPECT_FALSE(cv.attempt.sass->expected_found);
    EXPECT_NE(cv.attempt.sass->note.find("not one IMMA"), std::string::npos) << cv.attempt.sass->note;
  }
  for (const char* t : {"sm_90a", "sm_100a", "sm_121a"}) {
    const auto i = inspect_for("mma.s4", t);
    ASSERT_TRUE(i) << t;
    EXPECT_TRUE(i->emulated) << t;
  }
}

TEST(SassRule, Fp8IsEmulatedOnSm90aAndSm100aAndNativeOnSm89AndSm121) {
  for (const char* id : {"mma.fp8.e4m3", "mma.fp8.e5m2"}) {
    for (const char* t : {"sm_90a", "sm_100a"}) {
      const auto i = inspect_for(id, t);
      ASSERT_TRUE(i) << t;
      EXPECT_TRUE(i->emulated) << id << " " << t << ": " << i->summary.note;
      EXPECT_EQ(i->summary.classes.count("QMMA"), 0u) << "no QMMA class there";
      EXPECT_GE(i->summary.classes.count("HMMA"), 1u) << "f16 MMAs stand in for it";
      EXPECT_NE(i->summary.note.find("no QMMA on"), std::string::npos) << i->summary.note;
    }
    for (const char* t : {"sm_89", "sm_120", "sm_121", "sm_121a"}) {
      const auto i = inspect_for(id, t);
      ASSERT_TRUE(i) << t;
      EXPECT_FALSE(i->emulated) << id << " " << t << ": " << i->summary.note;
      EXPECT_TRUE(i->summary.expected_found);
      EXPECT_EQ(i->summary.classes.at("QMMA"), 1);
    }
  }
  // The same through the native chain: plain sm_90 / sm_100 targets behave alike.
  EXPECT_TRUE(native_of("mma.fp8.e4m3", {9, 0}).attempt.emulated);
  EXPECT_TRUE(native_of("mma.fp8.e4m3", {10, 0, arch_variant::arch_specific}).attempt.emulated);
  EXPECT_FALSE(native_of("mma.fp8.e4m3", {12, 1}).attempt.emulated);
  // kind::f8f6f4 with FP8 operands compiles for sm_100a but is emulated there.
  const auto k = inspect_for("mma.f8f6f4.e4m3", "sm_100a");
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->emulated) << k->summary.note;
}

TEST(SassRule, EveryNarrowProbeIsOneHardwareInstructionOnGb10) {
  for (const char* id : {"mma.fp8.e4m3", "mma.fp8.e5m2", "mma.f8f6f4.e2m1", "mma.f8f6f4.e3m2", "mma.f8f6f4.e2m3",
                         "mma.f8f6f4.e4m3", "mma.mxf8f6f4", "mma.mxf4", "mma.nvf4", "cvt.fp4", "cvt.fp6", "cvt.fp8",
                         "cvt.ue8m0"}) {
    const auto cv = native_of(id, {12, 1});
    ASSERT_TRUE(cv.device_ready) << id;
    ASSERT_TRUE(cv.attempt.sass) << id;
    EXPECT_FALSE(cv.attempt.emulated) << id << ": " << cv.attempt.sass->note;
    EXPECT_TRUE(cv.attempt.sass->expected_found) << id;
    for (const auto& chk : cli::builtin_catalogue().find(id)->sass_checks)
      EXPECT_GE(cv.attempt.sass->classes.count(chk.expected_class), 1u) << id << " " << chk.expected_class;
  }
}

TEST(SassEncoding, ModifierBitsDoNotDependOnRegisters) {
  // K2 holds two uses of the instruction with different registers: both must
  // have the same signature (opcode + bits 72..104) while the full 128-bit
  // words differ. Checked for every class representative and every probe
  // instruction, on a target where each is one instruction.
  std::vector<std::pair<std::string, sass_check>> cases;
  for (const auto& c : cli::builtin_catalogue().sass_classes) cases.emplace_back("sm_121f", c);
  for (const auto& p : cli::builtin_catalogue().probes)
    for (const auto& c : p.sass_checks)
      cases.emplace_back(p.id == "mma.s4" ? "sm_89" : "sm_121f", c);
  int register_fields_differ = 0;
  for (const auto& [target, chk] : cases) {
    const unsigned opcode = classes_on(target).at(chk.expected_class).opcode;
    nvrtc::compile_request rq;
    const std::string src = reference_source(chk);
    rq.name = "ref.cu";
    rq.source = src;
    rq.target = target;
    const auto r = tools().compile(rq);
    ASSERT_TRUE(r.ok) << r.log;
    const auto k = read_kernels(r.image);
    ASSERT_TRUE(k);
    std::vector<sass_instruction> uses;
    for (const auto& i : k->at("sm121_sass_0_k2"))
      if (i.opcode() == opcode) uses.push_back(i);
    ASSERT_GE(uses.size(), 2u) << chk.ptx;
    EXPECT_EQ(signature_of(uses[0]), signature_of(uses[1])) << chk.ptx;
    register_fields_differ += uses[0].lo != uses[1].lo ? 1 : 0;
  }
  EXPECT_GT(register_fields_differ, static_cast<int>(cases.size()) / 2)
      << "the uses have different registers, yet the same signature";
}

TEST(SassEncoding, WhatDistinguishesTheInt4Form) {
  // On sm_80 the s4 mma is one IMMA; its modifier bits differ from the s8
  // IMMA's in the operand-type field. Those type bits are derived here (set
  // for s4, clear for s8) and must be clear in every IMMA ptxas emits for the
  // s4 instruction on sm_121: the expansion multiplies s8 data.
  const sass_check s4{"IMMA", SM121_PTX_MMA_S4, "rr", "rrrr"};
  const auto on80 = measure_instruction(tools(), "sm_80", s4);
  ASSERT_EQ(total(on80.marginal), 1);
  const sass_signature s4_sig = on80.marginal.begin()->first;
  const sass_class imma80 = classes_on("sm_80").at("IMMA");
  ASSERT_TRUE(imma80.exists);
  EXPECT_EQ(s4_sig.opcode, imma80.opcode) << "same instruction class";
  const auto s8_sig = imma80.cost.marginal.begin()->first;
  const std::uint64_t type_bits = s4_sig.modifiers & ~s8_sig.modifiers;
  EXPECT_NE(type_bits, 0u) << "the s4 form sets modifier bits the s8 form does not";

  const auto on121 = measure_instruction(tools(), "sm_121", s4);
  ASSERT_TRUE(on121.compiled);
  int immas = 0;
  for (const auto& [sig, n] : on121.first)
    if (sig.opcode == s4_sig.opcode) {
      immas += n;
      EXPECT_EQ(sig.modifiers & type_bits, 0u) << "IMMA " << to_string(sig) << " on sm_121 is not an s4 IMMA";
    }
  EXPECT_EQ(immas, 2) << "two s8 IMMAs in the expansion";
  EXPECT_GT(total(on121.first), 30) << "plus dozens of integer instructions";
}

TEST(SassRule, FallbackVariantsAreNotJudged) {
  const probe* p = cli::builtin_catalogue().find("mma.f8f6f4.e2m1");
  const auto cv = compile_variant(tools(), cli::builtin_catalogue(), *p, p->variants.at(1), {8, 0}, true);
  ASSERT_TRUE(cv.device_ready) << "the sm80-dequant fallback compiles for sm_80";
  EXPECT_FALSE(cv.attempt.sass);
  EXPECT_FALSE(cv.attempt.emulated);
}

TEST(SassRule, UnknownClassIsInconclusiveNotEmulated) {
  const probe* p = cli::builtin_catalogue().find("mma.fp8.e4m3");
  auto checks = p->sass_checks;
  checks[0].expected_class = "NOSUCH";
  nvrtc::compile_request rq;
  const auto src = cli::builtin_catalogue().kernel(p->kernel);
  rq.name = std::string(src->path);
  rq.source = src->text;
  rq.target = "sm_121";
  rq.options = p->variants[0].options;
  rq.headers = cli::builtin_catalogue().headers;
  const auto r = tools().compile(rq);
  ASSERT_TRUE(r.ok) << r.log;
  const auto j = inspect_sass(tools(), "sm_121", r.image, checks, cli::builtin_catalogue().sass_classes);
  ASSERT_TRUE(j);
  EXPECT_FALSE(j->emulated) << "no judgement is not a verdict of emulation";
  ASSERT_EQ(j->checks.size(), 1u);
  EXPECT_TRUE(j->checks[0].inconclusive);
}

TEST(SassRule, DequantFallbacksCompileWhereTheNativeFormsDoNot) {
  for (const auto& p : cli::builtin_catalogue().probes)
    for (const auto& v : p.variants) {
      if (v.label != "sm80-dequant") continue;
      for (const gpu_arch arch : {gpu_arch{8, 0}, gpu_arch{9, 0}, gpu_arch{12, 1}}) {
        const auto cv = compile_variant(tools(), cli::builtin_catalogue(), p, v, arch, true);
        EXPECT_TRUE(cv.device_ready) << p.id << " on " << sass_name(arch);
        EXPECT_EQ(cv.attempt.target, sass_name(arch)) << "plain target suffices";
      }
    }
}

}  // namespace
}  // namespace sm121probe::probe
