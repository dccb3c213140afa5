#include "sm121probe/binscan/ptx.hpp"

#include <cctype>

namespace sm121probe::binscan {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

bool is_ident(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.'; }

/// Tokenizer over PTX text that skips whitespace and comments.
class ptx_lexer {
 public:
  explicit ptx_lexer(std::string_view text) : m_text(text) {}

  /// The next token: an identifier/directive/number run, or a single punctuation character.
  /// Empty at the end of the text.
  std::string_view next() {
    skip();
    if (m_pos >= m_text.size()) return {};
    const std::size_t start = m_pos;
    if (is_ident(m_text[m_pos])) {
      while (m_pos < m_text.size() && is_ident(m_text[m_pos])) ++m_pos;
    } else {
      ++m_pos;
    }
    return m_text.substr(start, m_pos - start);
  }

 private:
  void skip() {
    while (m_pos < m_text.size()) {
      if (is_space(m_text[m_pos])) {
        ++m_pos;
      } else if (m_text.substr(m_pos, 2) == "//") {
        const auto nl = m_text.find('\n', m_pos);
        m_pos = nl == std::string_view::npos ? m_text.size() : nl + 1;
      } else if (m_text.substr(m_pos, 2) == "/*") {
        const auto end = m_text.find("*/", m_pos + 2);
        m_pos = end == std::string_view::npos ? m_text.size() : end + 2;
      } else {
        return;
      }
    }
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
};

}  // namespace

bool looks_like_ptx(std::string_view text) {
  ptx_lexer lex(text);
  const auto tok = lex.next();
  return tok == ".version" || tok == ".target" || tok == ".address_size";
}

std::optional<ptx_header> parse_ptx_header(std::string_view text) {
  ptx_lexer lex(text);
  std::optional<ptx_isa> isa;
  std::optional<gpu_arch> target;
  int raw_sm = 0;
  // The header directives come first; stop at the first token that is not part of them.
  for (int guard = 0; guard < 64 && (!isa || !target); ++guard) {
    const auto tok = lex.next();
    if (tok.empty()) break;
    if (tok == ".version") {
      isa = parse_ptx_isa(lex.next());
      if (!isa) return std::nullopt;
    } else if (tok == ".target") {
      // `.target sm_90a, texmode_independent`: the architecture is the sm_ item.
      for (auto item = lex.next(); !item.empty(); item = lex.next()) {
        if (item.starts_with("sm_") || item.starts_with("compute_")) {
          const auto name = parse_arch_name(item);
          if (!name) return std::nullopt;
          target = name->arch;
          // The number as written: sm_101a stays 101 in names (arch_from_sm judges it as 11.0).
          std::string_view digits = item.substr(item.find('_') + 1);
          while (!digits.empty() && (digits.back() == 'a' || digits.back() == 'f')) digits.remove_suffix(1);
          raw_sm = 0;
          for (const char c : digits) raw_sm = raw_sm * 10 + (c - '0');
        }
        const auto sep = lex.next();
        if (sep != ",") break;
      }
      if (!target) return std::nullopt;
    } else if (tok == ".address_size") {
      lex.next();
    } else {
      break;
    }
  }
  if (!isa || !target) return std::nullopt;
  return ptx_header{*isa, *target, ptx_has_entry(text), raw_sm != 0 ? raw_sm : target->sm()};
}

namespace {

/// An `.entry` token that starts in [first, text.size()) of `text`. Bytes before
/// `first` are context only (for the token boundary).
bool has_entry_from(std::string_view text, std::size_t first) {
  // A textual search is enough: `.entry` only occurs as the kernel directive (or
  // in a comment, which at worst turns a stub into a "kernel").
  for (std::size_t p = text.find(".entry", first); p != std::string_view::npos; p = text.find(".entry", p + 1)) {
    const std::size_t after = p + 6;
    if ((p == 0 || !is_ident(text[p - 1])) && (after >= text.size() || !is_ident(text[after]))) return true;
  }
  return false;
}

}  // namespace

bool ptx_has_entry(std::string_view text) { return has_entry_from(text, 0); }

bool ptx_has_entry(const byte_source& src, std::uint64_t base, std::uint64_t size) {
  constexpr std::uint64_t chunk = std::uint64_t{1} << 20;
  constexpr std::uint64_t context = 8;  // one byte before a token, `.entry` and one byte after fit in it
  std::vector<std::byte> scratch;
  for (std::uint64_t from = 0; from < size; from += chunk) {
    // Each window starts one byte early and ends `context` bytes late, so every
    // token starting in [from, from + chunk) is judged with its neighbours.
    const std::uint64_t start = from == 0 ? 0 : from - 1;
    const std::uint64_t len = std::min(size - start, chunk + context);
    const auto bytes = src.view(base + start, len, scratch, "PTX text");
    std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    const auto nul = text.find('\0');
    if (nul != std::string_view::npos) text = text.substr(0, nul);
    // A token that starts past this chunk is left to the next window (with its full context).
    const std::size_t first = static_cast<std::size_t>(from - start);
    const std::size_t last = static_cast<std::size_t>(std::min<std::uint64_t>(from + chunk - start, text.size()));
    for (std::size_t p = text.find(".entry", first); p != std::string_view::npos && p < last;
         p = text.find(".entry", p + 1))
      if (has_entry_from(text.substr(0, std::min(text.size(), p + 7)), p)) return true;
    if (nul != std::string_view::npos) break;
  }
  return false;
}

}  // namespace sm121probe::binscan
