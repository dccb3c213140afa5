// `bench`, the run: offline it compiles and inspects; with a device each
// measurement runs in its own worker process (`__worker bench`), so a fault or
// a hang costs one measurement (docs/bench.md, docs/reliability.md).
#include "sm121probe/probe/bench.hpp"

#include "sm121probe/probe/executor.hpp"
#include "sm121probe/probe/runner.hpp"
#include "sm121probe/report/bench_json.hpp"
#include "sm121probe/report/json.hpp"
#include "sm121probe/util/glob.hpp"
#include "subprocess.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <istream>
#include <ostream>
#include <unistd.h>

namespace sm121probe::probe {

using nlohmann::json;

namespace {

const std::vector<std::string> memory_kinds = {"device", "managed", "pageable-host"};
const std::vector<std::string> launch_ids = {"launch.back-to-back", "launch.round-trip"};
const std::vector<std::string> module_ids = {"module.load.ptx.cold", "module.load.cubin.cold", "module.load.ptx.warm",
                                             "module.load.cubin.warm"};

bool selected(const std::vector<std::string>& only, const std::string& id) {
  if (only.empty()) return true;
  for (const auto& g : only)
    if (util::glob_match(g, id)) return true;
  return false;
}

class notice_observer final : public run_observer {
 public:
  explicit notice_observer(std::ostream* o) : os(o) {}
  void notice(const std::string& line) override {
    if (os) *os << "sm121-probe: " << line << '\n' << std::flush;
  }
  void progress(std::size_t, std::size_t, const std::string&) override {}

 private:
  std::ostream* os;
};

// One measurement in a worker process: header line + images on stdin, one JSON line back.
struct worker_answer {
  json body;
  std::string error;  // why there is no answer
};

json request_header(const bench_options& o, json header, const std::vector<std::span<const std::byte>>& images) {
  json sizes = json::array();
  for (const auto& i : images) sizes.push_back(i.size());
  header["device"] = o.device;
  header["image_bytes"] = sizes;
  header["budget"] = {{"seconds", o.budget.seconds},
                      {"warmup", o.budget.warmup},
                      {"min_reps", o.budget.min_reps},
                      {"max_reps", o.budget.max_reps},
                      {"memory_bytes", o.budget.memory_bytes}};
  return header;
}

worker_answer ask_worker(const bench_options& o, json header, const std::vector<std::span<const std::byte>>& images) {
  header = request_header(o, std::move(header), images);
  worker_answer a;
  if (o.in_process) {
    a.body = o.in_process(header, images);
    if (a.body.contains("error")) a.error = a.body["error"].get<std::string>();
    return a;
  }
  std::vector<std::string> argv = o.worker_argv;
  argv.push_back("bench");
  std::string input = header.dump() + "\n";
  for (const auto& i : images) input.append(reinterpret_cast<const char*>(i.data()), i.size());
  const auto res = detail::run_subprocess(argv, input, o.timeout, 1 << 20);
  if (!res.started) a.error = "cannot start the worker process: " + res.start_error;
  else if (res.timed_out) a.error = fmt::format("timeout: worker killed after {} ms", o.timeout.count());
  else if (res.signal) a.error = fmt::format("worker process killed by {}", detail::signal_name(res.signal));
  else {
    const auto nl = res.out.find('\n');
    try {
      if (nl == std::string::npos) throw std::runtime_error("no answer");
      a.body = json::parse(res.out.substr(0, nl));
      if (a.body.contains("error")) a.error = a.body["error"].get<std::string>();
    } catch (const std::exception& e) {
      a.error = fmt::format("worker exited with code {} without a readable answer ({})", res.exit_code, e.what());
    }
  }
  return a;
}

bench_budget budget_from(const json& j) {
  bench_budget b;
  b.seconds = j.value("seconds", b.seconds);
  b.warmup = j.value("warmup", b.warmup);
  b.min_reps = j.value("min_reps", b.min_reps);
  b.max_reps = j.value("max_reps", b.max_reps);
  b.memory_bytes = j.value("memory_bytes", b.memory_bytes);
  return b;
}

report::bench_latency skipped_latency(const std::string& id, const std::string& why) {
  report::bench_latency l;
  l.id = id;
  l.status = report::bench_status::skipped;
  l.reason = why;
  return l;
}

}  // namespace

std::vector<std::string> bench_ids(const bench_catalogue& cat) {
  std::vector<std::string> ids;
  for (const auto& t : cat.tensor) ids.push_back(t.id());
  for (const auto& m : memory_kinds)
    for (const char* op : {"read", "write", "copy"}) ids.push_back(fmt::format("memory.{}.{}", m, op));
  ids.insert(ids.end(), launch_ids.begin(), launch_ids.end());
  ids.insert(ids.end(), module_ids.begin(), module_ids.end());
  return ids;
}

report::bench_report run_bench(const bench_options& o, const bench_catalogue& cat, const nvrtc::toolchain& tools,
                               std::ostream* progress) {
  bool any = false;
  for (const auto& id : bench_ids(cat)) any = any || selected(o.only, id);
  if (!any) throw selection_error("--only selects no benchmark (the ids are listed in docs/bench.md)");

  report::bench_report r;
  {
    report::run_report shell;
    fill_host_and_tool(shell);
    r.tool = shell.tool;
    r.host = shell.host;
  }
  r.created = report::utc_now_iso8601();
  r.command_line = o.command_line;
  r.toolkit.nvrtc_version = tools.nvrtc_version();
  r.toolkit.nvjitlink_version = tools.nvjitlink_version();
  r.seconds_per_measurement = o.budget.seconds;
  r.anchors = cat.anchors;

  // Device or offline: the same choice as `run` (the driver is asked in a worker).
  run_options ro;
  ro.target = o.target;
  ro.device = o.device;
  isolated_executor query(o.worker_argv, std::chrono::milliseconds(20000));
  device_executor* executor = o.query_executor ? o.query_executor : &query;
  notice_observer obs(progress);
  report::run_report shell;
  shell.toolkit.nvrtc_archs = tools.supported_archs();
  const battery_target t = choose_target(ro, tools, o.target ? nullptr : executor, &obs, shell);
  r.mode = shell.mode;
  r.target = shell.target;
  r.driver = shell.driver;
  r.device = shell.device;
  r.nothing_timed = t.offline;
  if (t.offline)
    r.notes.push_back(
        "Offline: nothing was timed. Each tensor row shows what compiling for the target produced (the SASS tensor "
        "instructions per loop iteration, spills) and the operations one MMA performs; run `sm121-probe bench` on "
        "the GPU for figures.");

  // Tensor benchmarks: compile (and inspect) everything selected.
  std::vector<bench_compiled> compiled;
  for (const auto& spec : cat.tensor) {
    if (!selected(o.only, spec.id())) continue;
    if (progress) *progress << "sm121-probe: compiling " << spec.id() << '\n' << std::flush;
    compiled.push_back(compile_tensor_bench(tools, cat, spec, t.arch));
  }

  const auto memory_image = [&]() -> std::vector<std::byte> {
    const util::source_file* file = nullptr;
    for (const auto& k : cat.kernels)
      if (k.path == cat.memory_kernel) file = &k;
    if (!file) return {};
    nvrtc::compile_request rq;
    rq.name = std::string(file->path);
    rq.source = file->text;
    rq.target = sass_name(t.arch.base());
    rq.headers = cat.headers;
    auto res = tools.compile(rq);
    return res.ok ? std::move(res.image) : std::vector<std::byte>{};
  };

  if (t.offline) {
    for (auto& c : compiled) r.tensor.push_back(std::move(c.row));
    const std::string why = "needs a GPU: nothing is timed offline";
    for (const auto& m : memory_kinds)
      for (const char* op : {"read", "write", "copy"}) {
        report::bench_memory row;
        row.id = fmt::format("memory.{}.{}", m, op);
        row.memory = m;
        row.op = op;
        row.status = report::bench_status::skipped;
        row.reason = why;
        if (selected(o.only, row.id)) r.memory.push_back(row);
      }
    for (const auto& id : launch_ids)
      if (selected(o.only, id)) r.latency.push_back(skipped_latency(id, why));
    for (const auto& id : module_ids)
      if (selected(o.only, id)) r.latency.push_back(skipped_latency(id, why));
    return r;
  }

  // Device mode: conditions, every measurement in a worker, conditions again.
  report::bench_conditions cond;
  const auto snapshot = [&]() -> std::optional<report::bench_snapshot> {
    const worker_answer a = ask_worker(o, {{"measurement", "conditions"}}, {});
    if (!a.error.empty()) {
      cond.nvml = "not reported: " + a.error;
      return std::nullopt;
    }
    cond.nvml = a.body.value("nvml", std::string("not reported"));
    if (!a.body.contains("snapshot") || a.body["snapshot"].is_null()) return std::nullopt;
    return report::bench_snapshot_from_json(a.body["snapshot"]);
  };
  cond.clock_source = "NVML (current clocks)";
  cond.before = snapshot();

  for (auto& c : compiled) {
    report::bench_tensor row = std::move(c.row);
    if (row.status == report::bench_status::compiled) {
      if (progress) *progress << "sm121-probe: timing " << row.id << '\n' << std::flush;
      const worker_answer a = ask_worker(o, {{"measurement", "tensor"}, {"row", report::to_json(row)}}, {c.image});
      if (!a.error.empty()) {
        row.status = report::bench_status::failed;
        row.reason = a.error;
      } else {
        try {
          row = report::bench_tensor_from_json(a.body.at("tensor"));
        } catch (const std::exception& e) {
          row.status = report::bench_status::failed;
          row.reason = fmt::format("unreadable answer from the worker: {}", e.what());
        }
      }
    }
    r.tensor.push_back(std::move(row));
  }
  fill_ratios(r.tensor);

  const std::vector<std::byte> mem_image = memory_image();
  for (const auto& m : memory_kinds) {
    bool want = false;
    for (const char* op : {"read", "write", "copy"}) want = want || selected(o.only, fmt::format("memory.{}.{}", m, op));
    if (!want) continue;
    if (progress) *progress << "sm121-probe: measuring " << m << " memory\n" << std::flush;
    const worker_answer a = ask_worker(o, {{"measurement", "memory"}, {"memory", m}}, {mem_image});
    std::vector<report::bench_memory> rows;
    try {
      if (!a.error.empty()) throw std::runtime_error(a.error);
      for (const auto& j : a.body.at("memory")) rows.push_back(report::bench_memory_from_json(j));
    } catch (const std::exception& e) {
      for (const char* op : {"read", "write", "copy"}) {
        report::bench_memory row;
        row.id = fmt::format("memory.{}.{}", m, op);
        row.memory = m;
        row.op = op;
        row.status = report::bench_status::failed;
        row.reason = e.what();
        rows.push_back(row);
      }
    }
    for (auto& row : rows)
      if (selected(o.only, row.id)) r.memory.push_back(std::move(row));
  }

  const auto latency_rows = [&](const char* measurement, const std::vector<std::string>& ids,
                                const std::vector<std::span<const std::byte>>& images) {
    bool want = false;
    for (const auto& id : ids) want = want || selected(o.only, id);
    if (!want) return;
    const worker_answer a = ask_worker(o, {{"measurement", measurement}}, images);
    std::vector<report::bench_latency> rows;
    try {
      if (!a.error.empty()) throw std::runtime_error(a.error);
      for (const auto& j : a.body.at("latency")) rows.push_back(report::bench_latency_from_json(j));
    } catch (const std::exception& e) {
      rows.clear();
      for (const auto& id : ids) {
        auto l = skipped_latency(id, e.what());
        l.status = report::bench_status::failed;
        rows.push_back(l);
      }
    }
    for (auto& row : rows)
      if (selected(o.only, row.id)) r.latency.push_back(std::move(row));
  };
  latency_rows("launch", launch_ids, {mem_image});
  // The module-load images: the f16 benchmark as cubin for the device and as compute_80 PTX.
  const bench_tensor_spec* native = cat.find("tensor.f16.native");
  const bench_tensor_spec* ptx = cat.find("tensor.f16.fallback");
  if (native && ptx) {
    const bench_compiled cn = compile_tensor_bench(tools, cat, *native, t.arch);
    const bench_compiled cp = compile_tensor_bench(tools, cat, *ptx, t.arch);
    latency_rows("module-load", module_ids, {cn.image, cp.image});
  }
  cond.after = snapshot();
  r.conditions = cond;
  return r;
}

// --- the worker side ----------------------------------------------------------------------

json answer_bench_request(const bench_catalogue& cat, cuda::driver_api& api, const json& rq,
                          const std::vector<std::span<const std::byte>>& images, cuda::nvml_api* nvml,
                          const std::string& nvml_error, bench_clock& clock) {
  const std::string what = rq.value("measurement", "");
  const bench_budget budget = budget_from(rq.value("budget", json::object()));
  CUdevice dev = 0;
  const int ordinal = rq.value("device", 0);
  if (api.init(0) != CUDA_SUCCESS || api.device_get(&dev, ordinal) != CUDA_SUCCESS)
    return {{"error", "the driver cannot open the device"}};
  if (what == "conditions") {
    char bus[64] = {};
    (void)api.device_get_pci_bus_id(bus, sizeof bus - 1, dev);
    const std::string why = nvml ? nvml->open(bus) : nvml_error;
    if (!why.empty()) return {{"nvml", "not reported: " + why}, {"snapshot", nullptr}};
    return {{"nvml", "ok"}, {"snapshot", report::to_json(take_snapshot(nvml))}};
  }
  if (what == "tensor" && images.size() == 1) {
    report::bench_tensor row = report::bench_tensor_from_json(rq.at("row"));
    const bench_tensor_spec* spec = cat.find(row.id);
    if (!spec) {
      row.status = report::bench_status::failed;
      row.reason = "the worker does not know this benchmark";
    } else {
      run_tensor_bench(api, dev, *spec, images[0], budget, row);
    }
    return {{"tensor", report::to_json(row)}};
  }
  json rows = json::array();
  if (what == "memory" && images.size() == 1) {
    for (const auto& m : run_memory_bench(api, dev, images[0], rq.value("memory", "device"), budget))
      rows.push_back(report::to_json(m));
    return {{"memory", rows}};
  }
  if (what == "launch" && images.size() == 1) {
    for (const auto& l : run_launch_bench(api, dev, images[0], budget, clock)) rows.push_back(report::to_json(l));
    return {{"latency", rows}};
  }
  if (what == "module-load" && images.size() == 2) {
    for (const auto& l : run_module_load_bench(api, dev, images[0], images[1], budget, clock))
      rows.push_back(report::to_json(l));
    return {{"latency", rows}};
  }
  return {{"error", "bad request"}};
}

int bench_worker_main(const bench_catalogue& cat, std::istream& in, std::ostream& out) {
  std::string line;
  if (!std::getline(in, line)) return 2;
  json rq;
  try {
    rq = json::parse(line);
  } catch (const json::exception&) {
    return 2;
  }
  std::vector<std::vector<std::byte>> images;
  try {
    for (const auto& n : rq.value("image_bytes", json::array())) {
      std::vector<std::byte> img(n.get<std::size_t>());
      in.read(reinterpret_cast<char*>(img.data()), static_cast<std::streamsize>(img.size()));
      if (static_cast<std::size_t>(in.gcount()) != img.size()) return 2;
      images.push_back(std::move(img));
    }
  } catch (const json::exception&) {
    return 2;
  }
  const std::string what = rq.value("measurement", "");
  // A cold PTX load must find an empty JIT cache: point the driver at a fresh
  // directory before it initialises (removed again at the end).
  std::string cache_dir;
  if (what == "module-load") {
    char tmpl[] = "/tmp/sm121-probe-jit-cache-XXXXXX";
    if (::mkdtemp(tmpl)) {
      cache_dir = tmpl;
      ::setenv("CUDA_CACHE_PATH", cache_dir.c_str(), 1);
      ::setenv("CUDA_CACHE_DISABLE", "0", 1);
    }
  }
  auto loaded = cuda::load_driver();
  json answer;
  if (!loaded.api) {
    answer = {{"error", loaded.error}};
  } else {
    cuda::nvml_load_result nvml;
    if (what == "conditions") nvml = cuda::load_nvml();
    std::vector<std::span<const std::byte>> spans(images.begin(), images.end());
    try {
      answer = answer_bench_request(cat, *loaded.api, rq, spans, nvml.api.get(), nvml.error, steady_bench_clock());
    } catch (const std::exception& e) {
      answer = {{"error", std::string("bad request: ") + e.what()}};
    }
  }
  if (!cache_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(cache_dir, ec);
  }
  out << answer.dump(-1, ' ', false, json::error_handler_t::replace) << '\n' << std::flush;
  return answer.contains("error") ? 1 : 0;
}

}  // namespace sm121probe::probe
