#include "probes.hpp"
#include "sm121probe/probes/registration.hpp"

#include <cstdint>

namespace sm121probe::probe {

static probe make_ldmatrix() {
  probe p;
  p.id = "ldmatrix";
  p.category = "data-movement";
  p.description = "ldmatrix.sync m8n8.x4 b16, plain and .trans: shared-memory fragment loads of the sm_80 GEMM path";
  p.details =
      "Loads four 8x8 16-bit matrices from shared memory into MMA fragments with ldmatrix (plain and "
      ".trans) and checks every register of every lane. This is how sm_80-path GEMMs (and Triton's fallback "
      "for sm_12x) feed the tensor cores.";
  p.kernel = "kernels/ldmatrix.cu";
  // Expected on sm_80, sm_86, sm_89, sm_90, sm_100, sm_120, sm_121 (docs/probes.md), and why.
  p.expected = {{"native", "native", "native", "native", "native", "native", "native"}, "ptx-ldmatrix"};
  p.variants = native_and_sm80_ptx();
  p.make_case = [](const exec_facts&) {
    std::vector<std::uint16_t> in(4 * 8 * 8);
    for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<std::uint16_t>(0x1000 + i * 7);  // distinct
    test_case tc;
    tc.buffers = {{"in", to_bytes(in)}, {"out", poisoned(2 * 128 * sizeof(std::uint32_t))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    // PTX ISA, ldmatrix: lane l receives, in register j, row l/4 and columns
    // 2*(l%4), 2*(l%4)+1 of matrix j (lower column in the low half); with
    // .trans the matrix is transposed first.
    const auto in = from_bytes<std::uint16_t>(tc.buffers[0].init);
    const auto at = [&](int m, int row, int col) -> std::uint32_t {
      return in[static_cast<std::size_t>(m * 64 + row * 8 + col)];
    };
    expectation e;
    e.buffer_index = 1;
    e.type = elem_type::u32;
    e.values.resize(256);
    for (int lane = 0; lane < 32; ++lane)
      for (int j = 0; j < 4; ++j) {
        const int r = lane / 4, c = 2 * (lane % 4);
        e.values[static_cast<std::size_t>(lane * 4 + j)] = at(j, r, c) | (at(j, r, c + 1) << 16);
        e.values[static_cast<std::size_t>(128 + lane * 4 + j)] = at(j, c, r) | (at(j, c + 1, r) << 16);
      }
    return std::vector<expectation>{e};
  };
  return p;
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(300, make_ldmatrix);

}  // namespace sm121probe::probe
