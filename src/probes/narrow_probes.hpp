#pragma once
// Private to src/probes: the narrow-format tensor probes (FP8/FP6/FP4 MMA,
// block-scaled MMA, conversions, int4): helpers the family files share. Each
// family file registers its own probes.

#include "narrow_formats.cuh"
#include "sm121probe/probe/probe.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sm121probe::probe {

namespace narrow {

/// "native" (SASS for the device: plain, else f, else a) and the fallback
/// "sm80-dequant" (the same kernel with -DSM121_DEQUANT=1: decode to f16 in
/// registers, m16n8k16 HMMA), both with the given kernel options.
std::vector<variant> native_and_dequant(const std::vector<std::string>& options);

/// A random code of format f whose value is zero or has a magnitude in
/// [lo, hi]; never NaN or infinity.
unsigned random_code(lcg& rng, sm121::narrow_format f, float lo, float hi);

/// A random code of format f whose value is zero or +-n*q for an integer
/// 1 <= n <= n_max (the grid that keeps MMA inputs within the accumulator budget).
unsigned grid_code(lcg& rng, sm121::narrow_format f, float q, int n_max);

/// The -D option naming a format for the kernels (SM121_FORMAT=<int>).
std::string format_option(sm121::narrow_format f);

/// The accumulator budget of every narrow-format MMA probe (docs/numerics.md):
/// each output's terms (C and every product) are integer multiples of the
/// finest term's quantum q (the value of its lowest set bit), and their
/// magnitudes add up to less than 2^11 q. Then every partial sum, in every
/// order and with any alignment, is a multiple of q below 2^11 q: it needs at
/// most 11 significant bits, and an accumulator that keeps 10 or more mantissa
/// bits (FP22 keeps 13, f32 23) computes every output exactly.
inline constexpr int accumulator_budget_bits = 11;

/// Significant bits the worst-order accumulation of `terms` can need
/// (bit width of sum|t| / q, q the finest quantum of the non-zero terms; 0 if all are zero).
int accumulation_bits(const std::vector<double>& terms);

/// Makes an M x N product fit the budget: while some output (i, j) needs more
/// than accumulator_budget_bits, the A code with the largest product term of that
/// output becomes 0 (+0 in every format). `terms(i, j)` lists the output's terms
/// with the term of k at index k + 1 (index 0: C); `a` is M x K row-major.
void fit_accumulator_budget(std::vector<std::uint8_t>& a, int m, int n, int k,
                            const std::function<std::vector<double>(int, int)>& terms);

/// The accumulator fact of mma.precision.* from its 16 x 8 output (row i:
/// C = +-2^(8+i) plus +-1 or +-1.5): mantissa bits kept and truncation or
/// rounding, as one line; `sane` is false when a sum of 10 or fewer
/// significant bits came out wrong.
std::string describe_accumulator(const std::vector<double>& got, bool& sane);

}  // namespace narrow

}  // namespace sm121probe::probe
