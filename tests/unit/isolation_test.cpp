// Worker isolation: every GPU attempt runs in a child process; a crash or a
// hang is recorded on the stage it happened in and the run goes on. The
// workers here are small shell scripts speaking the worker protocol.
#include "support/toolchain.hpp"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/runner.hpp"
#include "support/process.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sys/stat.h>

namespace sm121probe {
namespace {

using namespace std::chrono_literals;
using report::stage_kind;

using testing::tools;

// A fake worker: answers queries with a 12.1 device; for attempts it crashes
// (mma.f16), hangs (mma.bf16), exits early (mma.tf32), or reports success.
constexpr const char* kScript = R"SH(#!/bin/sh
mode="$1"
read -r header
if [ "$mode" = query ]; then
  echo '{"driver":{"available":true,"version":13000,"cuda_version":"13.0","error":null,"nvidia_version_file":null,"device_count":1},"device":{"ordinal":0,"name":"Scripted GPU","uuid":null,"pci_bus_id":null,"compute_capability":"12.1","cc_major":12,"cc_minor":1,"total_memory_bytes":1,"free_memory_bytes":null,"system_mem_available_bytes":null,"memory_note":null,"attributes":{}}}'
  exit 0
fi
stage() { echo "{\"begin\":\"$1\"}"; echo "{\"stage\":{\"stage\":\"$1\",\"ok\":true,\"ms\":1.0,\"error\":null,\"log\":null}}"; }
case "$header" in
  *'"mma.f16"'*'"native"'*) stage load; echo '{"begin":"launch"}'; echo "boom on stderr" >&2; kill -SEGV $$ ;;
  *'"mma.bf16"'*'"native"'*) stage load; echo '{"begin":"launch"}'; exec sleep 30 ;;
  *'"mma.tf32"'*'"native"'*) exit 7 ;;
esac
stage load; stage launch; stage verify
echo '{"result":{"variant":"x","target":"sm_121","fallback":false,"stages":[],"max_abs_err":0,"max_rel_err":0,"mismatches":0,"notes":[]}}'
echo '{"done":true}'
)SH";

struct scripted_worker {
  testing::temp_dir dir;
  std::string path;
  scripted_worker() : path(dir / "worker.sh") {
    std::ofstream(path) << kScript;
    ::chmod(path.c_str(), 0755);
  }
};

const report::probe_result& find(const report::run_report& r, const std::string& id) {
  for (const auto& p : r.probes)
    if (p.id == id) return p;
  throw std::runtime_error("no probe " + id);
}

TEST(Isolation, CrashAndHangAreRecordedAndTheRunGoesOn) {
  scripted_worker w;
  probe::isolated_executor ex({w.path}, 1500ms);
  probe::run_options opts;
  opts.only = {"mma.*", "cuda.fma"};
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 20s) << "the hang must be cut off by the timeout";
  ASSERT_EQ(r.mode, report::run_mode::device);
  EXPECT_EQ(r.device->name, "Scripted GPU");

  const auto& crashed = find(r, "mma.f16").attempts.at(0);
  const auto* f = crashed.first_failure();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->stage, stage_kind::launch) << "attributed to the stage that was running";
  EXPECT_EQ(f->error, "signal SIGSEGV");
  EXPECT_NE(f->log.find("boom on stderr"), std::string::npos) << "worker stderr kept";
  EXPECT_EQ(find(r, "mma.f16").result, report::verdict::fallback) << "the sm80-ptx worker still ran";

  const auto* hung = find(r, "mma.bf16").attempts.at(0).first_failure();
  ASSERT_NE(hung, nullptr);
  EXPECT_EQ(hung->stage, stage_kind::launch);
  EXPECT_EQ(hung->error, "timeout");

  const auto* early = find(r, "mma.tf32").attempts.at(0).first_failure();
  ASSERT_NE(early, nullptr);
  EXPECT_EQ(early->stage, stage_kind::load);
  EXPECT_EQ(early->error, "worker exit 7");

  for (const char* ok : {"cuda.fma", "mma.s8", "mma.f16f16"}) {
    EXPECT_EQ(find(r, ok).result, report::verdict::native) << ok;
    EXPECT_EQ(find(r, ok).attempts.at(0).stages.size(), 4u) << ok;
  }
}

TEST(Isolation, QueryFailuresMeanOffline) {
  {
    probe::isolated_executor ex({"/nonexistent/worker"}, 1000ms);
    const auto q = ex.query(0);
    EXPECT_FALSE(q.device);
    EXPECT_NE(q.driver.error.find("cannot start"), std::string::npos) << q.driver.error;
  }
  {
    probe::isolated_executor ex({"/bin/sh", "-c", "kill -SEGV $$", "sh"}, 1000ms);
    const auto q = ex.query(0);
    EXPECT_FALSE(q.device);
    EXPECT_NE(q.driver.error.find("SIGSEGV"), std::string::npos) << q.driver.error;
  }
  {
    probe::isolated_executor ex({"/bin/sh", "-c", "exec sleep 30", "sh"}, 300ms);
    const auto q = ex.query(0);
    EXPECT_NE(q.driver.error.find("did not finish"), std::string::npos) << q.driver.error;
  }
}

TEST(Isolation, RealWorkerWithoutDriverAnswersQuery) {
  // The real binary as worker on this GPU-less machine: a clean "no driver" answer.
  probe::isolated_executor ex({SM121PROBE_BINARY, "__worker"}, 10000ms);
  const auto q = ex.query(0);
  EXPECT_FALSE(q.device);
  EXPECT_FALSE(q.driver.error.empty());
}

}  // namespace
}  // namespace sm121probe
