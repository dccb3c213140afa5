#pragma once
/// Checked reading of JSON documents this tool wrote (run reports, scan
/// reports): every access checks presence and type and fails with a one-line
/// message naming the place and the field, thrown as `Error` (the reader's
/// own exception type, e.g. report::report_error).

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <type_traits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sm121probe::util {

template <typename Error>
struct json_reader {
  using json = nlohmann::json;

  /// Parses text; a syntax error becomes Error("malformed JSON: ...").
  static json parse(std::string_view text) {
    try {
      return json::parse(text);
    } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
      std::string msg = e.what();
      // nlohmann messages start with "[json.exception.parse_error.101] "; keep the useful part.
      if (const auto p = msg.find("] "); p != std::string::npos) msg = msg.substr(p + 2);
      throw Error("malformed JSON: " + msg);
    }
  }

  static const json& field(const json& j, const char* key, std::string_view where) {
    if (!j.is_object()) throw Error(fmt::format("{}: expected an object", where));
    const auto it = j.find(key);
    if (it == j.end()) throw Error(fmt::format("{}: missing field '{}'", where, key));
    return *it;
  }

  /// A string; with `nullable`, null reads as "".
  static std::string string(const json& j, const char* key, std::string_view where, bool nullable = false) {
    const json& v = field(j, key, where);
    if (nullable && v.is_null()) return {};
    if (!v.is_string()) throw Error(fmt::format("{}: field '{}' must be a string", where, key));
    return v.template get<std::string>();
  }

  static bool boolean(const json& j, const char* key, std::string_view where) {
    const json& v = field(j, key, where);
    if (!v.is_boolean()) throw Error(fmt::format("{}: field '{}' must be a boolean", where, key));
    return v.template get<bool>();
  }

  template <typename T>
  static T number(const json& j, const char* key, std::string_view where) {
    return checked<T>(field(j, key, where), key, where);
  }

  /// `v` as a T: a number, and for an integer type a whole number T can hold
  /// (never a silent wrap-around such as 2^64-1 read as -1).
  template <typename T>
  static T checked(const json& v, const char* key, std::string_view where) {
    if (!v.is_number()) throw Error(fmt::format("{}: field '{}' must be a number", where, key));
    if constexpr (std::is_integral_v<T>) {
      const bool fits = v.is_number_unsigned()  ? v.template get<std::uint64_t>() <= std::uint64_t(std::numeric_limits<T>::max())
                        : v.is_number_integer() ? std::is_signed_v<T> ? v.template get<std::int64_t>() >= std::int64_t(std::numeric_limits<T>::min()) &&
                                                                             v.template get<std::int64_t>() <= std::int64_t(std::numeric_limits<T>::max())
                                                                       : v.template get<std::int64_t>() >= 0
                                                : false;
      if (!fits)
        throw Error(fmt::format("{}: field '{}' must be an integer from {} to {}, not {}", where, key,
                                std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), v.dump()));
    }
    return v.template get<T>();
  }

  /// A number that may be absent or null.
  template <typename T>
  static std::optional<T> opt_number(const json& j, const char* key, std::string_view where) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return checked<T>(*it, key, where);
  }

  /// A non-negative integer.
  static std::uint64_t count(const json& j, const char* key, std::string_view where) {
    const json& v = field(j, key, where);
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.template get<std::int64_t>() >= 0))
      throw Error(fmt::format("{}: field '{}' must be a non-negative integer", where, key));
    return v.template get<std::uint64_t>();
  }

  static const json& array(const json& j, const char* key, std::string_view where) {
    const json& v = field(j, key, where);
    if (!v.is_array()) throw Error(fmt::format("{}: field '{}' must be an array", where, key));
    return v;
  }

  /// An array of strings; with `optional`, an absent or null field reads as empty.
  static std::vector<std::string> strings(const json& j, const char* key, std::string_view where,
                                          bool optional = false) {
    std::vector<std::string> out;
    const auto it = j.find(key);
    if (optional && (it == j.end() || it->is_null())) return out;
    const json& v = field(j, key, where);
    if (!v.is_array()) throw Error(fmt::format("{}: field '{}' must be an array of strings", where, key));
    for (const auto& s : v) {
      if (!s.is_string()) throw Error(fmt::format("{}: field '{}' must be an array of strings", where, key));
      out.push_back(s.template get<std::string>());
    }
    return out;
  }

  /// A string naming an enumerator, converted by `parse`.
  template <typename E>
  static E enumeration(const json& j, const char* key, std::string_view where,
                       std::optional<E> (*parse)(std::string_view)) {
    const std::string s = string(j, key, where);
    const auto v = parse(s);
    if (!v) throw Error(fmt::format("{}: field '{}' has unknown value '{}'", where, key, s));
    return *v;
  }
};

}  // namespace sm121probe::util
