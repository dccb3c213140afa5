#include "sm121probe/probe/probe.hpp"

#include "sm121probe/probe/session.hpp"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <limits>

namespace sm121probe::probe {

std::size_t elem_size(elem_type t) {
  switch (t) {
    case elem_type::f64: return 8;
    case elem_type::f32:
    case elem_type::s32:
    case elem_type::u32: return 4;
    case elem_type::f16:
    case elem_type::bf16:
    case elem_type::u16: return 2;
    case elem_type::s8:
    case elem_type::u8: return 1;
  }
  return 1;
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h >> 15) & 1u;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  const std::uint32_t man = h & 0x3ffu;
  float v;
  if (exp == 0) v = std::ldexp(static_cast<float>(man), -24);                    // zero / subnormal
  else if (exp == 31) v = man ? std::numeric_limits<float>::quiet_NaN() : INFINITY;
  else v = std::ldexp(static_cast<float>(man | 0x400u), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

std::uint16_t float_to_half(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const std::uint32_t abs = x & 0x7fffffffu;
  if (abs > 0x7f800000u) return static_cast<std::uint16_t>(sign | 0x7e00u);  // NaN
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // overflow (>= 65520) -> inf
  if (abs < 0x38800000u) {
    // Subnormal or zero in half: value / 2^-24, rounded to nearest even.
    const float a = std::bit_cast<float>(abs);
    const float scaled = a * 16777216.0f;  // exact: power-of-two scaling
    const auto q = static_cast<std::uint32_t>(std::nearbyint(scaled));
    return static_cast<std::uint16_t>(sign | q);
  }
  // Normal: rebias exponent, round mantissa 23 -> 10 bits to nearest even.
  std::uint32_t mant = abs & 0x7fffffu;
  std::uint32_t exp = (abs >> 23) - 127 + 15;
  std::uint32_t h = (exp << 10) | (mant >> 13);
  const std::uint32_t rest = mant & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // may carry into the exponent: still correct
  return static_cast<std::uint16_t>(sign | h);
}

float bf16_to_float(std::uint16_t b) { return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16); }

std::uint16_t float_to_bf16(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40u);  // quiet NaN
  const std::uint32_t lsb = (x >> 16) & 1u;
  return static_cast<std::uint16_t>((x + 0x7fffu + lsb) >> 16);
}

double read_element(const std::vector<std::byte>& data, elem_type t, std::size_t i) {
  const std::size_t off = i * elem_size(t);
  const std::byte* p = data.data() + off;
  switch (t) {
    case elem_type::f32: { float v; std::memcpy(&v, p, 4); return v; }
    case elem_type::f64: { double v; std::memcpy(&v, p, 8); return v; }
    case elem_type::f16: { std::uint16_t v; std::memcpy(&v, p, 2); return half_to_float(v); }
    case elem_type::bf16: { std::uint16_t v; std::memcpy(&v, p, 2); return bf16_to_float(v); }
    case elem_type::s32: { std::int32_t v; std::memcpy(&v, p, 4); return v; }
    case elem_type::u32: { std::uint32_t v; std::memcpy(&v, p, 4); return v; }
    case elem_type::u16: { std::uint16_t v; std::memcpy(&v, p, 2); return v; }
    case elem_type::s8: { std::int8_t v; std::memcpy(&v, p, 1); return v; }
    case elem_type::u8: { std::uint8_t v; std::memcpy(&v, p, 1); return v; }
  }
  return 0.0;
}

void write_element(std::vector<std::byte>& data, elem_type t, std::size_t i, double value) {
  std::byte* p = data.data() + i * elem_size(t);
  const auto put = [p](const auto v) { std::memcpy(p, &v, sizeof v); };
  switch (t) {
    case elem_type::f32: put(static_cast<float>(value)); break;
    case elem_type::f64: put(value); break;
    case elem_type::f16: put(float_to_half(static_cast<float>(value))); break;
    case elem_type::bf16: put(float_to_bf16(static_cast<float>(value))); break;
    case elem_type::s32: put(static_cast<std::int32_t>(value)); break;
    case elem_type::u32: put(static_cast<std::uint32_t>(value)); break;
    case elem_type::u16: put(static_cast<std::uint16_t>(value)); break;
    case elem_type::s8: put(static_cast<std::int8_t>(value)); break;
    case elem_type::u8: put(static_cast<std::uint8_t>(value)); break;
  }
}

verify_outcome compare(const std::vector<std::byte>& got, const expectation& e) {
  verify_outcome o;
  const std::size_t have = got.size() / elem_size(e.type);
  if (have < e.values.size()) {
    o.mismatches = e.values.size() - have;
    o.first_mismatch = fmt::format("output holds {} elements, expected {}", have, e.values.size());
  }
  for (std::size_t i = 0; i < std::min(have, e.values.size()); ++i) {
    const double g = read_element(got, e.type, i);
    const double x = e.values[i];
    bool ok;
    double abs_err = 0.0, rel_err = 0.0;
    if (std::isnan(x)) {
      ok = std::isnan(g);
    } else if (std::isinf(x) || std::isnan(g) || std::isinf(g)) {
      ok = g == x;
      if (!ok) abs_err = rel_err = std::numeric_limits<double>::infinity();
    } else {
      abs_err = std::fabs(g - x);
      rel_err = x != 0.0 ? abs_err / std::fabs(x) : (abs_err == 0.0 ? 0.0 : abs_err);
      ok = abs_err <= e.tol.abs + e.tol.rel * std::fabs(x);
    }
    o.max_abs_err = std::max(o.max_abs_err, abs_err);
    o.max_rel_err = std::max(o.max_rel_err, rel_err);
    if (!ok) {
      if (o.mismatches == 0 && o.first_mismatch.empty())
        o.first_mismatch = fmt::format("element {}: got {}, expected {}", i, g, x);
      ++o.mismatches;
    }
  }
  return o;
}

}  // namespace sm121probe::probe
