#include "sm121probe/report/baseline.hpp"

#include "sm121probe/util/glob.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <unordered_map>
#include <unordered_set>

namespace sm121probe::report {

namespace {

using ordered = nlohmann::ordered_json;
using json = nlohmann::json;

std::size_t literal_chars(std::string_view pattern) {
  return static_cast<std::size_t>(
      std::count_if(pattern.begin(), pattern.end(), [](char c) { return c != '*' && c != '?'; }));
}

verdict parse_allowed(const json& v, const std::string& pattern) {
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
  // nlohmann::ordered_json keeps keys in a vector with a linear search per key
  // (quadratic for 100k rules); parse into a map and record the rule order
  // from the parser's key events instead.
  std::vector<std::string> rule_order;
  std::string top_key;
  const json::parser_callback_t keep_order = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key) {
      if (depth == 1) top_key = parsed.get<std::string>();
      else if (depth == 2 && top_key == "expect") rule_order.push_back(parsed.get<std::string>());
    }
    return true;
  };
  json j;
  try {
    j = json::parse(text, keep_order);
  } catch (const json::exception& e) {  // parse_error, and out_of_range for numbers like 1e400
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
  // Compare as the JSON number it is: 2^64-1 is a (much) newer schema, not -1.
  if (sv->is_number_unsigned() ? sv->get<std::uint64_t>() > std::uint64_t(expect_schema_version)
                               : sv->get<std::int64_t>() > std::int64_t(expect_schema_version))
    throw expect_error(fmt::format("expectations file has schema_version {}, newer than this tool understands ({})",
                                   sv->dump(), expect_schema_version));
  if (!sv->is_number_unsigned() && sv->get<std::int64_t>() < 1)
    throw expect_error(fmt::format("invalid schema_version {}", sv->dump()));
  if (const auto c = j.find("comment"); c != j.end() && !c->is_string())
    throw expect_error("field 'comment' must be a string");
  const auto ex = j.find("expect");
  if (ex == j.end()) throw expect_error("missing field 'expect'");
  if (!ex->is_object()) throw expect_error("field 'expect' must be an object mapping probe ids or globs to verdicts");
  expect_file f;
  std::unordered_set<std::string_view> seen;
  for (const std::string& pattern : rule_order) {
    if (!seen.insert(pattern).second) continue;  // a repeated key: the parser kept its last value
    const auto it = ex->find(pattern);
    if (it == ex->end()) continue;
    const json& value = *it;
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

namespace {

// Finds the rule for an id without trying every rule: exact ids in a hash map,
// globs bucketed by their literal prefix (the text before the first wildcard),
// so an id only tries the globs whose prefix it starts with.
class rule_index {
 public:
  explicit rule_index(const expect_file& f) : rules(f.rules) {
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const std::string& p = rules[i].pattern;
      const auto wild = p.find_first_of("*?");
      if (wild == std::string::npos) {
        exact.emplace(p, i);
        continue;
      }
      by_prefix[p.substr(0, wild)].push_back({i, literal_chars(p)});
      if (std::find(prefix_lengths.begin(), prefix_lengths.end(), wild) == prefix_lengths.end())
        prefix_lengths.push_back(wild);
    }
  }

  const expect_rule* find(std::string_view id) const {
    if (const auto it = exact.find(std::string(id)); it != exact.end()) return &rules[it->second];
    const glob* best = nullptr;
    for (const std::size_t len : prefix_lengths) {
      if (len > id.size()) continue;
      const auto bucket = by_prefix.find(std::string(id.substr(0, len)));
      if (bucket == by_prefix.end()) continue;
      for (const glob& g : bucket->second) {
        if (best && (g.literals < best->literals || (g.literals == best->literals && g.index > best->index))) continue;
        if (util::glob_match(rules[g.index].pattern, id)) best = &g;
      }
    }
    return best ? &rules[best->index] : nullptr;
  }

 private:
  struct glob {
    std::size_t index;
    std::size_t literals;
  };
  const std::vector<expect_rule>& rules;
  std::unordered_map<std::string, std::size_t> exact;
  std::unordered_map<std::string, std::vector<glob>> by_prefix;
  std::vector<std::size_t> prefix_lengths;
};

}  // namespace

const expect_rule* rule_for(const expect_file& f, std::string_view id) { return rule_index(f).find(id); }

std::vector<std::string> apply_baseline(run_report& r, const expect_file& f) {
  std::vector<bool> used(f.rules.size(), false);
  const rule_index index(f);
  for (auto& p : r.probes) {
    const expect_rule* rule = index.find(p.id);
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
