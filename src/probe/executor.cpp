#include "sm121probe/probe/executor.hpp"

#include "sm121probe/report/json.hpp"
#include "subprocess.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <exception>
#include <istream>
#include <ostream>

namespace sm121probe::probe {

using nlohmann::json;

namespace {

report::stage_result failed_stage(report::stage_kind kind, std::string error, std::string log) {
  report::stage_result s;
  s.stage = kind;
  s.ok = false;
  s.error = std::move(error);
  s.log = std::move(log);
  return s;
}

// The stage that follows the last completed one (what a dying worker was doing).
report::stage_kind next_stage(const report::attempt_result& a) {
  if (a.stages.empty()) return report::stage_kind::load;
  switch (a.stages.back().stage) {
    case report::stage_kind::compile:
    case report::stage_kind::jit_link: return report::stage_kind::load;
    case report::stage_kind::load: return report::stage_kind::launch;
    case report::stage_kind::launch:
    case report::stage_kind::verify: return report::stage_kind::verify;
  }
  return report::stage_kind::load;
}

std::string tail(const std::string& s, std::size_t n = 2000) { return s.size() <= n ? s : s.substr(s.size() - n); }

}  // namespace

namespace {

// Returns false when a sticky error left the context unusable.
bool run_attempt_impl(cuda::driver_api& api, CUdevice device, const report::device_info* info,
                      const device_attempt& a, report::attempt_result& out, stage_observer* observer) {
  exec_facts facts;
  if (info) facts = {gpu_arch{info->cc_major, info->cc_minor}, info};
  test_case tc;
  try {
    tc = a.spec->make_case(facts);
  } catch (const std::exception& e) {
    out.stages.push_back(failed_stage(report::stage_kind::load, "exception",
                                      fmt::format("building the test case failed: {}", e.what())));
    return true;
  }
  session s(api, device, a.image, out, observer);
  if (a.spec->program) a.spec->program(s, tc, *a.spec);
  else run_standard_program(s, tc, *a.spec);
  return !s.context_poisoned();
}

}  // namespace

void run_attempt(cuda::driver_api& api, CUdevice device, const report::device_info* info, const device_attempt& a,
                 report::attempt_result& out, stage_observer* observer) {
  (void)run_attempt_impl(api, device, info, a, out, observer);
}

// --- in-process -------------------------------------------------------------------

in_process_executor::in_process_executor(cuda::driver_api* api, std::string load_error)
    : drv(api), load_err(std::move(load_error)) {}

cuda::driver_query in_process_executor::query(int ordinal) {
  cuda::driver_query q = cuda::query_driver(drv, load_err, ordinal);
  dev = q.handle;
  info = q.device;
  return q;
}

void in_process_executor::execute(const device_attempt& attempt, report::attempt_result& out) {
  if (!drv) {
    out.stages.push_back(failed_stage(report::stage_kind::load, "no_driver", load_err));
    return;
  }
  if (poisoned) {
    out.stages.push_back(failed_stage(
        report::stage_kind::load, "not_run",
        fmt::format("not run: the CUDA context was lost after a sticky error ({}); run without --no-isolate so "
                    "each attempt gets a fresh process",
                    poison_cause)));
    return;
  }
  if (!run_attempt_impl(*drv, dev, info ? &*info : nullptr, attempt, out, nullptr)) {
    poisoned = true;
    const report::stage_result* f = out.first_failure();
    poison_cause = fmt::format("{} in {}", f ? f->error : "unknown", attempt.spec->id);
  }
}

// --- isolated (worker processes) ------------------------------------------------

isolated_executor::isolated_executor(std::vector<std::string> argv, std::chrono::milliseconds timeout)
    : worker_argv(std::move(argv)), limit(timeout) {}

cuda::driver_query isolated_executor::query(int ordinal) {
  cuda::driver_query q;
  std::vector<std::string> argv = worker_argv;
  argv.push_back("query");
  const auto res = detail::run_subprocess(argv, json{{"device", ordinal}}.dump() + "\n", limit);
  const auto fail = [&](std::string why) {
    q.driver.error = std::move(why);
    return q;
  };
  if (!res.started) return fail(fmt::format("cannot start the worker process: {}", res.start_error));
  if (res.timed_out) return fail(fmt::format("the driver query did not finish within {} ms", limit.count()));
  if (res.signal) return fail(fmt::format("the driver query crashed ({})", detail::signal_name(res.signal)));
  try {
    const json j = json::parse(res.out.substr(0, res.out.find('\n')));
    q.driver = report::driver_from_json(j.at("driver"));
    if (!j.at("device").is_null()) q.device = report::device_from_json(j.at("device"));
  } catch (const std::exception& e) {
    return fail(fmt::format("unreadable answer from the worker process: {}", e.what()));
  }
  return q;
}

void isolated_executor::execute(const device_attempt& a, report::attempt_result& out) {
  std::vector<std::string> argv = worker_argv;
  argv.push_back("attempt");
  const json header = {{"probe", a.spec->id},
                       {"variant", a.var->label},
                       {"device", a.ordinal},
                       {"image_bytes", a.image.size()}};
  std::string input = header.dump() + "\n";
  input.append(reinterpret_cast<const char*>(a.image.data()), a.image.size());
  const auto res = detail::run_subprocess(argv, input, limit);
  if (!res.started) {
    out.stages.push_back(failed_stage(report::stage_kind::load, "worker_failed", res.start_error));
    return;
  }
  // Replay the stage stream; remember a stage that began but never ended.
  bool running = false;  // a stage began and has not ended
  report::stage_kind in_flight = report::stage_kind::load;
  bool done = false;
  std::size_t pos = 0;
  while (pos < res.out.size()) {
    const auto nl = res.out.find('\n', pos);
    if (nl == std::string::npos) break;  // a partial last line: the worker died mid-write
    const std::string line = res.out.substr(pos, nl - pos);
    pos = nl + 1;
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception&) {
      continue;
    }
    try {
      if (j.contains("begin")) {
        if (const auto k = report::parse_stage_kind(j["begin"].get<std::string>())) {
          in_flight = *k;
          running = true;
        }
      } else if (j.contains("stage")) {
        out.stages.push_back(report::stage_from_json(j["stage"]));
        running = false;
      } else if (j.contains("result")) {
        const report::attempt_result r = report::attempt_from_json(j["result"]);
        out.max_abs_err = r.max_abs_err;
        out.max_rel_err = r.max_rel_err;
        out.mismatches = r.mismatches;
        out.notes.insert(out.notes.end(), r.notes.begin(), r.notes.end());
      } else if (j.contains("done")) {
        done = true;
      }
    } catch (const std::exception&) {
      continue;
    }
  }
  if (done && !res.timed_out && res.signal == 0) return;
  const report::stage_kind where = running ? in_flight : next_stage(out);
  std::string error, what;
  if (res.timed_out) {
    error = "timeout";
    what = fmt::format("worker killed after {} ms without finishing (hang)", limit.count());
  } else if (res.signal) {
    error = fmt::format("signal {}", detail::signal_name(res.signal));
    what = fmt::format("worker process killed by {}", detail::signal_name(res.signal));
  } else {
    error = fmt::format("worker exit {}", res.exit_code);
    what = fmt::format("worker process exited with code {} before finishing", res.exit_code);
  }
  if (!res.err.empty()) what += "\nworker stderr:\n" + tail(res.err);
  out.stages.push_back(failed_stage(where, error, what));
}

// --- the worker side -------------------------------------------------------------

namespace {

class line_observer final : public stage_observer {
 public:
  explicit line_observer(std::ostream& o) : os(o) {}
  void stage_begin(report::stage_kind k) override {
    os << json{{"begin", report::to_string(k)}}.dump() << '\n' << std::flush;
  }
  void stage_end(const report::stage_result& r) override {
    os << json{{"stage", report::to_json(r)}}.dump(-1, ' ', false, json::error_handler_t::replace) << '\n'
       << std::flush;
  }

 private:
  std::ostream& os;
};

}  // namespace

int worker_main(const catalogue& cat, const std::string& mode, std::istream& in, std::ostream& out) {
  std::string line;
  if (!std::getline(in, line)) return 2;
  json rq;
  try {
    rq = json::parse(line);
  } catch (const json::exception&) {
    return 2;
  }
  const int ordinal = rq.value("device", 0);
  auto loaded = cuda::load_driver();
  if (mode == "query") {
    const cuda::driver_query q = cuda::query_driver(loaded.api.get(), loaded.error, ordinal);
    out << json{{"driver", report::to_json(q.driver)},
                {"device", q.device ? report::to_json(*q.device) : json(nullptr)}}
               .dump(-1, ' ', false, json::error_handler_t::replace)
        << '\n'
        << std::flush;
    return 0;
  }
  if (mode != "attempt") return 2;
  const probe* spec = cat.find(rq.value("probe", ""));
  const std::string label = rq.value("variant", "");
  const variant* var = nullptr;
  if (spec)
    for (const auto& v : spec->variants)
      if (v.label == label) var = &v;
  const std::size_t bytes = rq.value("image_bytes", std::size_t{0});
  std::vector<std::byte> image(bytes);
  in.read(reinterpret_cast<char*>(image.data()), static_cast<std::streamsize>(bytes));
  line_observer obs(out);
  report::attempt_result result;
  if (!spec || !var || static_cast<std::size_t>(in.gcount()) != bytes) {
    obs.stage_end(failed_stage(report::stage_kind::load, "bad_request", "the worker received an invalid request"));
    return 2;
  }
  const cuda::driver_query q = cuda::query_driver(loaded.api.get(), loaded.error, ordinal);
  if (!q.device) {
    obs.stage_end(failed_stage(report::stage_kind::load, "no_device", q.driver.error));
  } else {
    run_attempt(*loaded.api, q.handle, &*q.device, {spec, var, ordinal, image}, result, &obs);
  }
  out << json{{"result", report::to_json(result)}}.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  out << json{{"done", true}}.dump() << '\n' << std::flush;
  return 0;
}

}  // namespace sm121probe::probe
