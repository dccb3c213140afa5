// `bench`, host side: statistics and throughput arithmetic, the CPU check of
// a tensor benchmark's result, and compiling the benchmark kernels with the
// SASS evidence of their loops (docs/bench.md).
#include "sm121probe/probe/bench.hpp"

#include "sm121probe/probe/runner.hpp"
#include "sm121probe/probe/sass.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace sm121probe::probe {

const bench_tensor_spec* bench_catalogue::find(const std::string& id) const {
  for (const auto& s : tensor)
    if (s.id() == id) return &s;
  return nullptr;
}

// --- statistics -----------------------------------------------------------------------

report::bench_timing summarize_timing(std::vector<double> samples, int warmup) {
  if (samples.empty()) throw std::invalid_argument("no timing samples");
  for (double s : samples)
    if (!std::isfinite(s) || s <= 0) throw std::invalid_argument(fmt::format("timing sample {} ms is not a positive time", s));
  report::bench_timing t;
  t.warmup = warmup;
  t.samples = samples;
  std::sort(samples.begin(), samples.end());
  const std::size_t n = samples.size();
  t.median_ms = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2.0;
  t.min_ms = samples.front();
  t.max_ms = samples.back();
  t.spread_pct = (t.max_ms - t.min_ms) / t.median_ms * 100.0;
  return t;
}

double tera_ops_per_s(double ops, double ms) { return ops / (ms * 1e-3) / 1e12; }

double gb_per_s(double bytes, double ms) { return bytes / (ms * 1e-3) / 1e9; }

std::optional<double> theoretical_bandwidth_gb_s(std::int64_t mem_clock_khz, std::int64_t bus_width_bits) {
  if (mem_clock_khz <= 0 || bus_width_bits <= 0) return std::nullopt;
  return 2.0 * static_cast<double>(mem_clock_khz) * 1e3 * static_cast<double>(bus_width_bits) / 8.0 / 1e9;
}

std::string check_tensor_result(const bench_case& c, const std::vector<std::byte>& d, std::int64_t warps,
                                std::int64_t mma_per_iteration, std::int64_t iterations, double relative_tolerance) {
  constexpr std::size_t tile = 16 * 8;
  if (warps <= 0 || d.size() < static_cast<std::size_t>(warps) * tile * 4 || c.c.size() < tile * 4 ||
      c.product.size() < tile)
    return "the result buffer is smaller than one 16x8 tile per warp";
  const double times = static_cast<double>(mma_per_iteration) * static_cast<double>(iterations);
  const double tolerance = c.integer ? 0.0 : relative_tolerance * times * c.magnitude + 1e-6;
  std::uint64_t bad = 0;
  std::string first;
  for (std::int64_t w = 0; w < warps; ++w)
    for (std::size_t e = 0; e < tile; ++e) {
      const std::size_t at = (static_cast<std::size_t>(w) * tile + e) * 4;
      double got = 0, want = 0;
      bool ok = false;
      if (c.integer) {
        std::int32_t g = 0, c0 = 0;
        std::memcpy(&g, d.data() + at, 4);
        std::memcpy(&c0, c.c.data() + e * 4, 4);
        // s32 accumulation wraps modulo 2^32.
        const auto exact = static_cast<std::int64_t>(c0) +
                           static_cast<std::int64_t>(c.product[e]) * mma_per_iteration * iterations;
        const auto wrapped = static_cast<std::int32_t>(static_cast<std::uint32_t>(exact & 0xffffffffLL));
        ok = g == wrapped;
        got = g;
        want = static_cast<double>(wrapped);
      } else {
        float g = 0, c0 = 0;
        std::memcpy(&g, d.data() + at, 4);
        std::memcpy(&c0, c.c.data() + e * 4, 4);
        want = static_cast<double>(c0) + times * c.product[e];
        got = g;
        ok = std::isfinite(got) && std::fabs(got - want) <= tolerance;
      }
      if (!ok && bad++ == 0)
        first = fmt::format("warp {} element ({}, {}): got {}, expected {}", w, e / 8, e % 8, got, want);
    }
  if (bad == 0) return {};
  return fmt::format("{} of {} elements wrong; first: {}", bad, static_cast<std::uint64_t>(warps) * tile, first);
}

// --- SASS of the loop -------------------------------------------------------------------

loop_counts count_loop(const std::map<std::string, int>& at_u1, int u1, const std::map<std::string, int>& at_u2,
                       int u2) {
  loop_counts out;
  out.confirmed = u2 > u1 && u1 > 0;
  std::map<std::string, int> all = at_u1;
  for (const auto& [label, n] : at_u2) all.emplace(label, 0);
  std::vector<std::string> outside;
  for (const auto& [label, unused] : all) {
    const auto c1 = at_u1.count(label) ? at_u1.at(label) : 0;
    const auto c2 = at_u2.count(label) ? at_u2.at(label) : 0;
    if (c1 == 0 && c2 == 0) continue;
    const double per = static_cast<double>(c2 - c1) / (u2 - u1);
    out.per_iteration[label] = c2;
    out.per_mma[label] = per;
    // Everything of the class lies in the unrolled body: both counts are the
    // unroll factor times a whole number per MMA.
    if (per < 0 || per != std::floor(per) || c1 != static_cast<int>(per) * u1 || c2 != static_cast<int>(per) * u2) {
      out.confirmed = false;
      outside.push_back(fmt::format("{} ({} at unroll {}, {} at unroll {})", label, c1, u1, c2, u2));
    }
  }
  if (!outside.empty()) {
    std::string list;
    for (const auto& o : outside) list += (list.empty() ? "" : ", ") + o;
    out.note = "not all tensor instructions grow with the unroll factor (some lie outside the loop body, or the "
               "loop was unrolled further): " + list;
  }
  return out;
}

namespace {

constexpr const char* empty_kernel = "\nextern \"C\" __global__ void sm121_bench_empty() {}\n";

std::vector<gpu_arch> candidates(const gpu_arch& arch) {
  if (arch.variant != arch_variant::plain) return {arch};
  std::vector<gpu_arch> out{arch};
  if (has_family_variant(arch.sm())) out.push_back({arch.major, arch.minor, arch_variant::family});
  if (has_arch_specific_variant(arch.sm())) out.push_back({arch.major, arch.minor, arch_variant::arch_specific});
  return out;
}

// ptxas -v lines for `kernel`: registers and spill bytes.
void read_ptxas_info(const std::string& log, const std::string& kernel, report::bench_sass& s) {
  static const std::regex props(R"(Function properties for (\S+))");
  static const std::regex entry(R"(Compiling entry function '([^']+)')");
  static const std::regex spills(R"((\d+) bytes spill stores, (\d+) bytes spill loads)");
  static const std::regex regs(R"(Used (\d+) registers)");
  std::istringstream in(log);
  std::string line, current;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_search(line, m, props) || std::regex_search(line, m, entry)) current = m[1];
    if (current != kernel) continue;
    if (std::regex_search(line, m, spills)) {
      s.spill_store_bytes = std::stoi(m[1]);
      s.spill_load_bytes = std::stoi(m[2]);
    }
    if (std::regex_search(line, m, regs)) s.registers = std::stoi(m[1]);
  }
}

struct one_build {
  bool ok = false;
  std::string error;
  std::string target;               // compiled target
  std::string sass_target;          // what the SASS is for
  std::vector<std::byte> image;     // device image (cubin or PTX)
  std::vector<std::byte> cubin;     // SASS to inspect
  std::string log;                  // ptxas -v output (NVRTC cubin compiles)
  std::vector<std::string> rejected;
};

one_build build(const nvrtc::toolchain& tools, const bench_catalogue& cat, const bench_tensor_spec& spec,
                const gpu_arch& arch, int unroll) {
  one_build b;
  const util::source_file* file = nullptr;
  for (const auto& k : cat.kernels)
    if (k.path == spec.kernel) file = &k;
  if (!file) {
    b.error = fmt::format("kernel {} is not embedded", spec.kernel);
    return b;
  }
  const std::string source = std::string(file->text) + empty_kernel;
  nvrtc::compile_request rq;
  rq.name = std::string(spec.kernel);
  rq.source = source;
  rq.options = spec.options;
  rq.options.push_back(fmt::format("-DSM121_BENCH_UNROLL={}", unroll));
  rq.headers = cat.headers;
  if (spec.target.how == target_spec::kind::fixed) {
    rq.target = spec.target.name;
    nvrtc::compile_result res = tools.compile(rq);
    b.target = rq.target;
    if (!res.ok) {
      const std::string line = nvrtc::first_error_line(res.log);
      b.error = fmt::format("{} does not compile: {}", rq.target, line.empty() ? res.status : line);
      return b;
    }
    b.image = std::move(res.image);
    if (res.kind == nvrtc::image_kind::cubin) {
      b.cubin = b.image;
      b.sass_target = rq.target;
      b.ok = true;
      return b;
    }
    b.sass_target = jit_target_for(arch);
    nvrtc::link_result link = tools.jit_link(b.image, b.sass_target);
    if (!link.ok) {
      const std::string line = nvrtc::first_error_line(link.log);
      b.error = fmt::format("nvJitLink cannot build {} SASS from the {} PTX: {}", b.sass_target, rq.target,
                            line.empty() ? link.status : line);
      return b;
    }
    b.cubin = std::move(link.cubin);
    b.ok = true;
    return b;
  }
  rq.options.push_back("--ptxas-options=-v");
  for (const gpu_arch& cand : candidates(arch)) {
    rq.target = sass_name(cand);
    nvrtc::compile_result res = tools.compile(rq);
    if (res.ok) {
      b.target = b.sass_target = rq.target;
      b.image = res.image;
      b.cubin = std::move(res.image);
      b.log = res.log;
      b.ok = true;
      return b;
    }
    const std::string line = nvrtc::first_error_line(res.log);
    b.rejected.push_back(fmt::format("{}: {}", rq.target, line.empty() ? res.status : line));
  }
  b.target = sass_name(arch);
  std::string list;
  for (const auto& r : b.rejected) list += (list.empty() ? "" : "; ") + r;
  b.error = "does not compile (" + list + ")";
  return b;
}

// Instructions of each class that exists on the target, in the kernel.
struct class_census {
  std::map<std::string, int> counts;
  int instructions = 0;
  bool ok = false;
};

class_census census(const std::vector<std::byte>& cubin, const std::vector<sass_class>& classes) {
  class_census c;
  const auto kernels = read_kernels(cubin);
  if (!kernels || !kernels->count("bench_kernel")) return c;
  std::optional<unsigned> filler;
  if (const auto it = kernels->find("sm121_bench_empty"); it != kernels->end() && !it->second.empty())
    filler = it->second.back().opcode();
  const auto& raw = kernels->at("bench_kernel");
  const auto code = filler ? drop_filler(raw, *filler) : drop_never_executed(raw);
  c.instructions = static_cast<int>(code.size());
  for (const auto& cl : classes) {
    if (!cl.exists) continue;
    int n = 0;
    for (const auto& i : code) n += i.opcode() == cl.opcode ? 1 : 0;
    if (n > 0) c.counts[cl.label] = n;
  }
  c.ok = true;
  return c;
}

std::string counts_text(const std::map<std::string, int>& m) {
  std::string s;
  for (const auto& [label, n] : m) s += fmt::format("{}{} {}", s.empty() ? "" : " + ", n, label);
  return s.empty() ? "no tensor instruction" : s;
}

}  // namespace

bench_compiled compile_tensor_bench(const nvrtc::toolchain& tools, const bench_catalogue& cat,
                                    const bench_tensor_spec& spec, const gpu_arch& arch) {
  bench_compiled out;
  report::bench_tensor& row = out.row;
  row.id = spec.id();
  row.format = spec.format;
  row.path = spec.path;
  row.description = spec.description;
  row.m = spec.m;
  row.n = spec.n;
  row.k = spec.k;
  row.mma_per_iteration = bench_unroll;
  row.ops_per_mma = spec.ops_per_mma();
  row.unit = spec.unit;
  row.anchor = spec.anchor;
  row.sass.expected_class = spec.expected_class;
  row.sass.expected_per_iteration = bench_unroll * spec.class_per_mma;
  if (spec.target.how == target_spec::kind::device_native && spec.format_exists && !spec.format_exists(arch)) {
    row.status = report::bench_status::format_absent;
    row.target = sass_name(arch);
    row.reason = fmt::format("format absent on target: {} needs {}", spec.format, spec.requires_text);
    return out;
  }
  one_build big = build(tools, cat, spec, arch, bench_unroll);
  row.target = big.target;
  row.sass_target = big.sass_target;
  if (!big.ok) {
    row.status = report::bench_status::failed;
    row.reason = big.error;
    return out;
  }
  one_build small = build(tools, cat, spec, arch, bench_unroll_probe);
  out.image = big.image;
  row.status = report::bench_status::compiled;
  read_ptxas_info(big.log, "bench_kernel", row.sass);

  const std::vector<sass_class> classes = resolve_classes(tools, big.sass_target, cat.sass_classes);
  const class_census c2 = census(big.cubin, classes);
  if (!c2.ok) {
    row.sass.note = "the SASS cannot be read (not a cubin with bench_kernel)";
    return out;
  }
  row.sass.inspected = true;
  row.sass.instructions = c2.instructions;
  if (!small.ok || small.sass_target != big.sass_target) {
    row.sass.per_iteration = c2.counts;
    row.sass.note = fmt::format("the unroll-{} build failed ({}): the loop cannot be told from the rest",
                                bench_unroll_probe, small.error);
    return out;
  }
  const class_census c1 = census(small.cubin, classes);
  const loop_counts lc = count_loop(c1.counts, bench_unroll_probe, c2.counts, bench_unroll);
  row.sass.per_iteration = lc.per_iteration;
  row.sass.per_mma = lc.per_mma;
  row.sass.loop_confirmed = lc.confirmed && c1.ok;
  const auto cls = std::find_if(classes.begin(), classes.end(),
                                [&](const sass_class& x) { return x.label == spec.expected_class; });
  const int found = lc.per_iteration.count(spec.expected_class) ? lc.per_iteration.at(spec.expected_class) : 0;
  row.sass.expected_found = row.sass.loop_confirmed && found == row.sass.expected_per_iteration;
  std::string note = fmt::format("{} per loop iteration of {} MMAs on {} ({} at unroll {})",
                                 counts_text(lc.per_iteration), bench_unroll, big.sass_target,
                                 counts_text(c1.counts), bench_unroll_probe);
  if (cls == classes.end() || !cls->exists) {
    note += fmt::format("; {} does not exist on {} ({})", spec.expected_class, big.sass_target,
                        cls == classes.end() ? "not in the class catalogue"
                                             : fmt::format("{}: {}", to_string(cls->state), cls->why));
  } else if (!row.sass.expected_found) {
    note += fmt::format("; expected {} {} per iteration", row.sass.expected_per_iteration, spec.expected_class);
  } else {
    note += fmt::format("; {} {} per MMA, all inside the loop", spec.class_per_mma, spec.expected_class);
  }
  if (!lc.note.empty()) note += "; " + lc.note;
  row.sass.note = note;
  return out;
}

}  // namespace sm121probe::probe
