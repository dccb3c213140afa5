#pragma once
// Private to src/cli: the output flags shared by run, scan, compare and merge
// (--format, -o, --json, --redact, --no-redact) and the reading of reports.

#include "sm121probe/cli/app.hpp"
#include "sm121probe/report/model.hpp"

#include <CLI/CLI.hpp>

#include <initializer_list>
#include <iosfwd>
#include <utility>
#include <string>
#include <string_view>

namespace sm121probe::cli {

/// What a command can render.
enum class output_format { text, json, markdown, junit };
[[nodiscard]] std::string_view to_string(output_format f);

/// The output flags as given on the command line.
struct output_flags {
  std::string format;     ///< --format; "" when not given
  std::string output;     ///< -o/--output; "" when not given
  std::string json_path;  ///< --json; "" when not given
  bool redact = false;     ///< --redact
  bool no_redact = false;  ///< --no-redact
};

/// Registers --format, -o/--output, --json, --redact and --no-redact on `sub`.
/// `output_help` describes -o (defaults differ between commands).
void add_output_flags(CLI::App& sub, output_flags& flags, std::initializer_list<output_format> formats,
                      const std::string& output_help);

/// --format parsed among `allowed`. Throws usage_error naming the choices.
[[nodiscard]] output_format parse_format(const std::string& text, std::initializer_list<output_format> allowed);

/// The format a file name implies (.md/.markdown, .xml, .txt; anything else json).
[[nodiscard]] output_format format_from_extension(const std::string& path);

/// Whether output in format `f` is redacted: markdown unless --no-redact,
/// every other format only with --redact.
[[nodiscard]] bool redacts(output_format f, const output_flags& flags);

/// Writes `text` to `path`: "-" (or /dev/stdout) is ctx.out, checked; anything
/// else goes through util::write_output (atomic for files, in place for
/// devices and FIFOs). Throws util::io_error (util::broken_pipe on EPIPE).
void emit(context& ctx, const std::string& path, std::string_view text);

/// Writes `text` to `os` and flushes; a failed write throws util::io_error
/// naming `what` (util::broken_pipe when the reader of a pipe has gone).
void write_checked(std::ostream& os, std::string_view text, std::string_view what);

/// Checks every output before the work starts: no two name the same file
/// (also "-" and /dev/stdout), and each can be written (util::check_output).
/// `outputs` are (flag, path) pairs; empty paths are skipped.
void check_outputs(std::initializer_list<std::pair<std::string_view, std::string>> outputs);

/// CLI11 check for options whose empty value would read as "not given".
[[nodiscard]] CLI::Validator non_empty();

/// Reads and parses a run report (compare, merge).
/// Throws util::io_error when the file cannot be read and usage_error (one
/// line, naming the file) when it is not a run report this tool understands.
[[nodiscard]] report::run_report load_run_report(const std::string& path);

}  // namespace sm121probe::cli
