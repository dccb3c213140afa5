#include "sm121probe/report/baseline.hpp"

#include "sm121probe/util/glob.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

namespace sm121probe::report {

namespace {

using ordered = nlohmann::ordered_json;

std::size_t literal_chars(std::string_view pattern) {
  return static_cast<std::size_t>(
      std::count_if(pattern.begin(), pattern.end(), [](char c) { return c != '*' && c != '?'; }));
}

bool has_wildcard(std::string_view pattern) { return pattern.find_first_of("*?") != std::string_view::npos; }

verdict parse_allowed(const ordered& v, const std::string& pattern) {
  if (!v.is_string())
    throw expect_error(fmt::format("rule '{}': verdicts must be strings (native, fallback, failing, skipped)", pattern));
  const auto& s = v.get_ref<const std::string&>();
  const auto parsed = parse_verdict(s);
  if (!parsed)
    throw expect_error(
        fmt::format("rule '{}': unknown verdict '{}' (expected native, fallback, failing or skipped)", pattern, s));
  return *parsed;
}

}  // namespace

expect_file parse_expect_file(std::string_view text) {
  ordered j;
  try {
    j = ordered::parse(text);
  } catch (const ordered::parse_error& e) {
    std::string msg = e.what();
    if (const auto p = msg.find("] "); p != std::string::npos) msg = msg.substr(p + 2);
    throw expect_error("malformed JSON: " + msg);
  }
  if (!j.is_object()) throw expect_error("not an expectations file: expected a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (key != "schema_version" && key != "expect" && key != "comment")
      throw expect_error(fmt::format("unknown field '{}' (expected schema_version, expect, comment)", key));
  }
  const auto sv = j.find("schema_version");
  if (sv == j.end()) throw expect_error("missing field 'schema_version'");
  if (!sv->is_number_integer()) throw expect_error("schema_version must be an integer");
  const int version = sv->get<int>();
  if (version > expect_schema_version)
    throw expect_error(fmt::format("expectations file has schema_version {}, newer than this tool understands ({})",
                                   version, expect_schema_version));
  if (version < 1) throw expect_error(fmt::format("invalid schema_version {}", version));
  if (const auto c = j.find("comment"); c != j.end() && !c->is_string())
    throw expect_error("field 'comment' must be a string");
  const auto ex = j.find("expect");
  if (ex == j.end()) throw expect_error("missing field 'expect'");
  if (!ex->is_object()) throw expect_error("field 'expect' must be an object mapping probe ids or globs to verdicts");
  expect_file f;
  for (const auto& [pattern, value] : ex->items()) {
    if (pattern.empty()) throw expect_error("a rule has an empty probe id");
    expect_rule rule{pattern, {}};
    if (value.is_array()) {
      for (const auto& v : value) {
        const verdict a = parse_allowed(v, pattern);
        if (std::find(rule.allowed.begin(), rule.allowed.end(), a) == rule.allowed.end()) rule.allowed.push_back(a);
      }
    } else {
      rule.allowed.push_back(parse_allowed(value, pattern));
    }
    if (rule.allowed.empty()) throw expect_error(fmt::format("rule '{}' allows no verdict", pattern));
    f.rules.push_back(std::move(rule));
  }
  return f;
}

const expect_rule* rule_for(const expect_file& f, std::string_view id) {
  const expect_rule* best = nullptr;
  for (const auto& r : f.rules) {
    if (!has_wildcard(r.pattern)) {
      if (r.pattern == id) return &r;
      continue;
    }
    if (!util::glob_match(r.pattern, id)) continue;
    if (!best || literal_chars(r.pattern) > literal_chars(best->pattern)) best = &r;
  }
  return best;
}

std::vector<std::string> apply_baseline(run_report& r, const expect_file& f) {
  std::vector<bool> used(f.rules.size(), false);
  for (auto& p : r.probes) {
    const expect_rule* rule = rule_for(f, p.id);
    if (!rule) {
      p.baseline.reset();
      continue;
    }
    used[static_cast<std::size_t>(rule - f.rules.data())] = true;
    baseline_check b;
    b.rule = rule->pattern;
    for (const verdict v : rule->allowed) b.allowed.emplace_back(to_string(v));
    b.ok = std::find(rule->allowed.begin(), rule->allowed.end(), p.result) != rule->allowed.end();
    p.baseline = std::move(b);
  }
  r.totals = summarize(r.probes);
  std::vector<std::string> unused;
  for (std::size_t i = 0; i < f.rules.size(); ++i)
    if (!used[i]) unused.push_back(f.rules[i].pattern);
  return unused;
}

expect_file baseline_from_report(const run_report& r) {
  expect_file f;
  for (const auto& p : r.probes) f.rules.push_back({p.id, {p.result}});
  return f;
}

std::string expect_file_text(const expect_file& f, std::string_view comment) {
  ordered rules = ordered::object();
  for (const auto& rule : f.rules) {
    ordered allowed = ordered::array();
    for (const verdict v : rule.allowed) allowed.push_back(to_string(v));
    rules[rule.pattern] = std::move(allowed);
  }
  ordered j;
  j["schema_version"] = expect_schema_version;
  if (!comment.empty()) j["comment"] = comment;
  j["expect"] = std::move(rules);
  return j.dump(2, ' ', false, ordered::error_handler_t::replace) + "\n";
}

}  // namespace sm121probe::report
