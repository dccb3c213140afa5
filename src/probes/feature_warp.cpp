// Warp-level and asynchronous-copy instructions of the sm_80 / sm_90 eras:
// cp.async, stmatrix, elect.sync, redux.sync. Standard program each.
#include "probes.hpp"
#include "sm121probe/probes/registration.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace sm121probe::probe {

static probe make_cp_async() {
  probe p;
  p.id = "cp.async";
  p.category = "data-movement";
  p.description = "sm_80 asynchronous copies: cp.async.ca / .cg 16 B global->shared, with zero-filled partial copies";
  p.details =
      "Each of 128 threads issues three 16-byte cp.async copies (cached in L1, L2 only, and one with a shorter "
      "source whose remainder the hardware must zero-fill), commits and waits for the group, and reads chunks "
      "copied by other threads after a barrier. cp.async is the software-pipelining load of every sm_80-path "
      "GEMM and attention kernel, which is the path DGX Spark runs when a library has no Blackwell-specific "
      "code.";
  p.kernel = "kernels/cp_async.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"native", "native", "native", "native", "native", "native", "native"}, "ptx-cp-async"};
  p.variants = native_and_sm80_ptx();
  p.make_case = [](const exec_facts&) {
    std::vector<std::uint32_t> in(3 * 128 * 4);
    lcg rng(0xca5c);
    for (auto& v : in) v = rng.next() | 1u;  // never 0, so a missing copy cannot look like a zero fill
    test_case tc;
    tc.launch.block = {128, 1, 1};
    tc.buffers = {{"in", to_bytes(in)}, {"out", poisoned(in.size() * sizeof(std::uint32_t))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const auto in = from_bytes<std::uint32_t>(tc.buffers[0].init);
    expectation e{1, elem_type::u32, std::vector<double>(in.size()), {}};
    const auto chunk = [&](std::size_t out_chunk, std::size_t in_chunk, std::size_t valid_words) {
      for (std::size_t w = 0; w < 4; ++w) e.values[out_chunk * 4 + w] = w < valid_words ? in[in_chunk * 4 + w] : 0.0;
    };
    for (std::size_t t = 0; t < 128; ++t) {
      chunk(t, (t + 1) % 128, 4);
      chunk(128 + t, 128 + (t + 5) % 128, 4);
      chunk(256 + t, 256 + t, t % 5);  // src-size (t % 5) * 4 bytes, the rest zero-filled
    }
    return std::vector<expectation>{e};
  };
  return p;
}

static probe make_stmatrix() {
  probe p;
  p.id = "stmatrix";
  p.category = "data-movement";
  p.description = "stmatrix.sync m8n8.x4 b16, plain and .trans: warp fragment stores to shared memory (sm_90+)";
  p.details =
      "Stores four 8x8 matrices of 16-bit values from MMA fragment registers to shared memory with stmatrix, "
      "plain and transposed, and checks every element. stmatrix is the epilogue store of Hopper- and "
      "Blackwell-era CUTLASS kernels (the inverse of ldmatrix); it compiles for plain sm_121.";
  p.kernel = "kernels/stmatrix.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"skipped", "skipped", "skipped", "native", "native", "native", "native"}, "ptx-stmatrix"};
  p.variants = native_only();
  p.skip_reason = needs_sm90("the instruction");
  p.make_case = [](const exec_facts&) {
    std::vector<std::uint32_t> in(32 * 4);
    for (std::size_t i = 0; i < in.size(); ++i)
      in[i] = static_cast<std::uint32_t>((0x1000 + 2 * i) | ((0x1000 + 2 * i + 1) << 16));  // distinct halves
    test_case tc;
    tc.buffers = {{"in", to_bytes(in)}, {"out", poisoned(2 * 4 * 64 * sizeof(std::uint16_t))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    // PTX ISA, stmatrix: register j of lane l holds row l/4, columns 2(l%4) and
    // 2(l%4)+1 (lower column in the low half) of matrix j; .trans stores the
    // transpose.
    const auto in = from_bytes<std::uint32_t>(tc.buffers[0].init);
    const auto half = [&](std::size_t lane, std::size_t reg, std::size_t h) -> double {
      return (in[lane * 4 + reg] >> (16 * h)) & 0xffffu;
    };
    expectation e{1, elem_type::u16, std::vector<double>(2 * 4 * 64), {}};
    for (std::size_t j = 0; j < 4; ++j)
      for (std::size_t r = 0; r < 8; ++r)
        for (std::size_t c = 0; c < 8; ++c) {
          e.values[j * 64 + r * 8 + c] = half(4 * r + c / 2, j, c % 2);
          e.values[256 + j * 64 + r * 8 + c] = half(4 * c + r / 2, j, r % 2);
        }
    return std::vector<expectation>{e};
  };
  return p;
}

static probe make_elect_sync() {
  probe p;
  p.id = "elect.sync";
  p.category = "warp";
  p.description = "elect.sync leader election (full warp, odd lanes, lanes 4-11): its documented properties hold";
  p.details =
      "Elects a leader lane with elect.sync for three member masks (in divergent code for the partial ones) and "
      "has every member check what the PTX ISA promises: the leader is a member, all members agree on it, "
      "exactly it gets the predicate, and a second election picks the same lane (which lane is chosen is not "
      "specified, so it is not compared). Blackwell- and Hopper-era kernels use elect.sync to pick the one "
      "thread that issues TMA copies and tensor-core instructions; it compiles for plain sm_121.";
  p.kernel = "kernels/elect_sync.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"skipped", "skipped", "skipped", "native", "native", "native", "native"}, "ptx-elect"};
  p.variants = native_only();
  p.skip_reason = needs_sm90("the instruction");
  p.make_case = [](const exec_facts&) {
    test_case tc;
    tc.buffers = {{"checks", poisoned(3 * 32 * sizeof(std::uint32_t))}};
    tc.args = {kernel_arg::buffer(0)};
    return tc;
  };
  p.reference = [](const test_case&) {
    constexpr std::uint32_t masks[3] = {0xffffffffu, 0xaaaaaaaau, 0x00000ff0u};
    expectation e{0, elem_type::u32, {}, {}};
    for (const std::uint32_t m : masks)
      for (unsigned lane = 0; lane < 32; ++lane) e.values.push_back((m >> lane) & 1u ? 1.0 : 2.0);
    return std::vector<expectation>{e};
  };
  return p;
}

static probe make_redux_sync() {
  probe p;
  p.id = "redux.sync";
  p.category = "warp";
  p.description = "redux.sync integer warp reductions: add/min/max (s32, u32), and/or/xor, and a partial-mask add";
  p.details =
      "Reduces one 32-bit integer per lane across the warp with redux.sync (add, signed and unsigned min and max, "
      "and, or, xor) and with a partial member mask in divergent code, and compares every lane's results with "
      "the CPU. A single-instruction warp reduction (sm_80+) used by top-k, softmax and quantisation kernels; "
      "the floating-point form (.f32) exists only on datacenter Blackwell (sm_100a/f, sm_103a) and is rejected "
      "by ptxas for sm_121, so it is not probed.";
  p.kernel = "kernels/redux_sync.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"native", "native", "native", "native", "native", "native", "native"}, "ptx-redux"};
  p.variants = native_and_sm80_ptx();
  p.make_case = [](const exec_facts&) {
    std::vector<std::int32_t> x(32);
    lcg rng(0x12ed);
    for (auto& v : x) v = rng.uniform(-1000000, 1000000);
    x[7] = -2000000000;  // extremes, so that signed and unsigned min/max differ
    x[19] = 2000000000;
    test_case tc;
    tc.buffers = {{"x", to_bytes(x)}, {"out", poisoned(9 * 32 * sizeof(std::int32_t))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const auto x = from_bytes<std::int32_t>(tc.buffers[0].init);
    std::uint32_t sum = 0, band = ~0u, bor = 0, bxor = 0, umin = ~0u, umax = 0, partial_sum = 0;
    std::int32_t smin = x[0], smax = x[0];
    constexpr std::uint32_t partial = 0x5a5a5a5au;
    for (unsigned lane = 0; lane < 32; ++lane) {
      const auto u = static_cast<std::uint32_t>(x[lane]);
      sum += u;  // two's-complement wrap-around, as the hardware adds
      smin = std::min(smin, x[lane]);
      smax = std::max(smax, x[lane]);
      umin = std::min(umin, u);
      umax = std::max(umax, u);
      band &= u;
      bor |= u;
      bxor ^= u;
      if ((partial >> lane) & 1u) partial_sum += u;
    }
    const std::uint32_t full[8] = {sum,  static_cast<std::uint32_t>(smin), static_cast<std::uint32_t>(smax),
                                   umin, umax, band, bor, bxor};
    expectation e{1, elem_type::s32, std::vector<double>(9 * 32), {}};
    for (unsigned lane = 0; lane < 32; ++lane) {
      for (unsigned i = 0; i < 8; ++i) e.values[i * 32 + lane] = static_cast<std::int32_t>(full[i]);
      e.values[8 * 32 + lane] = (partial >> lane) & 1u ? static_cast<std::int32_t>(partial_sum) : 0;
    }
    return std::vector<expectation>{e};
  };
  return p;
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(550, make_cp_async);
SM121PROBE_FAMILY(551, make_stmatrix);
SM121PROBE_FAMILY(552, make_elect_sync);
SM121PROBE_FAMILY(553, make_redux_sync);

}  // namespace sm121probe::probe
