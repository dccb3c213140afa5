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

  if (v.target.how == target_spec::kind::device_native) {
    // Least specific first: the first target that compiles is the one recorded;
    // the rejections before it become notes. If none compiles, the plain
    // target's log is the stage log and the others' first errors are notes.
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
      return out;
    }
    out.attempt.notes = std::move(rejected);
    // Native means the hardware instruction: judge the SASS (docs/classification.md).
    if (!v.fallback && !p.sass_checks.empty()) {
      if (auto inspection = inspect_sass(tools, out.attempt.target, out.image, p.sass_checks, cat.sass_classes)) {
        out.attempt.sass = std::move(inspection->summary);
        out.attempt.emulated = inspection->emulated;
      } else {
        out.attempt.notes.push_back("SASS not inspected: the compiled image is not a readable cubin");
      }
    }
  } else {
    const auto name = parse_arch_name(v.target.name);
    out.attempt.target = v.target.name;
    if (!name) {
      out.attempt.stages.push_back(make_stage(stage_kind::compile, false, 0.0, "bad_target",
                                              fmt::format("'{}' is not an architecture name", v.target.name)));
      return out;
    }
    rq.target = to_string(*name);
    nvrtc::compile_result res = tools.compile(rq);
    out.attempt.stages.push_back(make_stage(stage_kind::compile, res.ok, res.ms, res.status, res.log));
    if (!res.ok) return out;
    out.attempt.warnings = nvrtc::extract_warnings(res.log);
    if (name->kind == code_kind::ptx) {
      if (offline) {
        const std::string jt = jit_target_for(arch);
        nvrtc::link_result link = tools.jit_link(res.image, jt);
        std::string log = fmt::format("nvJitLink -arch={} (standing in for the driver's JIT)", jt);
        if (!link.log.empty()) log += "\n" + link.log;
        out.attempt.stages.push_back(make_stage(stage_kind::jit_link, link.ok, link.ms, link.status, log));
        if (!link.ok) return out;
        for (auto& w : nvrtc::extract_warnings(link.log)) out.attempt.warnings.push_back(std::move(w));
        if (driver) {
          // The driver refuses PTX newer than its release knows, whatever ptxas can do.
          const std::string_view text(reinterpret_cast<const char*>(res.image.data()), res.image.size());
          const auto header = binscan::parse_ptx_header(text);
          const compat_result c =
              header ? ptx_isa_accepted(header->isa, *driver) : compat_result{false, "the PTX has no .version line"};
          out.attempt.stages.push_back(make_stage(
              stage_kind::load, c.ok, 0.0, c.ok ? "" : "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
              c.ok ? fmt::format("predicted: a CUDA {} driver accepts PTX ISA {}", to_string(*driver),
                                 to_string(header->isa))
                   : fmt::format("predicted: {}", c.reason),
              true));
          if (!c.ok) return out;
        }
        out.image = std::move(link.cubin);
      } else {
        out.image = std::move(res.image);
      }
    } else {
      out.image = std::move(res.image);
      if (offline) {
        const compat_result c = sass_runs_on(name->arch, arch);
        out.attempt.stages.push_back(make_stage(
            stage_kind::load, c.ok, 0.0, c.ok ? "" : "CUDA_ERROR_NO_BINARY_FOR_GPU",
            c.ok ? fmt::format("predicted: {} SASS loads on a {} device", rq.target, cc_string(arch))
                 : fmt::format("predicted: {}", c.reason),
            true));
      }
    }
  }
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

  const std::vector<const probe*> selected = cat.select(opts.only, opts.skip);
  if (selected.empty()) throw selection_error("--only/--skip select no probe (see `sm121-probe list`)");

  bool offline = true;
  gpu_arch arch;
  if (opts.target) {
    arch = validate_target(*opts.target, tools, r.toolkit.nvrtc_archs);
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
        offline = false;
        arch = {q.device->cc_major, q.device->cc_minor};
        r.device = std::move(q.device);
      }
    } else {
      r.driver.error = "no CUDA driver";
    }
    if (offline) {
      arch = parse_arch_name(default_offline_target)->arch;
      r.target = default_offline_target;
      if (opts.driver_cuda && !r.driver.version) r.driver.cuda_version = to_string(*opts.driver_cuda);
      if (observer)
        observer->notice(fmt::format("no usable GPU ({}): offline report for {} from compilation only",
                                     r.driver.error.empty() ? "unknown reason" : r.driver.error, r.target));
    } else {
      r.target = sass_name(arch);
      if (opts.driver_cuda && observer)
        observer->notice("--driver-cuda is for offline reports; the installed driver decides on a device");
    }
  }
  r.mode = offline ? report::run_mode::offline : report::run_mode::device;
  const exec_facts facts{arch, r.device ? &*r.device : nullptr};

  // Which probes apply, then every variant of those compiled in parallel.
  std::vector<std::optional<std::string>> skip(selected.size());
  struct job {
    std::size_t probe_index;
    std::size_t variant_index;
  };
  std::vector<job> jobs;
  for (std::size_t i = 0; i < selected.size(); ++i) {
    if (selected[i]->skip_reason) skip[i] = selected[i]->skip_reason(facts);
    if (skip[i]) continue;
    for (std::size_t v = 0; v < selected[i]->variants.size(); ++v) jobs.push_back({i, v});
  }
  std::vector<compiled_variant> compiled(jobs.size());
  {
    std::atomic<std::size_t> next{0};
    const auto worker = [&] {
      for (std::size_t k; (k = next.fetch_add(1)) < jobs.size();) {
        const probe& p = *selected[jobs[k].probe_index];
        const variant& v = p.variants[jobs[k].variant_index];
        try {
          compiled[k] = compile_variant(tools, cat, p, v, arch, offline, offline ? opts.driver_cuda : std::nullopt);
        } catch (const std::exception& e) {
          compiled[k].attempt.variant = v.label;
          compiled[k].attempt.fallback = v.fallback;
          compiled[k].attempt.stages.push_back(make_stage(stage_kind::compile, false, 0.0, "exception", e.what()));
        }
      }
    };
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    const unsigned n = static_cast<unsigned>(std::min<std::size_t>(opts.jobs ? opts.jobs : hw, jobs.size()));
    std::vector<std::jthread> pool;
    for (unsigned t = 1; t < n; ++t) pool.emplace_back(worker);
    worker();
  }

  std::size_t k = 0;
  for (std::size_t i = 0; i < selected.size(); ++i) {
    const probe& p = *selected[i];
    if (observer) observer->progress(i, selected.size(), p.id);
    report::probe_result pr;
    pr.id = p.id;
    pr.category = p.category;
    pr.description = p.description;
    if (skip[i]) {
      pr.result = report::verdict::skipped;
      pr.basis = report::evidence::none;
      pr.reason = *skip[i];
      finish_probe(pr, p, arch);
      r.probes.push_back(std::move(pr));
      continue;
    }
    for (std::size_t v = 0; v < p.variants.size(); ++v, ++k) {
      compiled_variant& cv = compiled[k];
      if (!offline && cv.device_ready)
        executor->execute({&p, &p.variants[v], opts.device, cv.image}, cv.attempt);
      pr.attempts.push_back(std::move(cv.attempt));
    }
    const classification c = classify(pr.attempts);
    pr.result = c.result;
    pr.reason = c.reason;
    pr.basis = offline ? report::evidence::compile : report::evidence::run;
    if (offline && p.runtime_only && pr.result != report::verdict::failing) {
      // Compiling says nothing about what this probe asks; report that honestly.
      pr.result = report::verdict::skipped;
      pr.reason = fmt::format("needs a GPU: decided at run time (offline, the kernel compiles for {})", r.target);
    }
    for (std::size_t v = 0; v < p.variants.size(); ++v) {
      const report::attempt_result& a = pr.attempts[v];
      if (!p.variants[v].fallback && p.variants[v].target.how == target_spec::kind::device_native &&
          !a.stages.empty() && a.stages.front().stage == stage_kind::compile && a.stages.front().ok) {
        pr.least_specific_target = a.target;
        break;
      }
    }
    finish_probe(pr, p, arch);
    r.probes.push_back(std::move(pr));
  }
  r.totals = report::summarize(r.probes);
  return r;
}

}  // namespace sm121probe::probe
