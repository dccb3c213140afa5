// kernels/ptx_operands.cuh writes each operand shape twice, side by side: the
// constraint letters the SASS reference kernels are generated from
// (SM121_OPS_*) and the inline-asm statement the probe kernels issue
// (SM121_ASM_*). They must agree letter by letter, or the SASS check would
// judge another instruction form than the kernel runs.
#include "ptx_operands.cuh"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <utility>

namespace {

#define SM121_TEST_STR2(...) #__VA_ARGS__
#define SM121_TEST_STR(...) SM121_TEST_STR2(__VA_ARGS__)

// The (outputs, inputs) constraint letters of an asm statement, in operand order.
std::pair<std::string, std::string> letters_of(const std::string& asm_text) {
  static const std::regex constraint(R"re("(=?)([a-z])"\()re");
  std::pair<std::string, std::string> out;
  for (auto it = std::sregex_iterator(asm_text.begin(), asm_text.end(), constraint); it != std::sregex_iterator();
       ++it)
    ((*it)[1].length() ? out.first : out.second) += (*it)[2].str();
  return out;
}

struct shape {
  const char* name;
  const char* ops[2];
  std::string asm_text;
};

TEST(PtxOperands, EveryAsmStatementUsesTheLettersOfItsShape) {
  const shape shapes[] = {
      {"MMA_F32", {SM121_OPS_MMA_F32}, SM121_TEST_STR(SM121_ASM_MMA_F32(P, d, a, b, c))},
      {"MMA_F32_K8", {SM121_OPS_MMA_F32_K8}, SM121_TEST_STR(SM121_ASM_MMA_F32_K8(P, d, a, b, c))},
      {"MMA_F32_SCALED", {SM121_OPS_MMA_F32_SCALED}, SM121_TEST_STR(SM121_ASM_MMA_F32_SCALED(P, d, a, b, c, x, y))},
      {"MMA_SP_F32", {SM121_OPS_MMA_SP_F32}, SM121_TEST_STR(SM121_ASM_MMA_SP_F32(P, d, a, b, c, e))},
      {"MMA_SP_F32_SCALED", {SM121_OPS_MMA_SP_F32_SCALED},
       SM121_TEST_STR(SM121_ASM_MMA_SP_F32_SCALED(P, d, a, b, c, e, x, y))},
      {"MMA_F16X2", {SM121_OPS_MMA_F16X2}, SM121_TEST_STR(SM121_ASM_MMA_F16X2(P, d, a, b, c))},
      {"MMA_S32", {SM121_OPS_MMA_S32}, SM121_TEST_STR(SM121_ASM_MMA_S32(P, d, a, b, c))},
      {"MMA_S4", {SM121_OPS_MMA_S4}, SM121_TEST_STR(SM121_ASM_MMA_S4(P, d, a, b, c))},
      {"CVT_PACK16", {SM121_OPS_CVT_PACK16}, SM121_TEST_STR(SM121_ASM_CVT_PACK16(P, d, a, b))},
      {"CVT_UNPACK16", {SM121_OPS_CVT_UNPACK16}, SM121_TEST_STR(SM121_ASM_CVT_UNPACK16(P, d, x))},
      {"CVT_PACK32", {SM121_OPS_CVT_PACK32}, SM121_TEST_STR(SM121_ASM_CVT_PACK32(P, d, a, b))},
  };
  for (const auto& s : shapes) {
    const auto got = letters_of(s.asm_text);
    EXPECT_EQ(got.first, s.ops[0]) << s.name << " outputs: " << s.asm_text;
    EXPECT_EQ(got.second, s.ops[1]) << s.name << " inputs: " << s.asm_text;
  }
}

TEST(PtxOperands, TheLetterReaderSeesADrift) {
  const auto got = letters_of(R"(asm volatile(P : "=f"(d[0]), "=r"(d[1]) : "h"(x), "f"(y)))");
  EXPECT_EQ(got.first, "fr");
  EXPECT_EQ(got.second, "hf");
}

}  // namespace
