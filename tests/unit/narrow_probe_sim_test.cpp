// The narrow-format MMA probes as a whole, simulated on the CPU: each probe's
// own test case (make_case) goes through the register packing the kernel
// runs (kernels/mma_narrow_layout.cuh, with the kernel's format, selectors and
// filler), a model of the tensor core (narrow_model.hpp, from the PTX ISA),
// and the lanes' stores; the result must equal the probe's CPU reference
// exactly. This ties make_case, reference and kernel conventions together
// (matrix orientation, scale chunks, selector constants) for both the native
// and the sm80-dequant variant. Also: the expectation rows of these probes.
#include "mma_narrow_layout.cuh"
#include "narrow_model.hpp"
#include "narrow_ptx.cuh"
#include "sm121probe/probe/expectations.hpp"
#include "sm121probe/cli/catalogue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>

namespace sm121probe::probe {
namespace {

using namespace narrow_model;
using sm121::narrow_format;

int option_value(const variant& v, const std::string& name, int fallback) {
  for (const auto& o : v.options)
    if (o.starts_with("-D" + name + "=")) return std::stoi(o.substr(name.size() + 3));
  return fallback;
}

// The dequant kernel: k in steps of 16, f16 fragments of value * scale.
template <typename ScaleA, typename ScaleB>
std::vector<double> run_dequant(narrow_format fa, narrow_format fb, int k_dim, const std::vector<std::uint8_t>& A,
                                const std::vector<std::uint8_t>& B, const std::vector<float>& C, ScaleA sa,
                                ScaleB sb) {
  std::vector<double> d(C.begin(), C.end());
  for (int k0 = 0; k0 < k_dim; k0 += 16) {
    std::vector<double> a16(16 * 16), b16(16 * 8);
    for (int lane = 0; lane < 32; ++lane) {
      for (int r = 0; r < 4; ++r) {
        const unsigned reg = sm121::dequant_a_f16(fa, A.data(), k_dim, k0, lane, r, sa);
        for (int h = 0; h < 2; ++h) {
          const auto [row, col] = model_a_k16(lane, r * 2 + h);
          a16[static_cast<std::size_t>(row * 16 + col)] = half_to_float(static_cast<std::uint16_t>(reg >> (16 * h)));
        }
      }
      for (int r = 0; r < 2; ++r) {
        const unsigned reg = sm121::dequant_b_f16(fb, B.data(), k0, lane, r, sb);
        for (int h = 0; h < 2; ++h) {
          const auto [k, n] = model_b_k16(lane, r * 2 + h);
          b16[static_cast<std::size_t>(k * 8 + n)] = half_to_float(static_cast<std::uint16_t>(reg >> (16 * h)));
        }
      }
    }
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 8; ++j)
        for (int k = 0; k < 16; ++k)
          d[static_cast<std::size_t>(i * 8 + j)] +=
              a16[static_cast<std::size_t>(i * 16 + k)] * b16[static_cast<std::size_t>(k * 8 + j)];
  }
  return scatter_and_store(d);
}

TEST(NarrowProbeSim, UnscaledMmaProbesComputeTheirReference) {
  int checked = 0;
  for (const auto& p : cli::builtin_catalogue().probes) {
    if (p.kernel != "kernels/mma_narrow.cu" || p.id.starts_with("mma.precision.")) continue;
    const test_case tc = p.make_case({{12, 1}, nullptr});
    const auto A = from_bytes<std::uint8_t>(tc.buffers[0].init), B = from_bytes<std::uint8_t>(tc.buffers[1].init);
    const auto C = from_bytes<float>(tc.buffers[2].init);
    const auto ref = p.reference(tc).at(0).values;
    const auto f = static_cast<narrow_format>(option_value(p.variants.at(0), "SM121_FORMAT", -1));
    // Native: byte containers in m16n8k32 fragments.
    std::vector<std::uint8_t> a_hw(A.size()), b_hw(B.size());
    for (int lane = 0; lane < 32; ++lane) {
      for (int i = 0; i < 16; ++i) {
        const unsigned reg = sm121::pack_a_f8f6f4(f, A.data(), lane, i / 4);
        const auto [row, col] = model_a_k32(lane, i);
        a_hw[static_cast<std::size_t>(row * 32 + col)] =
            static_cast<std::uint8_t>(model_uncontain(f, (reg >> (8 * (i % 4))) & 0xffu));
      }
      for (int i = 0; i < 8; ++i) {
        const unsigned reg = sm121::pack_b_f8f6f4(f, B.data(), lane, i / 4);
        const auto [row, col] = model_b_k32(lane, i);
        b_hw[static_cast<std::size_t>(row * 8 + col)] =
            static_cast<std::uint8_t>(model_uncontain(f, (reg >> (8 * (i % 4))) & 0xffu));
      }
    }
    std::vector<double> d(C.begin(), C.end());
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 8; ++j)
        for (int k = 0; k < 32; ++k)
          d[static_cast<std::size_t>(i * 8 + j)] +=
              static_cast<double>(sm121::to_float(f, a_hw[static_cast<std::size_t>(i * 32 + k)])) *
              sm121::to_float(f, b_hw[static_cast<std::size_t>(k * 8 + j)]);
    EXPECT_EQ(scatter_and_store(d), ref) << p.id << " native";
    // sm80-dequant.
    const auto one = [](int, int) { return 1.0f; };
    EXPECT_EQ(run_dequant(f, f, 32, A, B, C, one, one), ref) << p.id << " sm80-dequant";
    ++checked;
  }
  EXPECT_EQ(checked, 6) << "mma.fp8.* and mma.f8f6f4.*";
}

struct bs_kind {
  int k, vec;
  narrow_format a, b, sf;
  unsigned bid_a, tid_a, bid_b, tid_b;
};

bs_kind kind_of(int kind) {
  switch (kind) {
    case 0:
      return {32, 1, narrow_format::e4m3, narrow_format::e2m1, narrow_format::ue8m0, SM121_MXF8F6F4_SEL_A_BYTE,
              SM121_MXF8F6F4_SEL_A_THREAD, SM121_MXF8F6F4_SEL_B_BYTE, SM121_MXF8F6F4_SEL_B_THREAD};
    case 1:
      return {64, 2, narrow_format::e2m1, narrow_format::e2m1, narrow_format::ue8m0, SM121_MXF4_SEL_A_BYTE,
              SM121_MXF4_SEL_A_THREAD, SM121_MXF4_SEL_B_BYTE, SM121_MXF4_SEL_B_THREAD};
    default:
      return {64, 4, narrow_format::e2m1, narrow_format::e2m1, narrow_format::ue4m3, SM121_NVF4_SEL_A_BYTE,
              SM121_NVF4_SEL_A_THREAD, SM121_NVF4_SEL_B_BYTE, SM121_NVF4_SEL_B_THREAD};
  }
}

TEST(NarrowProbeSim, BlockScaledProbesComputeTheirReference) {
  int checked = 0;
  for (const auto& p : cli::builtin_catalogue().probes) {
    if (p.kernel != "kernels/mma_block_scaled.cu" || p.id.starts_with("mma.precision.")) continue;
    bs_kind s = kind_of(option_value(p.variants.at(0), "SM121_BS_KIND", -1));
    if (option_value(p.variants.at(0), "SM121_BS_SEL", 0) == 0) {
      // The verdict-bearing cases: selectors {0, 0} (the .sel probes use the non-zero ones).
      EXPECT_FALSE(p.id.ends_with(".sel")) << p.id;
      s.bid_a = s.tid_a = s.bid_b = s.tid_b = 0;
      EXPECT_NE(p.sass_checks.at(0).ptx.find("{0, 0}, %15, {0, 0}"), std::string::npos) << p.id;
    } else {
      EXPECT_TRUE(p.id.ends_with(".sel")) << p.id;
      EXPECT_EQ(p.sass_checks.at(0).ptx.find("{0, 0}, %15, {0, 0}"), std::string::npos) << p.id;
    }
    const test_case tc = p.make_case({{12, 1}, nullptr});
    const auto A = from_bytes<std::uint8_t>(tc.buffers[0].init), B = from_bytes<std::uint8_t>(tc.buffers[1].init);
    const auto SFA = from_bytes<std::uint8_t>(tc.buffers[2].init), SFB = from_bytes<std::uint8_t>(tc.buffers[3].init);
    const auto C = from_bytes<float>(tc.buffers[4].init);
    unsigned filler = 0;
    std::memcpy(&filler, tc.args.at(6).value.data(), sizeof filler);
    const auto ref = p.reference(tc).at(0).values;
    // The scale factors differ per row / column / chunk, and the filler is none of them.
    EXPECT_GT(std::set<std::uint8_t>(SFA.begin(), SFA.end()).size(), 1u) << p.id;
    EXPECT_EQ(std::count(SFA.begin(), SFA.end(), filler) + std::count(SFB.begin(), SFB.end(), filler), 0) << p.id;

    std::vector<std::uint8_t> a_hw(A.size()), b_hw(B.size());
    std::vector<unsigned> sfa_regs(32), sfb_regs(32);
    for (int lane = 0; lane < 32; ++lane) {
      sfa_regs[static_cast<std::size_t>(lane)] = sm121::scale_a_reg(SFA.data(), s.vec, lane, s.bid_a, s.tid_a, filler);
      sfb_regs[static_cast<std::size_t>(lane)] = sm121::scale_b_reg(SFB.data(), s.vec, lane, s.bid_b, s.tid_b, filler);
      if (s.k == 32) {
        for (int i = 0; i < 16; ++i) {
          const auto [row, col] = model_a_k32(lane, i);
          a_hw[static_cast<std::size_t>(row * 32 + col)] = static_cast<std::uint8_t>(
              model_uncontain(s.a, (sm121::pack_a_f8f6f4(s.a, A.data(), lane, i / 4) >> (8 * (i % 4))) & 0xffu));
        }
        for (int i = 0; i < 8; ++i) {
          const auto [row, col] = model_b_k32(lane, i);
          b_hw[static_cast<std::size_t>(row * 8 + col)] = static_cast<std::uint8_t>(
              model_uncontain(s.b, (sm121::pack_b_f8f6f4(s.b, B.data(), lane, i / 4) >> (8 * (i % 4))) & 0xffu));
        }
      } else {
        for (int i = 0; i < 32; ++i) {
          const auto [row, col] = model_a_k64(lane, i);
          a_hw[static_cast<std::size_t>(row * 64 + col)] =
              static_cast<std::uint8_t>((sm121::pack_a_k64(A.data(), lane, i / 8) >> (4 * (i % 8))) & 0xfu);
        }
        for (int i = 0; i < 16; ++i) {
          const auto [row, col] = model_b_k64(lane, i);
          b_hw[static_cast<std::size_t>(row * 8 + col)] =
              static_cast<std::uint8_t>((sm121::pack_b_k64(B.data(), lane, i / 8) >> (4 * (i % 8))) & 0xfu);
        }
      }
    }
    std::vector<double> d(C.begin(), C.end());
    const int chunk = s.k / s.vec;
    for (int i = 0; i < 16; ++i)
      for (int j = 0; j < 8; ++j)
        for (int k = 0; k < s.k; ++k) {
          const double sa = sm121::to_float(s.sf, model_sf_a(sfa_regs, i, k / chunk, s.bid_a, s.tid_a));
          const double sb = sm121::to_float(s.sf, model_sf_b(sfb_regs, j, k / chunk, s.bid_b, s.tid_b));
          d[static_cast<std::size_t>(i * 8 + j)] += sm121::to_float(s.a, a_hw[static_cast<std::size_t>(i * s.k + k)]) *
                                                    sa * sm121::to_float(s.b, b_hw[static_cast<std::size_t>(k * 8 + j)]) *
                                                    sb;
        }
    EXPECT_EQ(scatter_and_store(d), ref) << p.id << " native";
    // sm80-dequant: the kernel's scale lambdas.
    const auto sa = [&](int row, int k) { return sm121::to_float(s.sf, SFA[static_cast<std::size_t>(row * s.vec + k / chunk)]); };
    const auto sb = [&](int k, int col) { return sm121::to_float(s.sf, SFB[static_cast<std::size_t>((k / chunk) * 8 + col)]); };
    EXPECT_EQ(run_dequant(s.a, s.b, s.k, A, B, C, sa, sb), ref) << p.id << " sm80-dequant";
    ++checked;
  }
  EXPECT_EQ(checked, 6) << "three verdict cases with selectors 0, three .sel cases";
}

TEST(NarrowProbeSim, ReferencesAreNotTrivial) {
  // Outputs spread over many values (no all-zero or constant tiles), so a
  // wrong layout cannot pass by accident.
  for (const auto& p : cli::builtin_catalogue().probes) {
    if (p.kernel != "kernels/mma_narrow.cu" && p.kernel != "kernels/mma_block_scaled.cu" && p.id != "mma.s4") continue;
    if (p.id.starts_with("mma.precision.")) continue;  // a measurement, not a reference
    const auto ref = p.reference(p.make_case({{12, 1}, nullptr})).at(0).values;
    EXPECT_GE(std::set<double>(ref.begin(), ref.end()).size(), ref.size() * 3 / 4) << p.id;
  }
}

TEST(NarrowExpectations, EveryNarrowProbeHasARowAndEverySourceIsDefined) {
  const auto& cat = cli::builtin_catalogue();
  for (const auto& p : cat.probes) {
    if (p.sass_checks.empty()) continue;  // the narrow battery declares SASS checks
    EXPECT_FALSE(p.expected.cells.empty()) << p.id << " has no expected verdicts";
    for (const auto& a : expectation_archs())
      EXPECT_NE(expected_for(p, a).kind, report::expectation_kind::none) << p.id << " " << sass_name(a);
  }
  std::vector<std::string> defined;
  for (const auto& s : cat.sources) {
    EXPECT_FALSE(s.title.empty()) << s.key;
    EXPECT_FALSE(s.url.empty()) << s.key;
    defined.push_back(s.key);
  }
  for (const auto& p : cat.probes) {
    if (p.expected.source.empty()) continue;
    EXPECT_NE(std::find(defined.begin(), defined.end(), p.expected.source), defined.end())
        << p.id << ": source key '" << p.expected.source << "' is not defined in the catalogue's sources";
  }
}

TEST(NarrowExpectations, KnownCells) {
  using report::verdict;
  const auto is = [](const char* id, gpu_arch a, verdict v) {
    const auto e = expected_for(*cli::builtin_catalogue().find(id), a);
    return e.kind == report::expectation_kind::verdict && e.verdict == v;
  };
  EXPECT_TRUE(is("mma.f8f6f4.e2m1", {12, 1, arch_variant::arch_specific}, verdict::native));
  EXPECT_TRUE(is("mma.nvf4", {12, 1}, verdict::native));
  EXPECT_TRUE(is("mma.s4", {12, 1}, verdict::fallback)) << "emulated";
  EXPECT_TRUE(is("mma.s4", {8, 9}, verdict::native));
  EXPECT_TRUE(is("mma.fp8.e4m3", {9, 0}, verdict::fallback)) << "emulated on Hopper";
  EXPECT_TRUE(is("mma.fp8.e4m3", {10, 0}, verdict::fallback)) << "emulated on datacenter Blackwell";
  EXPECT_TRUE(is("mma.fp8.e4m3", {8, 9}, verdict::native));
  EXPECT_TRUE(is("cvt.fp4", {10, 0}, verdict::native));
  EXPECT_TRUE(is("cvt.fp4", {9, 0}, verdict::failing));
}

TEST(NarrowRegistry, VariantsAndChecks) {
  for (const auto& p : cli::builtin_catalogue().probes) {
    if (p.sass_checks.empty()) continue;
    EXPECT_EQ(p.variants.at(0).label, "native") << p.id;
    EXPECT_EQ(p.variants.at(0).target.how, target_spec::kind::device_native) << p.id;
    EXPECT_FALSE(p.variants.at(0).fallback) << p.id;
    for (const auto& c : p.sass_checks) {
      EXPECT_FALSE(c.ptx.empty()) << p.id;
      EXPECT_FALSE(c.outputs.empty()) << p.id;
      for (char t : c.outputs + c.inputs) EXPECT_NE(std::string("frh").find(t), std::string::npos) << p.id;
    }
    const bool narrow = p.id.starts_with("mma.fp8.") || p.id.starts_with("mma.f8f6f4.") ||
                        p.id.starts_with("mma.mx") || p.id == "mma.nvf4";
    if (narrow) {
      ASSERT_EQ(p.variants.size(), 2u) << p.id;
      EXPECT_EQ(p.variants[1].label, "sm80-dequant") << p.id;
      EXPECT_TRUE(p.variants[1].fallback);
      EXPECT_NE(std::find(p.variants[1].options.begin(), p.variants[1].options.end(), "-DSM121_DEQUANT=1"),
                p.variants[1].options.end());
    }
  }
}

}  // namespace
}  // namespace sm121probe::probe
