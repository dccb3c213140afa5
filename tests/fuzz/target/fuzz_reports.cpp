// libFuzzer target for the report readers and the renderers: run reports as
// compare and merge read them, --expect files, scan reports; and every text,
// markdown, JUnit and JSON renderer (with and without redaction) fed with what
// a parsed report can hold. A reader may refuse an input only with its own
// one-line error type; anything else escaping (an exception of another type,
// a crash, undefined behaviour, a hang) is a bug.
#include "sm121probe/report/baseline.hpp"
#include "sm121probe/report/compare.hpp"
#include "sm121probe/report/json.hpp"
#include "sm121probe/report/merge.hpp"
#include "sm121probe/report/redact.hpp"
#include "sm121probe/report/render.hpp"
#include "sm121probe/report/scan_formats.hpp"
#include "sm121probe/report/scan_render.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using namespace sm121probe;

// Bytes no rendered report may carry raw: ESC, BEL, CR (JSON is exempt: it escapes them itself).
void no_controls(const std::string& out) {
  for (const char c : out)
    if (c == '\x1b' || c == '\x07' || c == '\r') __builtin_trap();
}

void render_run(const report::run_report& r) {
  std::ostringstream text;
  report::render_text(r, text, {});
  no_controls(text.str());
  no_controls(report::render_markdown(r));
  no_controls(report::render_junit(r));
  (void)report::dump(report::to_json(r));
  report::redactor rd;
  const report::run_report hidden = report::redacted(r, rd);
  no_controls(report::render_markdown(hidden));

  const report::comparison c = report::compare_reports(r, hidden, "old.json", "new.json");
  no_controls(report::render_compare_text(c));
  no_controls(report::render_compare_markdown(c));
  (void)report::compare_to_json(c).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);

  const report::fleet f = report::merge_reports({{"a.json", r}, {"b.json", hidden}, {"c.json", r}});
  no_controls(report::render_merge_text(f));
  no_controls(report::render_merge_markdown(f));
  (void)report::merge_to_json(f).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  std::optional<report::run_report> run;
  try {
    run = report::parse_run_report(text);
  } catch (const report::report_error&) {
  }
  if (run) render_run(*run);

  try {
    const report::expect_file f = report::parse_expect_file(text);
    report::run_report r = run ? *run : report::run_report{};
    (void)report::apply_baseline(r, f);
    (void)report::expect_file_text(f, "fuzz");
    if (run) render_run(r);
  } catch (const report::expect_error&) {
  }

  try {
    const binscan::scan_report s = report::parse_scan_report(text);
    std::ostringstream out;
    report::render_scan_text(s, out, {true, true});
    no_controls(out.str());
    no_controls(report::render_scan_markdown(s));
    no_controls(report::render_scan_junit(s));
    (void)report::render_scan_json(s, {true, true});
    report::redactor rd;
    no_controls(report::render_scan_markdown(report::redacted(s, rd)));
  } catch (const report::scan_read_error&) {
  }
  return 0;
}
