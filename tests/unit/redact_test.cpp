// Redaction: nothing that identifies the person or the machine survives, and
// placeholders are stable.
#include "sm121probe/report/json.hpp"
#include "sm121probe/report/redact.hpp"
#include "sm121probe/report/render.hpp"
#include "sm121probe/report/scan_formats.hpp"
#include "sm121probe/util/io.hpp"

#include <gtest/gtest.h>

namespace sm121probe::report {
namespace {

const std::string data_dir = std::string(SM121PROBE_TEST_DATA_DIR) + "/report/";

// The secrets planted in the report below.
constexpr const char* hostname = "gpu-box-17.corp.example.net";
constexpr const char* short_host = "gpu-box-17";
constexpr const char* user = "jdoe42";
constexpr const char* home = "/home/jdoe42";
constexpr const char* odd_home = "/lustre/users/x9z";  // a $HOME that does not end in the user name
constexpr const char* uuid = "GPU-a1b2c3d4-e5f6-4789-abcd-ef0123456789";
constexpr const char* uuid_hex = "a1b2c3d4-e5f6-4789-abcd-ef0123456789";
constexpr const char* pci = "0000:0a:00.0";
constexpr const char* pci_short = "0a:00.0";
constexpr const char* dsn = "48-2d-8f-ff-ff-3b-2a-10";
constexpr const char* serial = "1652823001234";

run_report planted_report() {
  run_report r = parse_run_report(util::read_file(data_dir + "run-device.json"));
  r.host.hostname = hostname;
  r.device->uuid = uuid;
  r.device->pci_bus_id = pci;
  r.command_line = {"sm121-probe", "-o", std::string(home) + "/out/r.json", "--expect", std::string(odd_home) + "/b.json"};
  r.driver.error = std::string("checked by ") + user + " on " + short_host;
  auto& p = r.probes.at(2);  // mma.bf16, not native: it gets a details section with logs
  p.reason = std::string("failed on ") + hostname + " for " + user;
  auto& st = p.attempts.at(0).stages.at(1);
  st.log = std::string("device ") + uuid + " (bus " + pci + ", lspci " + pci_short + ")\n" + "PCIe DSN " + dsn +
           "\nSerial Number: " + serial + "\n" + "cache in " + home + "/.nv and " + odd_home + "/tmp\n" + user +
           "@" + short_host + ":~$ nvidia-smi -q | grep -i uuid: " + uuid_hex;
  p.attempts.at(1).warnings = {std::string("built by ") + user + " in " + home};
  r.probes.at(3).description = std::string("kernel at ") + home + "/src/k.cu";
  return r;
}

identity planted_identity() { return identity{{hostname}, {user}, {home, odd_home}}; }

TEST(Redaction, MarkdownHasNoneOfTheSecrets) {
  const run_report r = planted_report();
  redactor rd(planted_identity());
  const std::string md = render_markdown(redacted(r, rd));
  for (const char* secret : {hostname, short_host, user, home, odd_home, uuid, uuid_hex, pci, pci_short, dsn, serial})
    EXPECT_EQ(md.find(secret), std::string::npos) << secret << " survived:\n" << md;
  // The planted values were in the unredacted rendering (the test would prove nothing otherwise).
  const std::string plain = render_markdown(r);
  for (const char* secret : {hostname, user, home, odd_home, uuid, pci, pci_short, dsn, serial})
    EXPECT_NE(plain.find(secret), std::string::npos) << secret;
  // What they became.
  for (const char* placeholder : {"<host-", "<user-", "<home-", "GPU-<uuid-1>", "<pci-", "<serial-"})
    EXPECT_NE(md.find(placeholder), std::string::npos) << placeholder;
}

TEST(Redaction, WorksFromTheReportAloneToo) {
  // Without knowing the machine: the host name comes from the report, the user from /home/NAME paths.
  const run_report r = planted_report();
  redactor rd;
  const std::string md = render_markdown(redacted(r, rd));
  for (const char* secret : {hostname, short_host, user, home, uuid, uuid_hex, pci, dsn, serial})
    EXPECT_EQ(md.find(secret), std::string::npos) << secret;
}

TEST(Redaction, EveryFormatAndTheJsonToo) {
  redactor rd(planted_identity());
  const run_report r = redacted(planted_report(), rd);
  const std::string json = dump(to_json(r));
  const std::string junit = render_junit(r);
  for (const std::string& out : {json, junit})
    for (const char* secret : {hostname, user, home, odd_home, uuid, pci, dsn, serial})
      EXPECT_EQ(out.find(secret), std::string::npos) << secret;
  // The redacted report is still a valid report.
  EXPECT_NO_THROW((void)parse_run_report(json));
}

TEST(Redaction, PlaceholdersAreStable) {
  redactor rd(planted_identity());
  const std::string a = rd.redact(std::string("x ") + uuid + " y " + hostname);
  const std::string b = rd.redact(std::string(hostname) + " then " + uuid);
  EXPECT_EQ(a, "x GPU-<uuid-1> y <host-1>");
  EXPECT_EQ(b, "<host-1> then GPU-<uuid-1>");
  EXPECT_EQ(rd.redact(std::string(short_host) + "!"), "<host-1>!") << "the short host name is the same host";
  EXPECT_EQ(rd.redact("GPU-00000000-1111-2222-3333-444444444444 and GPU-a1b2c3d4-e5f6-4789-abcd-ef0123456789"),
            "GPU-<uuid-2> and GPU-<uuid-1>");
  EXPECT_EQ(rd.redact("/home/alice/x /home/bob/y /home/alice/z"), "/home/<user-2>/x /home/<user-3>/y /home/<user-2>/z");
  // A fresh redactor fed the same input in the same order numbers the same way.
  redactor again(planted_identity());
  EXPECT_EQ(again.redact(std::string("x ") + uuid + " y " + hostname), a);
}

TEST(Redaction, LeavesOrdinaryTextAlone) {
  redactor rd(identity{{"spark"}, {"ann"}, {"/home/ann"}});
  // Names only as whole tokens (a '-' or '.' ends a token: spark-1 may be a name derived from this
  // host, so it is hidden too), case-sensitive: the product name and longer words stay.
  EXPECT_EQ(rd.redact("DGX Spark sparkle annual spark-1 spark"), "DGX Spark sparkle annual <host-1>-1 <host-1>");
  // Versions, times, compute capabilities and sizes are not PCI ids or serials.
  const std::string plain = "CUDA 13.0 driver 580.95.05 at 09:30:00Z, cc 12.1, 0x2000 bytes, serialized: yes, sm_121";
  EXPECT_EQ(rd.redact(plain), plain);
  // root and nobody identify no one.
  redactor sys(identity{{}, {"root"}, {"/root"}});
  EXPECT_EQ(sys.redact("owned by root in /root/x"), "owned by root in /root/x");
}

TEST(Redaction, DeviceFieldsWhateverTheirForm) {
  run_report r = planted_report();
  r.device->uuid = "GPU-unusual_form_42";
  r.device->pci_bus_id = "00000000:01:00.0";
  r.probes.at(2).reason = "seen as GPU-unusual_form_42 at 00000000:01:00.0";
  redactor rd;
  const run_report out = redacted(r, rd);
  EXPECT_EQ(out.device->uuid, "<uuid-1>");
  EXPECT_EQ(out.device->pci_bus_id, "<pci-1>");
  EXPECT_EQ(out.probes.at(2).reason, "seen as <uuid-1> at <pci-1>");
}

TEST(Redaction, ScanReportPaths) {
  binscan::scan_report s = parse_scan_report(util::read_file(data_dir + "scan.json"));
  redactor rd(identity{{"spark-7f3a"}, {"alice"}, {"/home/alice"}});
  const binscan::scan_report out = redacted(s, rd);
  const std::string md = render_scan_markdown(out);
  for (const char* secret : {"alice", "spark-7f3a"}) EXPECT_EQ(md.find(secret), std::string::npos) << secret;
  EXPECT_NE(md.find("/home/<user-1>/venv/lib/python3.12/site-packages"), std::string::npos);
  for (const auto& f : out.files) EXPECT_EQ(f.path.find("alice"), std::string::npos) << f.path;
}

}  // namespace
}  // namespace sm121probe::report
