// The benchmark catalogue of `sm121-probe bench` (docs/bench.md): every tensor
// benchmark of kernels/bench_mma.cu (format x path) with its random, non-zero
// inputs and the CPU product the host checks the timed loop's result against,
// and the public anchors printed beside our figures.
#include "sm121probe/probes/bench.hpp"

#include "mma_layout.cuh"
#include "narrow_formats.cuh"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <cstring>

namespace sm121probe::probes {

namespace {

using probe::bench_case;
using probe::bench_tensor_spec;
using probe::lcg;
using probe::target_spec;
using sm121::narrow_format;

constexpr const char* kernel = "kernels/bench_mma.cu";

// The operand formats of kernels/bench_mma.cu (SM121_BENCH_KIND).
enum class kind { f16, bf16, tf32, s8, e4m3, e5m2, e3m2, e2m3, e2m1, mxf8, mxf4, nvf4 };

struct kind_info {
  kind k;
  const char* format;  // the id part
  const char* what;    // for descriptions
  int k_dim;
  const char* native_class;
  int min_sm;          // where the format exists (PTX ISA): 80, 89, or 120 (the sm_12x family: f/a targets)
};

constexpr kind_info kinds[] = {
    {kind::f16, "f16", "f16 x f16 -> f32, m16n8k16", 16, "HMMA", 80},
    {kind::bf16, "bf16", "bf16 x bf16 -> f32, m16n8k16", 16, "HMMA", 80},
    {kind::tf32, "tf32", "tf32 x tf32 -> f32, m16n8k8", 8, "HMMA", 80},
    {kind::s8, "s8", "s8 x s8 -> s32, m16n8k32", 32, "IMMA", 80},
    {kind::e4m3, "fp8-e4m3", "FP8 e4m3 x e4m3 -> f32, m16n8k32", 32, "QMMA", 89},
    {kind::e5m2, "fp8-e5m2", "FP8 e5m2 x e5m2 -> f32, m16n8k32", 32, "QMMA", 89},
    {kind::e3m2, "fp6-e3m2", "FP6 e3m2 x e3m2 -> f32, m16n8k32 kind::f8f6f4", 32, "QMMA", 120},
    {kind::e2m3, "fp6-e2m3", "FP6 e2m3 x e2m3 -> f32, m16n8k32 kind::f8f6f4", 32, "QMMA", 120},
    {kind::e2m1, "fp4-e2m1", "FP4 e2m1 x e2m1 -> f32, m16n8k32 kind::f8f6f4", 32, "QMMA", 120},
    {kind::mxf8, "mxf8", "MXFP8 e4m3 x e4m3, ue8m0 scale per 32, m16n8k32 kind::mxf8f6f4", 32, "QMMA.SF", 120},
    {kind::mxf4, "mxf4", "MXFP4 e2m1 x e2m1, ue8m0 scale per 32, m16n8k64 kind::mxf4", 64, "OMMA.SF", 120},
    {kind::nvf4, "nvf4", "NVFP4 e2m1 x e2m1, ue4m3 scale per 16, m16n8k64 kind::mxf4nvf4", 64, "OMMA.SF", 120},
};

narrow_format narrow_of(kind k) {
  switch (k) {
    case kind::e4m3:
    case kind::mxf8: return narrow_format::e4m3;
    case kind::e5m2: return narrow_format::e5m2;
    case kind::e3m2: return narrow_format::e3m2;
    case kind::e2m3: return narrow_format::e2m3;
    default: return narrow_format::e2m1;
  }
}

// A random non-zero integer of magnitude 1..3: every product and partial sum of
// the loop is an integer below 2^24 (16 x 9 x 2^15), exact in f32.
float small_value(lcg& rng) {
  static constexpr float magnitudes[] = {1.0f, 2.0f, 3.0f};
  const float v = magnitudes[rng.next() % 3];
  return rng.next() % 2 ? -v : v;
}

// A random non-zero, finite code of a narrow format with magnitude in [lo, hi].
unsigned nonzero_code(lcg& rng, narrow_format f, float lo, float hi) {
  const unsigned n = 1u << sm121::info(f).bits;
  for (;;) {
    const unsigned code = rng.next() % n;
    if (sm121::is_nan_code(f, code) || sm121::is_inf_code(f, code)) continue;
    const float v = std::fabs(sm121::to_float(f, code));
    if (v >= lo && v <= hi) return code;
  }
}

template <typename T>
void put(std::vector<std::byte>& buf, std::size_t i, T v) {
  if (buf.size() < (i + 1) * sizeof(T)) buf.resize((i + 1) * sizeof(T));
  std::memcpy(buf.data() + i * sizeof(T), &v, sizeof(T));
}

bench_case make_case(kind k, int kdim, std::uint64_t seed) {
  lcg rng(seed);
  bench_case c;
  std::vector<double> a(static_cast<std::size_t>(16 * kdim)), b(static_cast<std::size_t>(kdim * 8));
  std::vector<double> sa(static_cast<std::size_t>(16 * kdim), 1.0), sb(static_cast<std::size_t>(kdim * 8), 1.0);
  switch (k) {
    case kind::f16:
    case kind::bf16:
      for (std::size_t i = 0; i < a.size(); ++i) {
        a[i] = small_value(rng);
        put<std::uint16_t>(c.a, i, k == kind::f16 ? probe::float_to_half(static_cast<float>(a[i]))
                                                   : probe::float_to_bf16(static_cast<float>(a[i])));
      }
      for (std::size_t i = 0; i < b.size(); ++i) {
        b[i] = small_value(rng);
        put<std::uint16_t>(c.b, i, k == kind::f16 ? probe::float_to_half(static_cast<float>(b[i]))
                                                   : probe::float_to_bf16(static_cast<float>(b[i])));
      }
      break;
    case kind::tf32:
      for (std::size_t i = 0; i < a.size(); ++i) put<float>(c.a, i, static_cast<float>(a[i] = small_value(rng)));
      for (std::size_t i = 0; i < b.size(); ++i) put<float>(c.b, i, static_cast<float>(b[i] = small_value(rng)));
      break;
    case kind::s8:
      c.integer = true;
      for (auto* m : {&a, &b})
        for (auto& v : *m) {
          int x = 0;
          while (x == 0) x = rng.uniform(-8, 8);
          v = x;
        }
      for (std::size_t i = 0; i < a.size(); ++i) put<std::int8_t>(c.a, i, static_cast<std::int8_t>(a[i]));
      for (std::size_t i = 0; i < b.size(); ++i) put<std::int8_t>(c.b, i, static_cast<std::int8_t>(b[i]));
      break;
    default: {
      const narrow_format f = narrow_of(k);
      const float lo = f == narrow_format::e2m1 ? 0.5f : 0.25f, hi = 4.0f;
      for (std::size_t i = 0; i < a.size(); ++i) {
        const unsigned code = nonzero_code(rng, f, lo, hi);
        put<std::uint8_t>(c.a, i, static_cast<std::uint8_t>(code));
        a[i] = sm121::to_float(f, code);
      }
      for (std::size_t i = 0; i < b.size(); ++i) {
        const unsigned code = nonzero_code(rng, f, lo, hi);
        put<std::uint8_t>(c.b, i, static_cast<std::uint8_t>(code));
        b[i] = sm121::to_float(f, code);
      }
      if (k == kind::mxf8 || k == kind::mxf4 || k == kind::nvf4) {
        const int vec = k == kind::mxf8 ? 1 : k == kind::mxf4 ? 2 : 4;
        const narrow_format sf = k == kind::nvf4 ? narrow_format::ue4m3 : narrow_format::ue8m0;
        // ue8m0 2^-1 .. 2^1; ue4m3 0.5 .. 2 (products stay exact in f16 for the dequant path).
        const auto scale_code = [&] {
          if (sf == narrow_format::ue8m0) return 126u + rng.next() % 3u;
          static constexpr float v[] = {0.5f, 0.75f, 1.0f, 1.25f, 1.5f, 2.0f};
          return sm121::from_float(narrow_format::ue4m3, v[rng.next() % 6]);
        };
        std::vector<unsigned> sfa(static_cast<std::size_t>(16 * vec)), sfb(static_cast<std::size_t>(vec * 8));
        for (std::size_t i = 0; i < sfa.size(); ++i) {
          sfa[i] = scale_code();
          put<std::uint8_t>(c.sfa, i, static_cast<std::uint8_t>(sfa[i]));
        }
        for (std::size_t i = 0; i < sfb.size(); ++i) {
          sfb[i] = scale_code();
          put<std::uint8_t>(c.sfb, i, static_cast<std::uint8_t>(sfb[i]));
        }
        c.filler = sf == narrow_format::ue8m0 ? 131u : sm121::from_float(narrow_format::ue4m3, 6.0f);
        const int chunk = kdim / vec;
        for (int r = 0; r < 16; ++r)
          for (int kk = 0; kk < kdim; ++kk)
            sa[static_cast<std::size_t>(r * kdim + kk)] = sm121::to_float(sf, sfa[static_cast<std::size_t>(r * vec + kk / chunk)]);
        for (int kk = 0; kk < kdim; ++kk)
          for (int n = 0; n < 8; ++n)
            sb[static_cast<std::size_t>(kk * 8 + n)] = sm121::to_float(sf, sfb[static_cast<std::size_t>((kk / chunk) * 8 + n)]);
      }
    }
  }
  c.product.assign(128, 0.0);
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j) {
      double sum = 0, mag = 0;
      for (int kk = 0; kk < kdim; ++kk) {
        const auto ia = static_cast<std::size_t>(i * kdim + kk), ib = static_cast<std::size_t>(kk * 8 + j);
        const double p = a[ia] * sa[ia] * b[ib] * sb[ib];
        sum += p;
        mag += std::fabs(p);
      }
      c.product[static_cast<std::size_t>(i * 8 + j)] = sum;
      c.magnitude = std::max(c.magnitude, mag);
    }
  for (std::size_t i = 0; i < 128; ++i) {
    if (c.integer) put<std::int32_t>(c.c, i, rng.uniform(-100, 100));
    else put<float>(c.c, i, static_cast<float>(rng.uniform(-64, 64)) / 4.0f);
  }
  return c;
}

}  // namespace

std::vector<probe::bench_tensor_spec> bench_tensor_specs() {
  std::vector<bench_tensor_spec> out;
  for (const kind_info& ki : kinds) {
    const int kind_id = static_cast<int>(ki.k);
    const bool narrow = ki.min_sm > 80;
    const auto exists = [min = ki.min_sm](const gpu_arch& a) {
      return min == 120 ? a.major == 12 : a.sm() >= min;
    };
    bench_tensor_spec native;
    native.format = ki.format;
    native.path = "native";
    native.description = fmt::format("{}: the native tensor instruction ({})", ki.what, ki.native_class);
    native.kernel = kernel;
    native.target = target_spec::native();
    native.options = {fmt::format("-DSM121_BENCH_KIND={}", kind_id)};
    native.expected_class = ki.native_class;
    native.class_per_mma = 1;
    native.k = ki.k_dim;
    native.unit = ki.k == kind::s8 ? "TOP/s" : "TFLOP/s";
    native.format_exists = exists;
    native.requires_text = ki.min_sm == 120 ? "the sm_12x family target (sm_120f/a, sm_121f/a)"
                                            : fmt::format("sm_{} or later", ki.min_sm);
    const kind kk = ki.k;
    const int kdim = ki.k_dim;
    native.make_case = [kk, kdim](std::uint64_t seed) { return make_case(kk, kdim, seed); };
    // FP8 MMA accumulation is reported narrower than f32 on other GPUs (about
    // 13 mantissa bits); GB10's is unmeasured. With 256 iterations even such an
    // accumulator stays within 2^-7 of the sum (each addition rounds by at most
    // 2^-14 of a running sum below 256 x the largest product sum), so a correct
    // narrow path is never rejected while a wrong scale or layout still is
    // (docs/bench.md); longer launches add blocks instead of iterations.
    if (narrow) {
      native.relative_tolerance = 0x1p-6;
      native.max_iterations = 256;
    }
    if (ki.k == kind::bf16) native.anchor = "gb10-bf16-dense";
    if (ki.k == kind::nvf4) native.anchor = "gb10-nvfp4-gemm";

    bench_tensor_spec fallback = native;
    fallback.path = "fallback";
    fallback.target = target_spec::fixed("compute_80");
    fallback.anchor.clear();
    // f16 MMAs with f32 accumulation: integer operands (f16/bf16/tf32/s8) sum
    // exactly; decoded narrow values do not (their products have up to 12
    // fraction bits), so 256 iterations and a bound that covers f32 rounding.
    fallback.relative_tolerance = narrow ? 0x1p-16 : 0x1p-20;
    fallback.max_iterations = narrow ? 256 : 1 << 15;
    fallback.format_exists = [](const gpu_arch& a) { return a.sm() >= 80; };
    fallback.requires_text = "sm_80 or later";
    if (narrow) {
      fallback.options.push_back("-DSM121_BENCH_DEQUANT=1");
      fallback.expected_class = "HMMA";
      fallback.class_per_mma = ki.k_dim / 16;
      fallback.description = fmt::format(
          "{}: compute_80 PTX, values decoded to f16 before the loop, {} m16n8k16 f16 MMA(s) per MMA (HMMA)", ki.what,
          ki.k_dim / 16);
    } else {
      fallback.description = fmt::format("{}: the same kernel as compute_80 PTX, JIT-compiled for the GPU ({})",
                                         ki.what, ki.native_class);
    }
    out.push_back(std::move(native));
    out.push_back(std::move(fallback));
  }
  return out;
}

std::vector<report::bench_anchor> bench_anchors() {
  return {
      {"gb10-bf16-dense", "~91-92 TFLOP/s",
       "dense BF16 matmul measured on GB10 (91.1 TFLOP/s at 4096^3, 92.3 at 2048^3; PyTorch 2.10, CUDA 13.0); a GEMM, "
       "not a warp-MMA loop",
       "GB10 optimization guide, companion of the logos-flux/gb10-rmsnorm kernel",
       "https://huggingface.co/logos-flux/gb10-rmsnorm"},
      {"gb10-nvfp4-gemm", "99.6 TFLOP/s",
       "peak NVFP4 GEMM with cuBLASLt on GB10 (TensorRT-LLM 1.3.0rc2); a GEMM, not a warp-MMA loop",
       "NVIDIA/TensorRT-LLM issue 11368", "https://github.com/NVIDIA/TensorRT-LLM/issues/11368"},
      {"gb10-dram-read", "231-234 GB/s (273 GB/s spec)",
       "DRAM read bandwidth of a saturating-read kernel on GB10 (CUDA 13.0, driver 580.173.02), 85-86% of the "
       "273 GB/s LPDDR5X-8533 256-bit specification",
       "antirez/ds4 issue 773", "https://github.com/antirez/ds4/issues/773"},
  };
}

}  // namespace sm121probe::probes
