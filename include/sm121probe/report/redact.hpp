#pragma once
/// Redaction: replaces what identifies a person or a machine in a report with
/// stable placeholders before it is rendered for sharing (markdown by default,
/// any format with --redact). Works on the model; renderers never see the
/// original values.
///
/// What is replaced, and by what (N counts distinct values per kind, in the
/// order they are first met, so the same value always gets the same placeholder
/// within one redactor):
/// - host names (the report's `host.hostname`, the local host name, and their
///   short forms before the first dot) -> `<host-N>`
/// - user names (the local user, and NAME in any `/home/NAME` or `/Users/NAME`
///   path) -> `<user-N>`; so `/home/alice/x` becomes `/home/<user-1>/x`
/// - home directories that do not end in a known user name (`$HOME`) -> `<home-N>`
/// - UUIDs (8-4-4-4-12 hex; a `GPU-`/`MIG-` prefix is kept) -> `GPU-<uuid-N>`
/// - PCI bus ids (`0000:01:00.0`, `01:00.0`) -> `<pci-N>`
/// - serial numbers: PCIe device serials (`12-34-56-78-9a-bc-de-f0`) and any
///   value labelled "serial" / "serial number" -> `<serial-N>`
/// Known names (hosts, users) are replaced where they stand as a whole token
/// (not inside a longer word), case-sensitively; names shorter than two
/// characters and the system accounts `root` and `nobody` are left alone.

#include "sm121probe/binscan/scan_report.hpp"
#include "sm121probe/report/model.hpp"

#include <cstdint>
#include <map>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

namespace sm121probe::report {

/// Values known to identify this machine or its user.
struct identity {
  std::vector<std::string> hostnames;
  std::vector<std::string> user_names;
  std::vector<std::string> home_dirs;
};

/// The identity of the running process: gethostname(), the user name (passwd
/// entry, else $USER / $LOGNAME) and home directories ($HOME and the passwd one).
[[nodiscard]] identity current_identity();

/// Replaces identifying values with placeholders. Keeps its placeholder table,
/// so redacting several strings or reports with one redactor is consistent.
class redactor {
 public:
  /// `known`: values to hide besides what the patterns find.
  explicit redactor(const identity& known = {});

  /// Registers the identifying values a report names in fixed fields
  /// (host name, device UUID and PCI bus id), so they get the next numbers.
  void learn(const run_report& r);

  /// Registers more values to hide (e.g. current_identity() after the reports).
  void learn(const identity& known);

  /// `text` with every identifying value replaced.
  [[nodiscard]] std::string redact(std::string_view text);

  /// Original value -> placeholder, for everything replaced so far.
  [[nodiscard]] const std::map<std::string, std::string>& replacements() const { return m_placeholders; }

 private:
  enum class kind { host, user, home, uuid, pci, serial };
  void add_known(kind k, std::string value);
  const std::string& placeholder(kind k, const std::string& value);
  /// Length of a /home/NAME or /Users/NAME path at s[i] (appended to `out`
  /// with NAME replaced), or 0.
  std::size_t home_path(std::string_view s, std::size_t i, std::string& out);
  /// Length of a known token (host, user, home dir) starting at s[i], or 0; sets `k`.
  std::size_t match_known(std::string_view s, std::size_t i, kind& k) const;

  struct known_value {
    std::string value;
    kind k;
  };
  std::vector<known_value> m_known;  ///< in the order learnt
  /// A byte trie over m_known: match_known walks it once from a position and
  /// keeps the longest whole-token match, so redaction costs the same however
  /// many names are known (no scan of every name at every position).
  struct trie_node {
    std::vector<std::pair<unsigned char, std::uint32_t>> next;  ///< sorted by byte
    std::int32_t value = -1;                                    ///< index into m_known, or -1
  };
  std::vector<trie_node> m_trie = std::vector<trie_node>(1);
  std::map<std::string, std::string> m_placeholders;
  std::map<kind, int> m_counts;
};

/// A copy of `r` with every string value redacted (fixed fields and free text
/// such as logs, reasons and the command line).
[[nodiscard]] run_report redacted(const run_report& r, redactor& rd);

/// A copy of `r` with every string (paths, groups, reasons, warnings, section
/// names, target and driver sources) redacted.
[[nodiscard]] binscan::scan_report redacted(const binscan::scan_report& r, redactor& rd);

}  // namespace sm121probe::report
