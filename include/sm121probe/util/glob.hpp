#pragma once
/// Shell-style wildcard matching for probe ids (--only, --skip, --expect rules).

#include <string_view>

namespace sm121probe::util {

/// Whether `text` matches `pattern`, where '*' matches any run of characters
/// (also none) and '?' exactly one; everything else matches itself.
[[nodiscard]] bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace sm121probe::util
