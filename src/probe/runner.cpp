#include "sm121probe/probe/runner.hpp"

#include "sm121probe/binscan/ptx.hpp"
#include "sm121probe/probe/expectations.hpp"
#include "sm121probe/probe/sass.hpp"
#include "sm121probe/version.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <sys/utsname.h>
#include <unistd.h>

namespace sm121probe::probe {

namespace {

using report::stage_kind;
using report::stage_result;

stage_result make_stage(stage_kind kind, bool ok, double ms, std::string error, std::string log,
                        bool predicted = false) {
  stage_result s;
  s.stage = kind;
  s.ok = ok;
  s.ms = ms;
  s.error = std::move(error);
  s.log = nvrtc::trim_log(log);
  s.predicted = predicted;
  return s;
}

// The candidate SASS targets of a native variant, least specific first.
std::vector<gpu_arch> native_candidates(const gpu_arch& arch) {
  std::vector<gpu_arch> out{arch.base()};
  if (has_family_variant(arch.sm())) out.push_back({arch.major, arch.minor, arch_variant::family});
  if (has_arch_specific_variant(arch.sm())) out.push_back({arch.major, arch.minor, arch_variant::arch_specific});
  return out;
}

std::string short_error(const stage_result& s) {
  if (s.stage == stage_kind::compile || s.stage == stage_kind::jit_link) {
    const std::string line = nvrtc::first_error_line(s.log);
    if (!line.empty()) return line;
  }
  if (s.stage == stage_kind::verify && !s.log.empty()) return s.log.substr(0, s.log.find('\n'));
  if (s.predicted && !s.log.empty()) return fmt::format("{} ({})", s.error, s.log.substr(0, s.log.find('\n')));
  return s.error.empty() ? "failed" : s.error;
}

std::string describe_failure(const report::attempt_result& a) {
  const stage_result* f = a.first_failure();
  if (!f) return fmt::format("{} ({}) did not complete", a.variant, a.target);
  return fmt::format("{} ({}) failed at {}: {}", a.variant, a.target, report::to_string(f->stage), short_error(*f));
}

}  // namespace

std::string jit_target_for(const gpu_arch& arch) {
  gpu_arch t = arch.base();
  if (has_arch_specific_variant(arch.sm())) t.variant = arch_variant::arch_specific;
  return sass_name(t);
}

namespace {

// A native variant: SASS for the device, least specific target first (plain,
// else family `f`, else arch-specific `a`). The first target that compiles is
// the one recorded; the rejections before it become notes. If none compiles,
// the plain target's log is the stage log and the others' first errors are
// notes. Native means the hardware instruction: the SASS is judged
// (docs/classification.md).
void compile_native(const nvrtc::toolchain& tools, const catalogue& cat, const probe& p, const variant& v,
                    nvrtc::compile_request& rq, const gpu_arch& arch, compiled_variant& out) {
  std::string first_log, first_status;
  std::vector<std::string> rejected;
  double ms = 0.0;
  for (const gpu_arch& cand : native_candidates(arch)) {
    rq.target = sass_name(cand);
    nvrtc::compile_result res = tools.compile(rq);
    ms += res.ms;
    if (res.ok) {
      out.attempt.target = rq.target;
      out.attempt.warnings = nvrtc::extract_warnings(res.log);
      out.attempt.stages.push_back(make_stage(stage_kind::compile, true, ms, {}, res.log));
      out.image = std::move(res.image);
      break;
    }
    const std::string why = nvrtc::first_error_line(res.log);
    rejected.push_back(fmt::format("{} rejected: {}", rq.target, why.empty() ? res.status : why));
    if (rejected.size() == 1) {
      first_log = res.log;
      first_status = res.status;
    }
  }
  if (out.image.empty()) {
    out.attempt.target = sass_name(arch.base());
    out.attempt.stages.push_back(make_stage(stage_kind::compile, false, ms, first_status, first_log));
    out.attempt.notes.assign(rejected.begin() + 1, rejected.end());
    return;
  }
  out.attempt.notes = std::move(rejected);
  if (v.fallback || p.sass_checks.empty()) return;
  if (auto inspection = inspect_sass(tools, out.attempt.target, out.image, p.sass_checks, cat.sass_classes)) {
    out.attempt.sass = std::move(inspection->summary);
    out.attempt.emulated = inspection->emulated;
  } else {
    report::sass_summary unread;
    unread.note = "SASS not inspected: the compiled image is not a readable cubin";
    unread.inconclusive = true;
    for (const auto& c : p.sass_checks)
      unread.expected_class += (unread.expected_class.empty() ? "" : "+") + c.expected_class;
    out.attempt.notes.push_back(unread.note);
    out.attempt.sass = std::move(unread);
  }
}

// Offline, PTX goes through nvJitLink for the target (standing in for the
// driver's JIT); with `driver`, the PTX ISA is also checked against what that
// driver accepts. Leaves the linked cubin in out.image when everything passes.
void link_ptx_offline(const nvrtc::toolchain& tools, const std::vector<std::byte>& ptx, const gpu_arch& arch,
                      std::optional<cuda_version> driver, compiled_variant& out) {
  const std::string jt = jit_target_for(arch);
  nvrtc::link_result link = tools.jit_link(ptx, jt);
  std::string log = fmt::format("nvJitLink -arch={} (standing in for the driver's JIT)", jt);
  if (!link.log.empty()) log += "\n" + link.log;
  if (!link.ok && !tools.pair_mismatch().empty()) {
    // An nvJitLink older than NVRTC refuses NVRTC's newer PTX ISA: the toolkit's
    // fault, not the probe's (README.md "Choosing a toolkit").
    const std::string_view text(reinterpret_cast<const char*>(ptx.data()), ptx.size());
    const auto header = binscan::parse_ptx_header(text);
    const auto linker = parse_cuda_version(tools.nvjitlink_version());
    // Only when the PTX could run here at all: PTX for another architecture fails with any pair.
    if (header && linker && ptx_jits_on(header->target, arch).ok) {
      if (const compat_result c = ptx_isa_accepted(header->isa, *linker); !c.ok) {
        link.status = std::string(toolkit_mismatch_error);
        log = fmt::format("toolkit mismatch, not the probe's PTX: nvJitLink {} cannot read the PTX ISA {} that NVRTC {} "
                          "wrote ({}); {}\n{}",
                          tools.nvjitlink_version(), to_string(header->isa), tools.nvrtc_version(), c.reason,
                          tools.pair_mismatch(), log);
      }
    }
  }
  out.attempt.stages.push_back(make_stage(stage_kind::jit_link, link.ok, link.ms, link.status, log));
  if (!link.ok) return;
  for (auto& w : nvrtc::extract_warnings(link.log)) out.attempt.warnings.push_back(std::move(w));
  if (driver) {
    // The driver refuses PTX newer than its release knows, whatever ptxas can do.
    const std::string_view text(reinterpret_cast<const char*>(ptx.data()), ptx.size());
    const auto header = binscan::parse_ptx_header(text);
    const compat_result c =
        header ? ptx_isa_accepted(header->isa, *driver) : compat_result{false, "the PTX has no .version line"};
    out.attempt.stages.push_back(make_stage(
        stage_kind::load, c.ok, 0.0, c.ok ? "" : "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        c.ok ? fmt::format("predicted: a CUDA {} driver accepts PTX ISA {}", to_string(*driver), to_string(header->isa))
             : fmt::format("predicted: {}", c.reason),
        true));
    if (!c.ok) return;
  }
  out.image = std::move(link.cubin);
}

// Offline, SASS built for another architecture gets a load stage predicted
// from the compatibility rules.
void predict_sass_load(const gpu_arch& built_for, const std::string& target, const gpu_arch& arch,
                       compiled_variant& out) {
  const compat_result c = sass_runs_on(built_for, arch);
  out.attempt.stages.push_back(make_stage(
      stage_kind::load, c.ok, 0.0, c.ok ? "" : "CUDA_ERROR_NO_BINARY_FOR_GPU",
      c.ok ? fmt::format("predicted: {} SASS loads on a {} device", target, cc_string(arch))
           : fmt::format("predicted: {}", c.reason),
      true));
}

// A fixed variant: compiled exactly as named (compute_80 PTX, sm_100a SASS).
void compile_fixed(const nvrtc::toolchain& tools, const variant& v, nvrtc::compile_request& rq,
                   const gpu_arch& arch, bool offline, std::optional<cuda_version> driver, compiled_variant& out) {
  const auto name = parse_arch_name(v.target.name);
  out.attempt.target = v.target.name;
  if (!name) {
    out.attempt.stages.push_back(make_stage(stage_kind::compile, false, 0.0, "bad_target",
                                            fmt::format("'{}' is not an architecture name", v.target.name)));
    return;
  }
  rq.target = to_string(*name);
  nvrtc::compile_result res = tools.compile(rq);
  out.attempt.stages.push_back(make_stage(stage_kind::compile, res.ok, res.ms, res.status, res.log));
  if (!res.ok) return;
  out.attempt.warnings = nvrtc::extract_warnings(res.log);
  if (name->kind == code_kind::ptx && offline) {
    link_ptx_offline(tools, res.image, arch, driver, out);
    return;
  }
  out.image = std::move(res.image);
  if (name->kind == code_kind::sass && offline) predict_sass_load(name->arch, rq.target, arch, out);
}

}  // namespace

compiled_variant compile_variant(const nvrtc::toolchain& tools, const catalogue& cat, const probe& p,
                                 const variant& v, const gpu_arch& arch, bool offline,
                                 std::optional<cuda_version> driver) {
  compiled_variant out;
  out.attempt.variant = v.label;
  out.attempt.fallback = v.fallback;
  const auto source = cat.kernel(p.kernel);
  if (!source) {
    out.attempt.target = v.target.name.empty() ? sass_name(arch.base()) : v.target.name;
    out.attempt.stages.push_back(
        make_stage(stage_kind::compile, false, 0.0, "missing_kernel", fmt::format("{} is not embedded", p.kernel)));
    return out;
  }
  nvrtc::compile_request rq;
  rq.name = std::string(source->path);
  rq.source = source->text;
  rq.options = v.options;
  rq.headers = cat.headers;
  if (v.target.how == target_spec::kind::device_native)
    compile_native(tools, cat, p, v, rq, arch, out);
  else
    compile_fixed(tools, v, rq, arch, offline, driver, out);
  out.device_ready = !out.image.empty() && out.attempt.passed();
  return out;
}

classification classify(const std::vector<report::attempt_result>& attempts) {
  classification c;
  const report::attempt_result* primary_ok = nullptr;
  const report::attempt_result* fallback_ok = nullptr;
  std::vector<std::string> failures;
  for (const auto& a : attempts) {
    if (a.passed()) {
      if (!a.fallback && !primary_ok) primary_ok = &a;
      if (a.fallback && !fallback_ok) fallback_ok = &a;
    } else {
      failures.push_back(describe_failure(a));
    }
  }
  if (primary_ok && !primary_ok->emulated && primary_ok->sass && primary_ok->sass->inconclusive) {
    // It compiled (and ran, on a device), but nothing shows the hardware instruction.
    c.result = report::verdict::unverified;
    c.reason = fmt::format("SASS check inconclusive: {} ({}) compiles, but whether it uses the hardware "
                           "instruction could not be told ({})",
                           primary_ok->variant, primary_ok->target, primary_ok->sass->note);
    return c;
  }
  if (primary_ok && !primary_ok->emulated) {
    c.result = report::verdict::native;
    return c;
  }
  if (primary_ok) {
    // It works, but not on the hardware instruction the probe is about.
    c.result = report::verdict::fallback;
    c.reason = fmt::format("emulated: {} ({}) compiles, but ptxas replaced the instruction{}", primary_ok->variant,
                           primary_ok->target,
                           primary_ok->sass && !primary_ok->sass->note.empty() ? " (" + primary_ok->sass->note + ")"
                                                                                : std::string());
    return c;
  }
  std::string failed;
  for (const auto& f : failures) failed += (failed.empty() ? "" : "; ") + f;
  if (fallback_ok) {
    c.result = report::verdict::fallback;
    c.reason = fmt::format("only {} ({}) works; {}", fallback_ok->variant, fallback_ok->target, failed);
    return c;
  }
  c.result = report::verdict::failing;
  c.reason = attempts.empty() ? "no variant could be attempted" : failed;
  return c;
}

void fill_host_and_tool(report::run_report& r) {
  r.tool.version = build_info::version;
  r.tool.git_sha = build_info::git_sha;
  utsname u{};
  if (::uname(&u) == 0) {
    r.host.os = u.sysname;
    r.host.kernel = u.release;
    r.host.arch = u.machine;
  }
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) r.host.hostname = host;
}

namespace {

// Expectation and cross-references, once the verdict is known.
void finish_probe(report::probe_result& pr, const probe& p, const gpu_arch& arch) {
  const expected_verdict e = expected_for(p, arch);
  pr.expectation = e.kind;
  pr.expected = e.verdict;
  pr.expected_source = e.source;
  report::apply_expectation(pr);
  if (pr.result == report::verdict::failing || pr.result == report::verdict::fallback) pr.see_also = p.see_also;
}

gpu_arch validate_target(const arch_name& t, const nvrtc::toolchain& tools, const std::vector<int>& archs) {
  if (t.kind != code_kind::sass)
    throw selection_error(fmt::format("--target {}: name a real architecture (sm_XY), not a virtual one",
                                      to_string(t)));
  const int sm = t.arch.sm();
  if (std::find(archs.begin(), archs.end(), sm) == archs.end()) {
    std::string list;
    for (int a : archs) list += fmt::format("{}sm_{}", list.empty() ? "" : " ", a);
    throw selection_error(fmt::format("--target {}: NVRTC {} does not support it (supported: {})", to_string(t),
                                      tools.nvrtc_version(), list));
  }
  if (t.arch.variant != arch_variant::plain) {
    // Ask NVRTC rather than a table: the a/f forms it accepts depend on its version.
    nvrtc::compile_request rq;
    rq.name = "target-check.cu";
    rq.source = "extern \"C\" __global__ void k() {}\n";
    rq.target = to_string(t);
    if (!tools.compile(rq).ok)
      throw selection_error(fmt::format("--target {}: NVRTC {} does not accept this architecture variant",
                                        to_string(t), tools.nvrtc_version()));
  }
  return t.arch;
}

}  // namespace

battery_target choose_target(const run_options& opts, const nvrtc::toolchain& tools, device_executor* executor,
                             run_observer* observer, report::run_report& r) {
  battery_target t;
  if (opts.target) {
    t.arch = validate_target(*opts.target, tools, r.toolkit.nvrtc_archs);
    r.target = to_string(*opts.target);
    r.driver.error = "not queried: --target requests an offline report";
    if (opts.driver_cuda) r.driver.cuda_version = to_string(*opts.driver_cuda);
  } else {
    if (executor) {
      cuda::driver_query q = executor->query(opts.device);
      if (!q.device && q.driver.available && q.driver.device_count > 0 && opts.device >= q.driver.device_count)
        throw selection_error(fmt::format("--device {}: the driver reports {} device{} (0 to {})", opts.device,
                                          q.driver.device_count, q.driver.device_count == 1 ? "" : "s",
                                          q.driver.device_count - 1));
      r.driver = q.driver;
      if (q.device) {
        t.offline = false;
        t.arch = {q.device->cc_major, q.device->cc_minor};
        r.device = std::move(q.device);
      }
    } else {
      r.driver.error = "no CUDA driver";
    }
    if (t.offline) {
      t.arch = parse_arch_name(default_offline_target)->arch;
      r.target = default_offline_target;
      if (opts.driver_cuda && !r.driver.version) r.driver.cuda_version = to_string(*opts.driver_cuda);
      if (observer)
        observer->notice(fmt::format("no usable GPU ({}): offline report for {} from compilation only",
                                     r.driver.error.empty() ? "unknown reason" : r.driver.error, r.target));
    } else {
      r.target = sass_name(t.arch);
      if (opts.driver_cuda && observer)
        observer->notice("--driver-cuda is for offline reports; the installed driver decides on a device");
    }
  }
  r.mode = t.offline ? report::run_mode::offline : report::run_mode::device;
  // Offline verdicts rest on nvJitLink standing in for the driver's JIT; without
  // it every PTX variant would read "failing" for a reason that is not the GPU's.
  if (t.offline && tools.nvjitlink_version().empty())
    throw toolchain_error(fmt::format("nvJitLink cannot be loaded ({}); an offline report needs it to link PTX for {}",
                                      tools.nvjitlink_error().empty() ? "unknown reason" : tools.nvjitlink_error(),
                                      r.target));
  return t;
}

std::vector<std::optional<std::string>> skip_reasons(const std::vector<const probe*>& probes, const exec_facts& facts) {
  std::vector<std::optional<std::string>> out(probes.size());
  for (std::size_t i = 0; i < probes.size(); ++i)
    if (probes[i]->skip_reason) out[i] = probes[i]->skip_reason(facts);
  return out;
}

void parallel_for(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& fn) {
  if (count == 0) return;
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t k; (k = next.fetch_add(1)) < count;) fn(k);
  };
  const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  const unsigned n = static_cast<unsigned>(std::min<std::size_t>(threads ? threads : hw, count));
  std::vector<std::jthread> pool;
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(worker);
  worker();
}

std::vector<std::vector<compiled_variant>> compile_all(const nvrtc::toolchain& tools, const catalogue& cat,
                                                       const std::vector<const probe*>& probes,
                                                       const std::vector<std::optional<std::string>>& skips,
                                                       const battery_target& t, std::optional<cuda_version> driver,
                                                       unsigned jobs) {
  std::vector<std::vector<compiled_variant>> out(probes.size());
  std::vector<std::pair<std::size_t, std::size_t>> work;  // (probe, variant)
  for (std::size_t i = 0; i < probes.size(); ++i) {
    if (skips[i]) continue;
    out[i].resize(probes[i]->variants.size());
    for (std::size_t v = 0; v < probes[i]->variants.size(); ++v) work.emplace_back(i, v);
  }
  parallel_for(work.size(), jobs, [&](std::size_t k) {
    const auto [i, v] = work[k];
    const probe& p = *probes[i];
    const variant& var = p.variants[v];
    try {
      out[i][v] = compile_variant(tools, cat, p, var, t.arch, t.offline, t.offline ? driver : std::nullopt);
    } catch (const std::exception& e) {
      out[i][v].attempt.variant = var.label;
      out[i][v].attempt.fallback = var.fallback;
      out[i][v].attempt.stages.push_back(make_stage(stage_kind::compile, false, 0.0, "exception", e.what()));
    }
  });
  return out;
}

report::probe_result skipped_result(const probe& p, std::string reason, const gpu_arch& arch) {
  report::probe_result pr;
  pr.id = p.id;
  pr.category = p.category;
  pr.description = p.description;
  pr.result = report::verdict::skipped;
  pr.basis = report::evidence::none;
  pr.reason = std::move(reason);
  finish_probe(pr, p, arch);
  return pr;
}

bool asks_at_run_time(const probe& p, const gpu_arch& arch) {
  if (p.runtime_only) return true;
  if (!p.make_case) return false;
  test_case tc;
  try {
    tc = p.make_case(exec_facts{arch, nullptr});
  } catch (const std::exception&) {
    return false;  // the probe cannot build its case without a device: nothing to read here
  }
  const dim3& c = tc.launch.cluster;
  if (c.x != 0 || c.y != 0 || c.z != 0) return true;  // whether the driver grants clusters
  if (tc.launch.dynamic_smem_bytes > default_dynamic_smem_limit) return true;  // an opt-in the driver grants
  return std::any_of(tc.buffers.begin(), tc.buffers.end(),
                     [](const buffer& b) { return b.memory != memory_kind::device; });  // the memory system
}

report::probe_result probe_result_from(const probe& p, std::vector<compiled_variant> compiled,
                                       const battery_target& t, const std::string& target_name,
                                       device_executor* executor, int device) {
  report::probe_result pr;
  pr.id = p.id;
  pr.category = p.category;
  pr.description = p.description;
  for (std::size_t v = 0; v < compiled.size(); ++v) {
    compiled_variant& cv = compiled[v];
    if (!t.offline && cv.device_ready && executor)
      executor->execute({&p, &p.variants[v], device, cv.image}, cv.attempt);
    pr.attempts.push_back(std::move(cv.attempt));
  }
  const classification c = classify(pr.attempts);
  pr.result = c.result;
  pr.reason = c.reason;
  pr.basis = t.offline ? report::evidence::compile : report::evidence::run;
  if (t.offline && pr.result != report::verdict::native) {
    // A PTX link refused only because nvJitLink is older than NVRTC says nothing about the GPU.
    for (const auto& a : pr.attempts)
      if (const auto* f = a.first_failure(); f && f->error == toolkit_mismatch_error) {
        pr.result = report::verdict::skipped;
        pr.reason = fmt::format("not decided: {} ({}) could not be linked because NVRTC and nvJitLink are not one "
                                "toolkit's pair (see the toolkit's pair_mismatch); {}",
                                a.variant, a.target, pr.reason);
        break;
      }
  }
  for (std::size_t v = 0; v < p.variants.size() && v < pr.attempts.size(); ++v) {
    const report::attempt_result& a = pr.attempts[v];
    if (!p.variants[v].fallback && p.variants[v].target.how == target_spec::kind::device_native &&
        !a.stages.empty() && a.stages.front().stage == stage_kind::compile && a.stages.front().ok) {
      pr.least_specific_target = a.target;
      break;
    }
  }
  if (t.offline && asks_at_run_time(p, t.arch) && pr.result != report::verdict::failing) {
    // Compiling says nothing about what this probe asks; report that honestly.
    pr.result = report::verdict::skipped;
    pr.reason = fmt::format("needs a GPU: decided at run time (offline, the kernel compiles for {})",
                            pr.least_specific_target.empty() ? target_name : pr.least_specific_target);
    if (!p.runtime_question.empty()) pr.reason += "; a run answers " + p.runtime_question;
  }
  finish_probe(pr, p, t.arch);
  return pr;
}

report::run_report run_battery(const run_options& opts, const catalogue& cat, const nvrtc::toolchain& tools,
                               device_executor* executor, run_observer* observer) {
  report::run_report r;
  fill_host_and_tool(r);
  r.created = report::utc_now_iso8601();
  r.command_line = opts.command_line;
  r.toolkit.nvrtc_version = tools.nvrtc_version();
  r.toolkit.nvrtc_archs = tools.supported_archs();
  r.toolkit.nvjitlink_version = tools.nvjitlink_version();
  r.toolkit.nvjitlink_error = tools.nvjitlink_error();
  const auto record = [](const nvrtc::library_info& l) {
    return report::library_record{l.path, l.version, l.version_source, l.found_by};
  };
  r.toolkit.nvrtc = record(tools.nvrtc_library());
  r.toolkit.nvjitlink = record(tools.nvjitlink_library());
  r.toolkit.pair_mismatch = tools.pair_mismatch();

  const std::vector<const probe*> selected = cat.select(opts.only, opts.skip);
  if (selected.empty()) throw selection_error("--only/--skip select no probe (see `sm121-probe list`)");
  const battery_target t = choose_target(opts, tools, executor, observer, r);
  const auto skips = skip_reasons(selected, exec_facts{t.arch, r.device ? &*r.device : nullptr});
  auto compiled = compile_all(tools, cat, selected, skips, t, opts.driver_cuda, opts.jobs);
  for (std::size_t i = 0; i < selected.size(); ++i) {
    if (observer) observer->progress(i, selected.size(), selected[i]->id);
    if (observer && !skips[i]) observer->compiled(*selected[i], compiled[i]);
    r.probes.push_back(skips[i] ? skipped_result(*selected[i], *skips[i], t.arch)
                                : probe_result_from(*selected[i], std::move(compiled[i]), t, r.target, executor,
                                                    opts.device));
  }
  r.totals = report::summarize(r.probes);
  return r;
}

}  // namespace sm121probe::probe
