#pragma once
/// Expectations baselines (`run --expect FILE`, `run --write-expect FILE`): a
/// small JSON file mapping probe ids or globs to the verdicts they may have.
///
///     {
///       "schema_version": 1,
///       "expect": {
///         "cuda.fma": "native",
///         "mma.*": ["native", "fallback"]
///       }
///     }
///
/// A probe is judged by the most specific rule that matches its id: an exact
/// id beats any glob; among globs the one with the most literal (non-`*`/`?`)
/// characters wins, then the one written first. A probe no rule matches keeps
/// the built-in expectation. docs/expect.schema.json is the file's schema.

#include "sm121probe/report/model.hpp"

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sm121probe::report {

/// Version of the expectations file layout.
inline constexpr int expect_schema_version = 1;

/// An expectations file could not be read: malformed JSON, wrong shape, an
/// unknown verdict, or a newer schema. The message is one line.
struct expect_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One rule: a probe id or glob (`*`, `?`) and the verdicts it allows.
struct expect_rule {
  std::string pattern;
  std::vector<verdict> allowed;  ///< never empty, no duplicates, in file order
};

/// A parsed expectations file, rules in file order.
struct expect_file {
  std::vector<expect_rule> rules;
};

/// Parses expectations text. Throws expect_error with a one-line reason.
[[nodiscard]] expect_file parse_expect_file(std::string_view text);

/// The rule that judges `id` (see the header comment), or null.
[[nodiscard]] const expect_rule* rule_for(const expect_file& f, std::string_view id);

/// Sets each probe's `baseline` (rule, allowed verdicts, ok) from the rule that
/// matches it (probes no rule matches get none) and recomputes r.totals.
/// Returns the patterns of the rules that matched no probe (for a notice).
std::vector<std::string> apply_baseline(run_report& r, const expect_file& f);

/// A baseline that the report passes exactly: one rule per probe id allowing
/// the verdict it has.
[[nodiscard]] expect_file baseline_from_report(const run_report& r);

/// The file text for `f` (schema_version, a comment naming where it came
/// from, the rules in order, a verdict list per rule), ending in a newline.
[[nodiscard]] std::string expect_file_text(const expect_file& f, std::string_view comment);

}  // namespace sm121probe::report
