#include "sm121probe/report/redact.hpp"

#include "sm121probe/report/json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <pwd.h>
#include <unistd.h>

namespace sm121probe::report {

namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
// Characters of a user name as it appears in a home path.
bool is_name_char(char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-' || c == '@'; }

// Number of hex digits at s[i...], at most `max`.
std::size_t hex_run(std::string_view s, std::size_t i, std::size_t max) {
  std::size_t n = 0;
  while (i + n < s.size() && n < max && is_hex(s[i + n])) ++n;
  return n;
}

bool boundary_after(std::string_view s, std::size_t end) { return end >= s.size() || !is_alnum(s[end]); }
bool boundary_before(std::string_view s, std::size_t i) { return i == 0 || !is_alnum(s[i - 1]); }

// Length of an 8-4-4-4-12 hex UUID at s[i], or 0.
std::size_t uuid_at(std::string_view s, std::size_t i) {
  static constexpr std::array<std::size_t, 5> groups = {8, 4, 4, 4, 12};
  std::size_t p = i;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (hex_run(s, p, groups[g] + 1) != groups[g]) return 0;
    p += groups[g];
    if (g + 1 < groups.size()) {
      if (p >= s.size() || s[p] != '-') return 0;
      ++p;
    }
  }
  return boundary_after(s, p) ? p - i : 0;
}

// Length of a PCI bus id ([dddd:]bb:dd.f) at s[i], or 0.
std::size_t pci_at(std::string_view s, std::size_t i) {
  if (i > 0 && (is_alnum(s[i - 1]) || s[i - 1] == ':')) return 0;
  std::size_t p = i;
  const std::size_t domain = hex_run(s, p, 9);
  if (domain >= 4 && domain <= 8 && p + domain < s.size() && s[p + domain] == ':') p += domain + 1;
  if (hex_run(s, p, 3) != 2 || p + 2 >= s.size() || s[p + 2] != ':') return 0;
  p += 3;
  if (hex_run(s, p, 3) != 2 || p + 2 >= s.size() || s[p + 2] != '.') return 0;
  p += 3;
  if (p >= s.size() || s[p] < '0' || s[p] > '7') return 0;
  ++p;
  return boundary_after(s, p) ? p - i : 0;
}

// Length of a PCIe device serial number (8 hex bytes joined by '-') at s[i], or 0.
std::size_t dsn_at(std::string_view s, std::size_t i) {
  if (!boundary_before(s, i)) return 0;
  std::size_t p = i;
  for (int b = 0; b < 8; ++b) {
    if (hex_run(s, p, 3) != 2) return 0;
    p += 2;
    if (b < 7) {
      if (p >= s.size() || s[p] != '-') return 0;
      ++p;
    }
  }
  return boundary_after(s, p) ? p - i : 0;
}

bool starts_with_ci(std::string_view s, std::size_t i, std::string_view word) {
  if (i + word.size() > s.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k)
    if (lower(s[i + k]) != word[k]) return false;
  return true;
}

// A value labelled as a serial number ("Serial Number: 1324...", "serial=ABC1"):
// returns [value start, value end) or {0, 0}.
std::pair<std::size_t, std::size_t> labelled_serial_at(std::string_view s, std::size_t i) {
  if (!starts_with_ci(s, i, "serial") || (i > 0 && is_alpha(s[i - 1]))) return {0, 0};
  std::size_t p = i + 6;
  if (p < s.size() && (s[p] == ' ' || s[p] == '_' || s[p] == '-')) {
    for (const std::string_view suffix : {"number", "num", "no"}) {
      if (starts_with_ci(s, p + 1, suffix)) {
        p += 1 + suffix.size();
        break;
      }
    }
  }
  if (p < s.size() && s[p] == '.') ++p;
  bool separator = false;
  while (p < s.size() && (s[p] == ' ' || s[p] == '\t' || s[p] == '"' || s[p] == '\'' || s[p] == ':' || s[p] == '=')) {
    separator = separator || s[p] == ':' || s[p] == '=';
    ++p;
  }
  if (!separator) return {0, 0};
  std::size_t e = p;
  while (e < s.size() && (is_alnum(s[e]) || s[e] == '-' || s[e] == '_')) ++e;
  if (e - p < 4) return {0, 0};
  return {p, e};
}

bool ignorable_name(std::string_view name) { return name.size() < 2 || name == "root" || name == "nobody"; }

void redact_json(nlohmann::json& j, redactor& rd) {
  if (j.is_string()) {
    j = rd.redact(j.get_ref<const std::string&>());
  } else if (j.is_array() || j.is_object()) {
    for (auto& v : j) redact_json(v, rd);
  }
}

}  // namespace

identity current_identity() {
  identity id;
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) == 0 && host[0] != '\0') id.hostnames.emplace_back(host.data());
  std::array<char, 4096> buf{};
  passwd pw{};
  passwd* found = nullptr;
  if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found) {
    if (found->pw_name) id.user_names.emplace_back(found->pw_name);
    if (found->pw_dir) id.home_dirs.emplace_back(found->pw_dir);
  }
  for (const char* var : {"USER", "LOGNAME"})
    if (const char* v = std::getenv(var); v && *v) id.user_names.emplace_back(v);
  if (const char* h = std::getenv("HOME"); h && *h) id.home_dirs.emplace_back(h);
  return id;
}

redactor::redactor(const identity& known) { learn(known); }

void redactor::learn(const identity& known) {
  for (const auto& h : known.hostnames) add_known(kind::host, h);
  for (const auto& u : known.user_names) add_known(kind::user, u);
  for (auto h : known.home_dirs) {
    while (h.size() > 1 && h.back() == '/') h.pop_back();
    add_known(kind::home, h);
  }
}

void redactor::add_known(kind k, std::string value) {
  if (k == kind::home) {
    if (value.size() < 2 || value == "/root" || value == "/nonexistent" || value.front() != '/') return;
  } else if (ignorable_name(value)) {
    return;
  }
  // Walks (and extends) the trie along `v`; returns the node index at its end.
  const auto node_for = [this](const std::string& v) {
    std::uint32_t n = 0;
    for (const char ch : v) {
      const auto c = static_cast<unsigned char>(ch);
      auto& next = m_trie[n].next;
      const auto it = std::lower_bound(next.begin(), next.end(), c,
                                       [](const auto& edge, unsigned char b) { return edge.first < b; });
      if (it != next.end() && it->first == c) {
        n = it->second;
        continue;
      }
      const auto child = static_cast<std::uint32_t>(m_trie.size());
      next.insert(it, {c, child});  // invalidates `next` only after use
      m_trie.emplace_back();
      n = child;
    }
    return n;
  };
  const auto insert = [&](const std::string& v, kind kv) {
    const std::uint32_t n = node_for(v);
    if (m_trie[n].value >= 0) return false;  // known already
    m_trie[n].value = static_cast<std::int32_t>(m_known.size());
    m_known.push_back({v, kv});
    return true;
  };
  if (const std::uint32_t n = node_for(value); m_trie[n].value >= 0) return;
  const std::string ph = placeholder(k, value);
  insert(value, k);
  if (k == kind::host) {
    // node7.cluster.example.com: the short name names the same host, with the same placeholder.
    if (const auto dot = value.find('.'); dot != std::string::npos && dot >= 2) {
      const std::string short_name = value.substr(0, dot);
      if (m_placeholders.emplace(short_name, ph).second) insert(short_name, k);
    }
  }
}

const std::string& redactor::placeholder(kind k, const std::string& value) {
  const auto it = m_placeholders.find(value);
  if (it != m_placeholders.end()) return it->second;
  const int n = ++m_counts[k];
  std::string_view name;
  switch (k) {
    case kind::host: name = "host"; break;
    case kind::user: name = "user"; break;
    case kind::home: name = "home"; break;
    case kind::uuid: name = "uuid"; break;
    case kind::pci: name = "pci"; break;
    case kind::serial: name = "serial"; break;
  }
  return m_placeholders.emplace(value, fmt::format("<{}-{}>", name, n)).first->second;
}

void redactor::learn(const run_report& r) {
  add_known(kind::host, r.host.hostname);
  if (r.device) {
    if (const std::string& u = r.device->uuid; !u.empty()) {
      const std::size_t start = (u.rfind("GPU-", 0) == 0 || u.rfind("MIG-", 0) == 0) ? 4 : 0;
      if (uuid_at(u, start) == u.size() - start) (void)placeholder(kind::uuid, u.substr(start));
      else add_known(kind::uuid, u);  // an odd UUID form: still hide it, as a whole token
    }
    if (const std::string& p = r.device->pci_bus_id; !p.empty()) add_known(kind::pci, p);
  }
}

std::size_t redactor::home_path(std::string_view s, std::size_t i, std::string& out) {
  for (const std::string_view prefix : {std::string_view("/home/"), std::string_view("/Users/")}) {
    if (s.compare(i, prefix.size(), prefix) != 0) continue;
    std::size_t e = i + prefix.size();
    while (e < s.size() && is_name_char(s[e])) ++e;
    const std::string name(s.substr(i + prefix.size(), e - i - prefix.size()));
    if (name.empty() || name == "." || name == ".." || ignorable_name(name)) return 0;
    add_known(kind::user, name);
    out += prefix;
    out += placeholder(kind::user, name);
    return e - i;
  }
  return 0;
}

std::size_t redactor::match_known(std::string_view s, std::size_t i, kind& k) const {
  // One walk down the trie: the longest known value that ends a whole token wins.
  std::size_t best = 0;
  std::uint32_t n = 0;
  for (std::size_t p = i; p < s.size(); ++p) {
    const auto c = static_cast<unsigned char>(s[p]);
    const auto& next = m_trie[n].next;
    const auto it = std::lower_bound(next.begin(), next.end(), c,
                                     [](const auto& edge, unsigned char b) { return edge.first < b; });
    if (it == next.end() || it->first != c) break;
    n = it->second;
    const std::int32_t v = m_trie[n].value;
    if (v < 0) continue;
    const std::size_t end = p + 1;
    // A whole token: a host name must not continue with more name characters.
    if (end < s.size() && (is_alnum(s[end]) || s[end] == '_')) continue;
    best = end - i;
    k = m_known[static_cast<std::size_t>(v)].k;
  }
  return best;
}

std::string redactor::redact(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    // /home/NAME and /Users/NAME: NAME is a user name.
    if (const std::size_t n = home_path(s, i, out); n > 0) {
      i += n;
      continue;
    }
    if (boundary_before(s, i) || s[i] == '/') {
      kind k{};
      if (const std::size_t n = match_known(s, i, k); n > 0) {
        out += placeholder(k, std::string(s.substr(i, n)));
        i += n;
        continue;
      }
    }
    if (boundary_before(s, i)) {
      std::size_t start = i;
      std::string prefix;
      if ((s.compare(i, 4, "GPU-") == 0 || s.compare(i, 4, "MIG-") == 0)) {
        prefix = std::string(s.substr(i, 4));
        start = i + 4;
      }
      if (const std::size_t n = uuid_at(s, start); n > 0) {
        out += prefix + placeholder(kind::uuid, std::string(s.substr(start, n)));
        i = start + n;
        continue;
      }
      if (const std::size_t n = pci_at(s, i); n > 0) {
        out += placeholder(kind::pci, std::string(s.substr(i, n)));
        i += n;
        continue;
      }
      if (const std::size_t n = dsn_at(s, i); n > 0) {
        out += placeholder(kind::serial, std::string(s.substr(i, n)));
        i += n;
        continue;
      }
      if (const auto [vb, ve] = labelled_serial_at(s, i); ve > 0) {
        out += s.substr(i, vb - i);
        out += placeholder(kind::serial, std::string(s.substr(vb, ve - vb)));
        i = ve;
        continue;
      }
    }
    out += s[i];
    ++i;
  }
  return out;
}

run_report redacted(const run_report& r, redactor& rd) {
  rd.learn(r);
  nlohmann::json j = to_json(r);
  redact_json(j, rd);
  return report_from_json(j);
}

binscan::scan_report redacted(const binscan::scan_report& r, redactor& rd) {
  binscan::scan_report out = r;
  out.target_source = rd.redact(out.target_source);
  out.driver_source = rd.redact(out.driver_source);
  for (auto& root : out.roots) root = rd.redact(root);
  for (auto& f : out.files) {
    f.path = rd.redact(f.path);
    f.group = rd.redact(f.group);
    f.reason = rd.redact(f.reason);
    for (auto& w : f.warnings) w = rd.redact(w);
    for (auto& c : f.containers) c.section = rd.redact(c.section);
    for (auto& fd : f.findings) fd.message = rd.redact(fd.message);
  }
  for (auto& p : out.packages) {
    p.name = rd.redact(p.name);
    p.location = rd.redact(p.location);
    p.reason = rd.redact(p.reason);
    p.runtime_compile = rd.redact(p.runtime_compile);
    if (p.alternatives) {
      p.alternatives->cuda_source = rd.redact(p.alternatives->cuda_source);
      p.alternatives->selected = rd.redact(p.alternatives->selected);
      for (auto& o : p.alternatives->others) o = rd.redact(o);
    }
  }
  for (auto& fd : out.findings) {
    fd.message = rd.redact(fd.message);
    for (auto& n : fd.packages) n = rd.redact(n);
  }
  return out;
}

}  // namespace sm121probe::report
