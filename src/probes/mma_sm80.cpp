// The Ampere-era warp MMA battery (mma.sync on the sm_80 path). One warp
// computes D = A*B + C for one tile; inputs are chosen so that the exact
// result is representable, so the CPU reference (double) must match exactly.
#include "mma_layout.cuh"
#include "mma_sm80_ptx.cuh"
#include "probes.hpp"
#include "sm121probe/probes/registration.hpp"

#include <cstdint>

namespace sm121probe::probe {

namespace {

enum class in_type { f16, bf16, tf32, s8 };
enum class acc_type { f32, f16, s32 };

struct mma_spec {
  const char* id;
  int form;  // -DSM121_MMA=<form> of kernels/mma_sm80.cu
  const char* description;
  const char* details;
  sm121::mma_shape shape;
  in_type in;
  acc_type acc;
  std::uint64_t seed;
  sass_check sass;  // the instruction the kernel uses, for the SASS inspection
};

// Values k/2 with |k| <= 4: exact in f16, bf16 and tf32; products are multiples
// of 1/4 and every partial sum of a tile stays exactly representable.
double small_value(lcg& rng) { return rng.uniform(-4, 4) / 2.0; }

std::vector<std::byte> encode(in_type t, const std::vector<double>& v) {
  switch (t) {
    case in_type::f16: {
      std::vector<std::uint16_t> h;
      for (double x : v) h.push_back(float_to_half(static_cast<float>(x)));
      return to_bytes(h);
    }
    case in_type::bf16: {
      std::vector<std::uint16_t> h;
      for (double x : v) h.push_back(float_to_bf16(static_cast<float>(x)));
      return to_bytes(h);
    }
    case in_type::tf32: {
      std::vector<float> f(v.begin(), v.end());
      return to_bytes(f);
    }
    case in_type::s8: {
      std::vector<std::int8_t> b;
      for (double x : v) b.push_back(static_cast<std::int8_t>(x));
      return to_bytes(b);
    }
  }
  return {};
}

std::vector<double> decode(in_type t, const std::vector<std::byte>& bytes) {
  const elem_type e = t == in_type::f16    ? elem_type::f16
                      : t == in_type::bf16 ? elem_type::bf16
                      : t == in_type::tf32 ? elem_type::f32
                                           : elem_type::s8;
  std::vector<double> out(bytes.size() / elem_size(e));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = read_element(bytes, e, i);
  return out;
}

elem_type acc_elem(acc_type a) {
  return a == acc_type::f32 ? elem_type::f32 : a == acc_type::f16 ? elem_type::f16 : elem_type::s32;
}

std::vector<std::byte> encode_acc(acc_type a, const std::vector<double>& v) {
  switch (a) {
    case acc_type::f32: return to_bytes(std::vector<float>(v.begin(), v.end()));
    case acc_type::f16: {
      std::vector<std::uint16_t> h;
      for (double x : v) h.push_back(float_to_half(static_cast<float>(x)));
      return to_bytes(h);
    }
    case acc_type::s32: {
      std::vector<std::int32_t> s;
      for (double x : v) s.push_back(static_cast<std::int32_t>(x));
      return to_bytes(s);
    }
  }
  return {};
}

probe make_mma(const mma_spec& spec) {
  probe p;
  p.id = spec.id;
  p.category = "mma";
  p.description = spec.description;
  p.details = spec.details;
  p.kernel = "kernels/mma_sm80.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"native", "native", "native", "native", "native", "native", "native"}, "ptx-mma"};
  p.variants = native_and_sm80_ptx({"-DSM121_MMA=" + std::to_string(spec.form)});
  p.sass_checks = {spec.sass};
  p.make_case = [spec](const exec_facts&) {
    const sm121::shape_info si = sm121::info(spec.shape);
    lcg rng(spec.seed);
    std::vector<double> a(static_cast<std::size_t>(si.m * si.k)), b(static_cast<std::size_t>(si.k * si.n)),
        c(static_cast<std::size_t>(si.m * si.n));
    const bool integer = spec.in == in_type::s8;
    for (auto& x : a) x = integer ? rng.uniform(-128, 127) : small_value(rng);
    for (auto& x : b) x = integer ? rng.uniform(-128, 127) : small_value(rng);
    for (auto& x : c) x = integer ? rng.uniform(-100000, 100000) : rng.uniform(-8, 8);
    test_case tc;
    tc.launch.grid = {1, 1, 1};
    tc.launch.block = {32, 1, 1};
    tc.buffers = {{"A", encode(spec.in, a)},
                  {"B", encode(spec.in, b)},
                  {"C", encode_acc(spec.acc, c)},
                  {"D", poisoned(c.size() * elem_size(acc_elem(spec.acc)))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1), kernel_arg::buffer(2), kernel_arg::buffer(3)};
    return tc;
  };
  p.reference = [spec](const test_case& tc) {
    const sm121::shape_info si = sm121::info(spec.shape);
    const auto a = decode(spec.in, tc.buffers[0].init);
    const auto b = decode(spec.in, tc.buffers[1].init);
    expectation e;
    e.buffer_index = 3;
    e.type = acc_elem(spec.acc);
    e.values.resize(static_cast<std::size_t>(si.m * si.n));
    for (int i = 0; i < si.m; ++i)
      for (int j = 0; j < si.n; ++j) {
        double sum = read_element(tc.buffers[2].init, e.type, static_cast<std::size_t>(i * si.n + j));
        for (int k = 0; k < si.k; ++k)
          sum += a[static_cast<std::size_t>(i * si.k + k)] * b[static_cast<std::size_t>(k * si.n + j)];
        e.values[static_cast<std::size_t>(i * si.n + j)] = sum;
      }
    e.tol = {0.0, 0.0};  // exact by construction
    return std::vector<expectation>{e};
  };
  return p;
}

}  // namespace

static std::vector<probe> make_mma_sm80_probes() {
  using sm121::mma_shape;
  const mma_spec specs[] = {
      {"mma.f16", 0, "Warp MMA m16n8k16 f16 x f16 -> f32 (HMMA, the sm_80 tensor-core path)",
       "The workhorse of every sm_80-path GEMM and attention kernel, and what Triton emits for sm_12x when it "
       "falls back to Ampere code generation. The sm80-ptx variant is the path of libraries that ship only "
       "compute_80 PTX: the driver JIT-compiles it at load time.",
       mma_shape::m16n8k16_b16, in_type::f16, acc_type::f32, 11, {"HMMA", SM121_PTX_MMA_F16_F32, SM121_OPS_MMA_F32}},
      {"mma.f16f16", 1, "Warp MMA m16n8k16 f16 x f16 -> f16 accumulate (HMMA)",
       "The half-precision-accumulate form, used by inference kernels that trade accuracy for register "
       "pressure. Packed f16x2 accumulators exercise a different register layout than the f32 form.",
       mma_shape::m16n8k16_b16, in_type::f16, acc_type::f16, 12, {"HMMA", SM121_PTX_MMA_F16_F16, SM121_OPS_MMA_F16X2}},
      {"mma.bf16", 2, "Warp MMA m16n8k16 bf16 x bf16 -> f32 (HMMA; needs sm_80+)",
       "bf16 is the default training and inference type of current models; this is its tensor-core path on "
       "the sm_80 code generation that runs on every GPU since Ampere.",
       mma_shape::m16n8k16_b16, in_type::bf16, acc_type::f32, 13, {"HMMA", SM121_PTX_MMA_BF16_F32, SM121_OPS_MMA_F32}},
      {"mma.tf32", 3, "Warp MMA m16n8k8 tf32 x tf32 -> f32 (HMMA; needs sm_80+)",
       "tf32 is what frameworks use for float32 matrix multiplies when tensor cores are allowed "
       "(allow_tf32); a different shape (k = 8) and 32-bit operand registers.",
       mma_shape::m16n8k8_tf32, in_type::tf32, acc_type::f32, 14, {"HMMA", SM121_PTX_MMA_TF32_F32, SM121_OPS_MMA_F32}},
      {"mma.s8", 4, "Warp MMA m16n8k32 s8 x s8 -> s32 (IMMA)",
       "int8 quantised inference (weights and activations in s8, exact s32 accumulation) on the integer "
       "tensor-core path; full-range signed inputs check sign handling.",
       mma_shape::m16n8k32_b8, in_type::s8, acc_type::s32, 15, {"IMMA", SM121_PTX_MMA_S8_S32, SM121_OPS_MMA_S32}},
  };
  std::vector<probe> out;
  for (const auto& s : specs) out.push_back(make_mma(s));
  return out;
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(200, make_mma_sm80_probes);

}  // namespace sm121probe::probe
