// The doctor's audit against fake Python environments built in a temporary
// directory, with the real toolkit's ptxas, NVRTC and nvJitLink doing the
// compiles (and a script that fails like ptxas 12.8 where the test needs one).
#include "doctor/fake_env.hpp"

#include "sm121probe/doctor/audit.hpp"
#include "sm121probe/report/doctor_render.hpp"
#include "support/schema.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace sm121probe::testing {
namespace {

using doctor::severity;

const doctor::finding* find(const doctor::doctor_report& r, std::string_view id) {
  for (const auto& f : r.findings)
    if (f.id == id) return &f;
  return nullptr;
}

std::string ids(const doctor::doctor_report& r) {
  std::string s;
  for (const auto& f : r.findings) s += std::string(doctor::to_string(f.level)) + " " + f.id + "\n";
  return s;
}

const doctor::tool_record* tool_at(const doctor::doctor_report& r, const std::string& path) {
  for (const auto& t : r.tools)
    if (t.path == path) return &t;
  return nullptr;
}

doctor::audit_options options_for(const fake_env& e) {
  doctor::audit_options o;
  o.target = gpu_arch{12, 1};
  o.driver = cuda_version{13, 0};
  o.driver_source = "given by the test";
  o.python = e.python;
  o.python_given = true;
  o.env = {{"PATH", "/usr/bin:/bin"}, {"HOME", e.home}, {"TMPDIR", e.dir.path}};  // the test compiles stay in e.dir
  o.self_exe = SM121PROBE_BINARY;
  return o;
}

TEST(DoctorAudit, HarmfulEnvironmentGivesEachFindingWithSeverityAndFix) {
  fake_env e;
  e.triton(fake_env::triton_ptxas::ptxas_128);
  e.torch({blob::sass(120), blob::ptx(120, 8, 7)});
  e.nvidia_jit_wheels();
  auto o = options_for(e);
  o.env["TRITON_OVERRIDE_ARCH"] = "sm90";
  o.env["CUDA_FORCE_PTX_JIT"] = "1";
  o.env["CUDA_CACHE_DISABLE"] = "1";
  o.env["CUDA_VISIBLE_DEVICES"] = "";
  o.env["TORCH_CUDA_ARCH_LIST"] = "8.0;9.0";
  o.env["CUDA_MODULE_LOADING"] = "EAGER";
  const auto r = doctor::audit(o);
  SCOPED_TRACE(ids(r));

  const auto* triton = find(r, "triton.ptxas-rejects-target");
  ASSERT_NE(triton, nullptr);
  EXPECT_EQ(triton->level, severity::error);
  // The exact message of ptxas 12.8, and a fix naming a ptxas that was seen accepting sm_121a.
  EXPECT_NE(triton->observed.find("ptxas fatal   : Value 'sm_121a' is not defined for option 'gpu-name'"),
            std::string::npos)
      << triton->observed;
  EXPECT_TRUE(triton->fix.starts_with("export TRITON_PTXAS_PATH=/")) << triton->fix;
  const std::string fixed_ptxas = triton->fix.substr(std::string("export TRITON_PTXAS_PATH=").size());
  const auto* good = tool_at(r, fixed_ptxas);
  ASSERT_NE(good, nullptr) << fixed_ptxas;
  for (const auto& c : good->targets) EXPECT_TRUE(c.accepted) << c.target << ": " << c.message;

  const auto expect = [&](std::string_view id, severity level, std::string_view fix_part) {
    const auto* f = find(r, id);
    ASSERT_NE(f, nullptr) << id;
    EXPECT_EQ(f->level, level) << id;
    EXPECT_NE(f->fix.find(fix_part), std::string::npos) << id << ": " << f->fix;
    EXPECT_FALSE(f->observed.empty()) << id;
    EXPECT_FALSE(f->why.empty()) << id;
    EXPECT_NE(doctor::find_kind(id), nullptr) << id << " is not in the catalog";
  };
  expect("triton.override-arch", severity::error, "unset TRITON_OVERRIDE_ARCH");
  expect("env.cuda-force-ptx-jit", severity::warn, "unset CUDA_FORCE_PTX_JIT");
  expect("env.cuda-cache-disabled", severity::warn, "unset CUDA_CACHE_DISABLE");
  expect("env.cuda-visible-devices-hides-all", severity::error, "unset CUDA_VISIBLE_DEVICES");
  expect("env.torch-cuda-arch-list-misses-target", severity::error, "TORCH_CUDA_ARCH_LIST=\"8.0;9.0;12.1\"");
  expect("env.cuda-module-loading-eager", severity::info, "unset CUDA_MODULE_LOADING");
  // torch carries sm_120 SASS: its capability warning on 12.1 is a false alarm.
  const auto* torch = find(r, "torch.capability-warning-false-alarm");
  ASSERT_NE(torch, nullptr);
  EXPECT_EQ(torch->level, severity::info);
  EXPECT_NE(torch->observed.find("sm_120"), std::string::npos) << torch->observed;
  EXPECT_EQ(doctor::exit_code(r), 1);

  // Triton's bundled ptxas is recorded as the one Triton uses, with its origin.
  const auto* bundled = tool_at(r, e.site + "/triton/backends/nvidia/bin/ptxas");
  ASSERT_NE(bundled, nullptr);
  EXPECT_TRUE(bundled->used_by_triton);
  EXPECT_NE(bundled->origin.find("bundled with triton 3.3.1"), std::string::npos) << bundled->origin;
  EXPECT_EQ(bundled->version, "12.8.93");
  // Findings come sorted: errors first.
  EXPECT_TRUE(std::is_sorted(r.findings.begin(), r.findings.end(), [](const auto& a, const auto& b) {
    return static_cast<int>(a.level) < static_cast<int>(b.level);
  }));
}

TEST(DoctorAudit, CleanEnvironmentHasNoErrorFinding) {
  fake_env e;
  e.triton(fake_env::triton_ptxas::real);
  e.torch({blob::sass(120), blob::sass(121), blob::ptx(120, 8, 7)});
  e.nvidia_jit_wheels();
  e.nvcc_wheel();
  const auto r = doctor::audit(options_for(e));
  SCOPED_TRACE(ids(r));
  EXPECT_EQ(doctor::count(r).error, 0u);
  EXPECT_EQ(doctor::exit_code(r), 0);
  EXPECT_EQ(r.python_version, "3.12.3");
  ASSERT_EQ(r.site_packages.size(), 1u);  // the missing directory the interpreter named is dropped
  // torch read from version.py, triton from its dist-info.
  const auto pkg = [&](const std::string& name) -> const doctor::package_record* {
    for (const auto& p : r.packages)
      if (p.name == name) return &p;
    return nullptr;
  };
  ASSERT_NE(pkg("torch"), nullptr);
  EXPECT_EQ(pkg("torch")->version, "2.9.0+cu130");
  EXPECT_EQ(pkg("torch")->cuda, "13.0");
  ASSERT_NE(pkg("triton"), nullptr);
  EXPECT_EQ(pkg("triton")->version, "3.3.1");
  // sm_121 SASS present: no false-alarm note needed.
  EXPECT_EQ(find(r, "torch.capability-warning-false-alarm"), nullptr);
}

TEST(DoctorAudit, WheelNvrtcAndNvJitLinkAreJudgedWithRealCompiles) {
  fake_env e;
  e.nvidia_jit_wheels();
  e.nvcc_wheel();
  auto o = options_for(e);
  o.toolkit_parents = {};  // only what the wheels bring
  const auto r = doctor::audit(o);
  SCOPED_TRACE(ids(r));
  const auto* nvrtc = tool_at(r, e.site + "/nvidia/cu13/lib/libnvrtc.so.13");
  ASSERT_NE(nvrtc, nullptr);
  EXPECT_EQ(nvrtc->kind, doctor::tool_kind::nvrtc);
  EXPECT_EQ(nvrtc->origin, "wheel nvidia-cuda-nvrtc 13.0.88");
  EXPECT_EQ(nvrtc->error, "");
  EXPECT_EQ(nvrtc->version, "13.0");
  EXPECT_EQ(nvrtc->ptx_isa, "9.0");
  ASSERT_EQ(nvrtc->targets.size(), 3u);
  for (const auto& c : nvrtc->targets) EXPECT_TRUE(c.accepted) << c.target << ": " << c.message;
  const auto* jit = tool_at(r, e.site + "/nvidia/cu13/lib/libnvJitLink.so.13");
  ASSERT_NE(jit, nullptr);
  EXPECT_EQ(jit->kind, doctor::tool_kind::nvjitlink);
  EXPECT_EQ(jit->error, "");
  for (const auto& c : jit->targets) EXPECT_TRUE(c.accepted) << c.target << ": " << c.message;
  const auto* ptxas = tool_at(r, e.site + "/nvidia/cuda_nvcc/bin/ptxas");
  ASSERT_NE(ptxas, nullptr);
  EXPECT_EQ(ptxas->origin, "wheel nvidia-cuda-nvcc 13.0.88");
  EXPECT_EQ(doctor::count(r).error, 0u);
}

TEST(DoctorAudit, NvrtcNewerThanTheDriverIsAnError) {
  fake_env e;
  e.nvidia_jit_wheels();
  auto o = options_for(e);
  o.toolkit_parents = {};
  o.driver = cuda_version{12, 8};  // accepts PTX ISA up to 8.7; NVRTC 13.0 emits 9.0
  const auto r = doctor::audit(o);
  const auto* f = find(r, "nvrtc.ptx-newer-than-driver");
  ASSERT_NE(f, nullptr) << ids(r);
  EXPECT_EQ(f->level, severity::error);
  EXPECT_NE(f->summary.find("PTX ISA 9.0"), std::string::npos) << f->summary;
  EXPECT_NE(f->summary.find("up to 8.7"), std::string::npos) << f->summary;
}

TEST(DoctorAudit, RealToolkitPtxasAndNvrtcAcceptEverySm121Variant) {
  fake_env e;
  auto o = options_for(e);
  o.python.clear();
  o.python_given = false;
  // The toolkit the build found (/usr/local/cuda-13.0/bin -> parent /usr/local, entry cuda-13.0).
  const auto root = std::filesystem::canonical(std::string(SM121PROBE_CUDA_BIN_DIR)).parent_path();
  o.toolkit_parents = {root.parent_path().string()};
  ASSERT_EQ(root.filename().string().rfind("cuda", 0), 0u) << root;
  const auto r = doctor::audit(o);
  SCOPED_TRACE(ids(r));
  bool ptxas = false, nvrtc = false;
  for (const auto& t : r.tools) {
    if (t.path.rfind(root.parent_path().string() + "/cuda", 0) != 0) continue;
    if (t.kind == doctor::tool_kind::ptxas) ptxas = true;
    if (t.kind == doctor::tool_kind::nvrtc) nvrtc = true;
    EXPECT_EQ(t.error, "") << t.path;
    std::vector<std::string> names;
    for (const auto& c : t.targets) {
      names.push_back(c.target);
      EXPECT_TRUE(c.accepted) << t.path << " " << c.target << ": " << c.message;
    }
    EXPECT_EQ(names, (std::vector<std::string>{"sm_121", "sm_121a", "sm_121f"})) << t.path;
    EXPECT_TRUE(t.release.has_value()) << t.path;
  }
  EXPECT_TRUE(ptxas);
  EXPECT_TRUE(nvrtc);
  EXPECT_NE(find(r, "python.not-found"), nullptr);
  EXPECT_EQ(find(r, "toolkit.not-found"), nullptr);
}

TEST(DoctorAudit, TritonPtxasPathPointingAtAGoodPtxasFixesTriton) {
  fake_env e;
  e.triton(fake_env::triton_ptxas::ptxas_128);
  auto o = options_for(e);
  o.env["TRITON_PTXAS_PATH"] = toolkit_ptxas;
  const auto r = doctor::audit(o);
  SCOPED_TRACE(ids(r));
  EXPECT_EQ(find(r, "triton.ptxas-rejects-target"), nullptr);
  // The bundled one still rejects sm_121*: a warning, not an error.
  const auto* w = find(r, "ptxas.rejects-target");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->level, severity::warn);
  EXPECT_EQ(doctor::count(r).error, 0u);
  bool used = false;
  for (const auto& t : r.tools) used = used || (t.used_by_triton && t.version.rfind("13.0", 0) == 0);
  EXPECT_TRUE(used);
}

TEST(DoctorAudit, TritonPtxasPathMissingOrAWrapperScript) {
  fake_env e;
  e.triton(fake_env::triton_ptxas::real);
  auto o = options_for(e);
  o.env["TRITON_PTXAS_PATH"] = e.dir / "no/such/ptxas";
  auto r = doctor::audit(o);
  const auto* f = find(r, "triton.ptxas-path-invalid");
  ASSERT_NE(f, nullptr) << ids(r);
  EXPECT_EQ(f->level, severity::warn);  // Triton falls back to its bundled ptxas, which works
  EXPECT_NE(f->summary.find("does not exist"), std::string::npos);

  write_text(e.dir / "wrapper/ptxas", "#!/bin/sh\nexec " + toolkit_ptxas + " \"$@\"\n", true);
  o.env["TRITON_PTXAS_PATH"] = e.dir / "wrapper/ptxas";
  r = doctor::audit(o);
  f = find(r, "triton.ptxas-wrapper");
  ASSERT_NE(f, nullptr) << ids(r);
  EXPECT_EQ(f->level, severity::warn);
}

TEST(DoctorAudit, NoPtxasAcceptsTheTarget) {
  fake_env e;
  e.triton(fake_env::triton_ptxas::ptxas_128);
  write_text(e.dir / "bin/ptxas", ptxas_128_script(), true);
  auto o = options_for(e);
  o.toolkit_parents = {};
  o.env["PATH"] = e.dir / "bin";
  const auto r = doctor::audit(o);
  SCOPED_TRACE(ids(r));
  const auto* f = find(r, "ptxas.none-accepts-target");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->level, severity::error);
  const auto* t = find(r, "triton.ptxas-rejects-target");
  ASSERT_NE(t, nullptr);
  EXPECT_NE(t->fix.find("12.9 or newer"), std::string::npos) << t->fix;
}

TEST(DoctorAudit, NoToolkitAtAll) {
  fake_env e;
  auto o = options_for(e);
  o.toolkit_parents = {};
  const auto r = doctor::audit(o);
  const auto* f = find(r, "toolkit.not-found");
  ASSERT_NE(f, nullptr) << ids(r);
  EXPECT_EQ(f->level, severity::warn);
}

TEST(DoctorAudit, TorchWithoutUsableCodeOrOnlyPtx) {
  {
    fake_env e;
    e.torch({blob::sass(90, blob::flag::arch_specific), blob::sass(100, blob::flag::arch_specific)});
    auto o = options_for(e);
    o.toolkit_parents = {};
    const auto r = doctor::audit(o);
    const auto* f = find(r, "torch.no-kernel-image");
    ASSERT_NE(f, nullptr) << ids(r);
    EXPECT_EQ(f->level, severity::error);
  }
  {
    fake_env e;
    e.torch({blob::sass(90, blob::flag::arch_specific), blob::ptx(80, 7, 0)});
    auto two = blob::make_container({blob::ptx(80, 7, 0)});
    blob::append(two, blob::make_container({blob::ptx(86, 7, 0)}));
    write_bytes(e.site + "/torch/lib/libtorch_cuda_linalg.so", blob::host_with_fatbin(two));
    auto o = options_for(e);
    o.toolkit_parents = {};
    o.env["CUDA_DISABLE_PTX_JIT"] = "1";
    const auto r = doctor::audit(o);
    const auto* f = find(r, "torch.ptx-jit-only");
    ASSERT_NE(f, nullptr) << ids(r);
    EXPECT_EQ(f->level, severity::warn);
    // torch/lib is scanned as a whole: a second library with two PTX-only modules adds to the count.
    ASSERT_EQ(r.packages.front().name, "torch");
    EXPECT_EQ(r.packages.front().jit_modules, 3u);
    // With the JIT disabled on top, torch cannot run at all.
    const auto* d = find(r, "env.cuda-disable-ptx-jit");
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->level, severity::error);
  }
}

TEST(DoctorAudit, LibraryNeedingAMissingCudaRuntimeIsAnError) {
  fake_env e;
  e.torch({blob::sass(120), blob::sass(121)});
  const auto gpu = blob::make_container({blob::sass(121)});
  std::filesystem::create_directories(e.site + "/sgl_kernel");
  // Needs the CUDA 12 runtime, which neither the system nor the environment has.
  write_bytes(e.site + "/sgl_kernel/common_ops.so", blob::host_needing(gpu, {"libcudart.so.12"}));
  // Needs a CUDA library its RUNPATH finds inside the package: not a finding.
  std::filesystem::create_directories(e.site + "/okpkg/lib");
  write_bytes(e.site + "/okpkg/lib/libcublasLt.so.77", blob::host_with_fatbin(gpu));
  write_bytes(e.site + "/okpkg/ops.so", blob::host_needing(gpu, {"libcublasLt.so.77"}, "$ORIGIN/lib"));
  auto o = options_for(e);
  o.toolkit_parents = {};
  const auto r = doctor::audit(o);
  std::vector<const doctor::finding*> missing;
  for (const auto& f : r.findings)
    if (f.id == "python.missing-cuda-runtime") missing.push_back(&f);
  ASSERT_EQ(missing.size(), 1u) << ids(r);
  EXPECT_EQ(missing[0]->level, severity::error);
  EXPECT_NE(missing[0]->observed.find("sgl_kernel/common_ops.so"), std::string::npos) << missing[0]->observed;
  EXPECT_NE(missing[0]->observed.find("libcudart.so.12"), std::string::npos) << missing[0]->observed;
  EXPECT_NE(missing[0]->fix.find("nvidia-cuda-runtime-cu12"), std::string::npos) << missing[0]->fix;
  EXPECT_EQ(doctor::exit_code(r), 1);
}

TEST(DoctorAudit, TorchBuiltForANewerCudaThanTheDriver) {
  fake_env e;
  e.torch({blob::sass(120)}, "2.9.0+cu130", "13.0");
  auto o = options_for(e);
  o.toolkit_parents = {};
  o.driver = cuda_version{12, 8};
  const auto r = doctor::audit(o);
  const auto* f = find(r, "torch.cuda-newer-than-driver");
  ASSERT_NE(f, nullptr) << ids(r);
  EXPECT_EQ(f->level, severity::error);
}

TEST(DoctorAudit, JitCacheUnwritableOrFull) {
  fake_env e;
  auto o = options_for(e);
  o.toolkit_parents = {};
  write_text(e.dir / "a-file", "x");
  o.env["CUDA_CACHE_PATH"] = e.dir / "a-file/ComputeCache";  // under a regular file: never creatable
  auto r = doctor::audit(o);
  const auto* f = find(r, "env.cuda-cache-unwritable");
  ASSERT_NE(f, nullptr) << ids(r);
  EXPECT_EQ(f->level, severity::warn);

  write_text(e.dir / "cache/a/blob", std::string(2000, 'x'));
  o.env["CUDA_CACHE_PATH"] = e.dir / "cache";
  o.env["CUDA_CACHE_MAXSIZE"] = "1000";
  r = doctor::audit(o);
  EXPECT_EQ(find(r, "env.cuda-cache-unwritable"), nullptr) << ids(r);
  f = find(r, "env.cuda-cache-full");
  ASSERT_NE(f, nullptr) << ids(r);
  EXPECT_NE(f->fix.find("CUDA_CACHE_MAXSIZE=4294967296"), std::string::npos);
  o.env["CUDA_CACHE_MAXSIZE"] = "1000000";
  r = doctor::audit(o);
  EXPECT_EQ(find(r, "env.cuda-cache-full"), nullptr) << ids(r);
}

TEST(DoctorAudit, TorchArchListSeverityFollowsTheLoadingRules) {
  fake_env e;
  auto o = options_for(e);
  o.toolkit_parents = {};
  const auto level_for = [&](const std::string& list) -> std::optional<severity> {
    o.env["TORCH_CUDA_ARCH_LIST"] = list;
    const auto r = doctor::audit(o);
    const auto* f = find(r, "env.torch-cuda-arch-list-misses-target");
    return f ? std::optional<severity>(f->level) : std::nullopt;
  };
  EXPECT_EQ(level_for("8.0;12.1"), std::nullopt);
  EXPECT_EQ(level_for("9.0 12.1a"), std::nullopt);
  EXPECT_EQ(level_for("8.0;12.0"), severity::info);      // sm_120 SASS loads on 12.1
  EXPECT_EQ(level_for("8.0;9.0+PTX"), severity::warn);   // only through the JIT
  EXPECT_EQ(level_for("8.0;12.0a"), severity::error);    // sm_120a runs only on 12.0
}

TEST(DoctorAudit, OverrideArchToTheTargetItselfIsHarmless) {
  fake_env e;
  auto o = options_for(e);
  o.toolkit_parents = {};
  o.env["TRITON_OVERRIDE_ARCH"] = "sm121";
  EXPECT_EQ(find(doctor::audit(o), "triton.override-arch"), nullptr);
  o.env["TRITON_OVERRIDE_ARCH"] = "sm_120";  // sm_120a: only on 12.0
  EXPECT_NE(find(doctor::audit(o), "triton.override-arch"), nullptr);
}

TEST(DoctorAudit, PythonThatCannotRunOrFails) {
  fake_env e;
  auto o = options_for(e);
  o.toolkit_parents = {};
  o.python = e.dir / "no-python";
  EXPECT_THROW((void)doctor::audit(o), doctor::python_not_found);
  write_text(e.dir / "bad-python", "#!/bin/sh\nexit 3\n", true);
  o.python = e.dir / "bad-python";
  EXPECT_THROW((void)doctor::audit(o), doctor::python_failed);
  // Not given explicitly (the default python3 of the machine): a missing one is a finding, not an error.
  o.python = e.dir / "no-python";
  o.python_given = false;
  const auto r = doctor::audit(o);
  EXPECT_NE(find(r, "python.not-found"), nullptr) << ids(r);
}

TEST(DoctorAudit, ImportFailureIsReportedWithItsMessage) {
  fake_env e;
  e.torch({blob::sass(121)});
  // An interpreter that answers the site query and fails the import like a broken torch.
  write_text(e.python,
             "#!/bin/sh\n"
             "case \"$2\" in *getsitepackages*) echo version=3.12.3; echo site=" + e.site + "; exit 0;; esac\n"
             "echo \"fail torch ImportError: libcudart.so.12: cannot open shared object file\"\n",
             true);
  auto o = options_for(e);
  o.toolkit_parents = {};
  o.import_frameworks = true;
  const auto r = doctor::audit(o);
  const auto* f = find(r, "python.import-failed");
  ASSERT_NE(f, nullptr) << ids(r);
  EXPECT_EQ(f->level, severity::error);
  EXPECT_NE(f->observed.find("libcudart.so.12: cannot open shared object file"), std::string::npos) << f->observed;
}

TEST(DoctorAudit, JsonValidatesAgainstTheSchema) {
  fake_env e;
  e.triton(fake_env::triton_ptxas::ptxas_128);
  e.torch({blob::sass(120), blob::ptx(120, 8, 7)});
  e.nvidia_jit_wheels();
  auto o = options_for(e);
  o.env["CUDA_FORCE_PTX_JIT"] = "1";
  o.env["TRITON_PTXAS_PATH"] = e.dir / "missing";
  const auto r = doctor::audit(o);
  const auto j = nlohmann::json::parse(report::render_doctor_json(r));
  EXPECT_EQ(schema_errors(j, std::string(SM121PROBE_SOURCE_DIR) + "/docs/doctor.schema.json"), "");
  EXPECT_EQ(j["summary"]["error"].get<std::size_t>(), doctor::count(r).error);
  // A record that breaks the schema is caught (the schema can fail).
  auto bad = j;
  bad["findings"][0]["severity"] = "fatal";
  EXPECT_NE(schema_errors(bad, std::string(SM121PROBE_SOURCE_DIR) + "/docs/doctor.schema.json"), "");
}

}  // namespace
}  // namespace sm121probe::testing

namespace sm121probe::testing {
namespace {

TEST(DoctorAudit, BrokenWheelLibraryIsRecordedNotFatal) {
  fake_env e;
  e.dist("nvidia_cuda_nvrtc_cu12-12.8.93", "nvidia-cuda-nvrtc-cu12", "12.8.93", {"nvidia/cuda_nvrtc/lib/libnvrtc.so.12"});
  write_text(e.site + "/nvidia/cuda_nvrtc/lib/libnvrtc.so.12", "not an ELF file\n");
  auto o = options_for(e);
  o.toolkit_parents = {};
  const auto r = doctor::audit(o);
  const doctor::tool_record* t = nullptr;
  for (const auto& x : r.tools)
    if (x.path == e.site + "/nvidia/cuda_nvrtc/lib/libnvrtc.so.12") t = &x;
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->origin, "wheel nvidia-cuda-nvrtc-cu12 12.8.93");
  EXPECT_NE(t->error.find("cannot load"), std::string::npos) << t->error;
  EXPECT_TRUE(t->targets.empty());
}

TEST(DoctorWorker, DeviceWorkerWithoutADriverAnswersWithAnError) {
  const auto res = run_tool({"__doctor", "device", "0"});
  ASSERT_EQ(res.exit_code, 0) << res.err;
  const auto d = report::doctor_device_from_json(nlohmann::json::parse(res.out));
  // This machine has no driver (CI neither); with one, the worker measures instead.
  if (d.error.empty()) {
    EXPECT_FALSE(d.cc.empty());
  } else {
    EXPECT_NE(d.error.find("libcuda"), std::string::npos) << d.error;
  }
  EXPECT_EQ(run_tool({"__doctor", "device", "x"}).exit_code, 2);
  EXPECT_EQ(run_tool({"__doctor", "bogus"}).exit_code, 2);
}

}  // namespace
}  // namespace sm121probe::testing
