// Choosing the toolkit (README.md "Choosing a toolkit"), with the real NVRTC and
// nvJitLink of the toolkit matrix (scripts/install-toolkits.sh): which library
// each setting loads, that the pair is kept together, that a mismatched pair is
// reported and its link failures are blamed on the toolkit, and that the
// report names both files and their full versions.
#include "support/schema.hpp"
#include "support/toolkits.hpp"
#include "sm121probe/nvrtc/nvjitlink_api.hpp"

#include <dlfcn.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <tuple>

namespace sm121probe {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::run_tool_clean;

// An offline run of one quick probe; the report's toolkit section. After a
// failed run it is empty: callers keep it non-const, so that looking up a
// missing key gives null (a failed expectation) instead of undefined behaviour.
json toolkit_of(const std::vector<std::string>& extra_args, const std::vector<std::string>& env = {},
                const std::string& only = "cuda.fma") {
  std::vector<std::string> args{"run", "--target", "sm_90a", "--only", only, "-o", "-", "-q"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  const auto r = run_tool_clean(args, env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return json::object();
  const json j = json::parse(r.out);
  EXPECT_EQ(testing::schema_errors(j, std::string(SM121PROBE_SOURCE_DIR) + "/docs/report.schema.json"), "");
  return j.value("toolkit", json::object());
}

std::string real(const std::string& p) { return fs::canonical(p).string(); }

TEST(ChooseToolkit, LdLibraryPathWinsOverTheBuiltInToolkit) {
  SM121_REQUIRE_TOOLKITS(tk);
  json t = toolkit_of({}, {"LD_LIBRARY_PATH=" + fs::path(tk.nvrtc129).parent_path().string()});
  EXPECT_EQ(t["nvrtc_version"], "12.9");
  EXPECT_EQ(t["nvrtc_library"]["path"], real(tk.nvrtc129));
  EXPECT_EQ(t["nvrtc_library"]["found_by"], "LD_LIBRARY_PATH");
  EXPECT_EQ(t["nvrtc_library"]["version"].get<std::string>().rfind("12.9.", 0), 0u) << t.dump();
  EXPECT_NE(t["nvrtc_library"]["version_source"].get<std::string>().find("wheel metadata"), std::string::npos);
  // Its partner from the sibling wheel directory, not the 13.x of the loader or the build.
  EXPECT_EQ(t["nvjitlink_library"]["path"], real(tk.nvjitlink129));
  EXPECT_EQ(t["nvjitlink_library"]["found_by"], "next to NVRTC");
  EXPECT_EQ(t["nvjitlink_version"], "12.9");
  EXPECT_TRUE(t["pair_mismatch"].is_null()) << t.dump();
}

TEST(ChooseToolkit, CudaHomeIsHonouredAtRunTime) {
  SM121_REQUIRE_TOOLKITS(tk);
  json t = toolkit_of({}, {"CUDA_HOME=" + tk.cuda135});
  EXPECT_EQ(t["nvrtc_library"]["path"], real(tk.nvrtc135));
  EXPECT_EQ(t["nvrtc_library"]["found_by"], "CUDA_HOME");
  EXPECT_EQ(t["nvrtc_library"]["version"].get<std::string>().rfind("13.5.", 0), 0u) << t.dump();
  EXPECT_EQ(t["nvjitlink_library"]["path"], real(tk.nvjitlink135));
  // LD_LIBRARY_PATH comes before CUDA_HOME.
  json both = toolkit_of({}, {"CUDA_HOME=" + tk.cuda135,
                                    "LD_LIBRARY_PATH=" + fs::path(tk.nvrtc129).parent_path().string()});
  EXPECT_EQ(both["nvrtc_version"], "12.9");
}

TEST(ChooseToolkit, CudaHomeFlagTakesBothFromThatDirectory) {
  SM121_REQUIRE_TOOLKITS(tk);
  for (const auto& [home, nvrtc, jit] : {std::tuple{tk.cuda129, tk.nvrtc129, tk.nvjitlink129},
                                         std::tuple{tk.cuda135, tk.nvrtc135, tk.nvjitlink135}}) {
    // The flag beats the variables.
    json t = toolkit_of({"--cuda-home", home}, {"CUDA_HOME=" + tk.system_home});
    EXPECT_EQ(t["nvrtc_library"]["path"], real(nvrtc)) << home;
    EXPECT_EQ(t["nvrtc_library"]["found_by"], "--cuda-home");
    EXPECT_EQ(t["nvjitlink_library"]["path"], real(jit)) << home;
    EXPECT_EQ(t["nvjitlink_library"]["found_by"], "--cuda-home");
  }
}

TEST(ChooseToolkit, OneLibraryChosenBringsItsPartner) {
  SM121_REQUIRE_TOOLKITS(tk);
  json a = toolkit_of({}, {"SM121PROBE_NVRTC_LIBRARY=" + tk.nvrtc135});
  EXPECT_EQ(a["nvrtc_library"]["found_by"], "SM121PROBE_NVRTC_LIBRARY");
  EXPECT_EQ(a["nvjitlink_library"]["path"], real(tk.nvjitlink135));
  EXPECT_EQ(a["nvjitlink_library"]["found_by"], "next to NVRTC");
  EXPECT_TRUE(a["pair_mismatch"].is_null()) << a.dump();
  json b = toolkit_of({"--nvjitlink", tk.nvjitlink129});
  EXPECT_EQ(b["nvjitlink_library"]["found_by"], "--nvjitlink");
  EXPECT_EQ(b["nvrtc_library"]["path"], real(tk.nvrtc129));
  EXPECT_EQ(b["nvrtc_library"]["found_by"], "next to nvJitLink");
}

TEST(ChooseToolkit, AMismatchedPairIsReportedAndItsLinkFailuresBlameTheToolkit) {
  SM121_REQUIRE_TOOLKITS(tk);
  // NVRTC 13.5 writes PTX ISA 9.5; nvJitLink 12.9 knows 8.8.
  const auto r = run_tool_clean({"run", "--target", "sm_90a", "--only", "image.load.compute_*", "-o", "-", "-q",
                                 "--nvrtc", tk.nvrtc135, "--nvjitlink", tk.nvjitlink129});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  const std::string why = j["toolkit"]["pair_mismatch"].get<std::string>();
  EXPECT_NE(why.find("NVRTC 13.5."), std::string::npos) << why;
  EXPECT_NE(why.find("nvJitLink 12.9."), std::string::npos) << why;
  EXPECT_NE(why.find(real(tk.nvjitlink129)), std::string::npos) << why;
  bool saw = false;
  for (const auto& p : j["probes"]) {
    if (p["id"] != "image.load.compute_80") continue;
    saw = true;
    // compute_80 PTX runs on sm_90: only the pair stops it, so no verdict on the GPU.
    EXPECT_EQ(p["verdict"], "skipped") << p.dump();
    EXPECT_NE(p["reason"].get<std::string>().find("not decided"), std::string::npos) << p["reason"];
    const json& stage = p["attempts"][0]["stages"].back();
    EXPECT_EQ(stage["stage"], "jit_link");
    EXPECT_EQ(stage["error"], "toolkit_mismatch");
    EXPECT_NE(stage["log"].get<std::string>().find("toolkit mismatch, not the probe's PTX"), std::string::npos);
  }
  EXPECT_TRUE(saw);
  // The text header says so too.
  const auto text = run_tool_clean({"run", "--target", "sm_90a", "--only", "cuda.fma", "--format", "text", "-q",
                                    "--nvrtc", tk.nvrtc135, "--nvjitlink", tk.nvjitlink129});
  EXPECT_NE(text.out.find("Toolkit mismatch: NVRTC 13.5."), std::string::npos) << text.out;
}

TEST(ChooseToolkit, MarkdownShowsBothLibraries) {
  SM121_REQUIRE_TOOLKITS(tk);
  // (Paths in markdown go through the redaction like every field: the golden
  // tests/data/report/golden/run-offline.md shows a /home path redacted.)
  const auto r = run_tool_clean({"run", "--target", "sm_90a", "--only", "cuda.fma", "--format", "markdown", "-q",
                                 "--cuda-home", tk.cuda135});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| NVRTC library | `" + real(tk.nvrtc135) + "` (found by --cuda-home; version from wheel "
                       "metadata (nvidia_cuda_nvrtc-13.5."),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("| nvJitLink library | `" + real(tk.nvjitlink135) + "`"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("with NVRTC 13.5."), std::string::npos) << r.out;
}

TEST(ChooseToolkit, BadChoicesAreOneLineErrorsWithTheDocumentedExitCodes) {
  SM121_REQUIRE_TOOLKITS(tk);
  testing::temp_dir d;
  const auto not_dir = run_tool_clean({"run", "--target", "sm_90a", "--cuda-home", d / "absent", "-o", "-"});
  EXPECT_EQ(not_dir.exit_code, 2) << not_dir.err;
  EXPECT_NE(not_dir.err.find("--cuda-home"), std::string::npos) << not_dir.err;
  const auto not_file = run_tool_clean({"run", "--target", "sm_90a", "--nvrtc", d / "libnvrtc.so.13", "-o", "-"});
  EXPECT_EQ(not_file.exit_code, 2) << not_file.err;
  // A directory without NVRTC: nothing silently falls back to another toolkit.
  const auto empty = run_tool_clean({"run", "--target", "sm_90a", "--cuda-home", d.path, "-o", "-"});
  EXPECT_EQ(empty.exit_code, 3) << empty.err;
  EXPECT_NE(empty.err.find("cannot load NVRTC (--cuda-home"), std::string::npos) << empty.err;
  for (const auto* r : {&not_dir, &not_file, &empty}) {
    EXPECT_EQ(std::count(r->err.begin(), r->err.end(), '\n'), 1) << r->err;
    EXPECT_EQ(r->out, "");
  }
}

TEST(ChooseToolkit, ScanAndDoctorTakeTheSameFlags) {
  SM121_REQUIRE_TOOLKITS(tk);
  testing::temp_dir d;
  // A cubin to scan, from run --keep-images with the 12.9 wheels.
  const auto run = run_tool_clean({"run", "--target", "sm_90a", "--only", "cuda.fma", "-o", d / "r.json", "-q",
                                   "--cuda-home", tk.cuda129, "--keep-images", d / "images"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json manifest = json::parse(testing::run_process({"cat", d / "images/manifest.json"}).out);
  ASSERT_FALSE(manifest["images"].empty());
  EXPECT_EQ(manifest["nvrtc"]["version"].get<std::string>().rfind("12.9.", 0), 0u) << manifest.dump();
  const std::string cubin = d / ("images/" + manifest["images"][0]["file"].get<std::string>());
  ASSERT_TRUE(fs::exists(cubin)) << cubin;
  const auto scan = run_tool_clean({"scan", cubin, "--target", "sm_90", "--format", "json", "--cuda-home", tk.cuda129});
  ASSERT_EQ(scan.exit_code, 0) << scan.err;
  EXPECT_NE(json::parse(scan.out)["trap_check"].get<std::string>().find("NVRTC 12.9"), std::string::npos) << scan.out;
  for (const std::vector<std::string>& cmd : {std::vector<std::string>{"scan", cubin}, {"doctor"}}) {
    std::vector<std::string> args = cmd;
    args.insert(args.end(), {"--cuda-home", d / "absent"});
    const auto bad = run_tool_clean(args);
    EXPECT_EQ(bad.exit_code, 2) << cmd[0] << ": " << bad.err;
    EXPECT_NE(bad.err.find("--cuda-home"), std::string::npos) << bad.err;
  }
}

TEST(NvJitLinkSymbols, EachReleaseResolvesByItsOwnVersionedNames) {
  SM121_REQUIRE_TOOLKITS(tk);
  for (const auto& [lib, want] : {std::pair<std::string, std::string>{tk.nvjitlink129, "12_9"},
                                  std::pair<std::string, std::string>{tk.nvjitlink135, "13_5"}}) {
    void* h = ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(h, nullptr) << ::dlerror();
    const nvrtc::nvjitlink_api api = nvrtc::resolve_nvjitlink(h);
    EXPECT_TRUE(api.usable()) << lib;
    EXPECT_EQ(api.abi, want) << lib;
    unsigned major = 0, minor = 0;
    ASSERT_NE(api.version, nullptr);
    EXPECT_EQ(api.version(&major, &minor), NVJITLINK_SUCCESS);
    EXPECT_EQ(fmt::format("{}_{}", major, minor), want);
  }
}

}  // namespace
}  // namespace sm121probe
