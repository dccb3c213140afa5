#include "sm121probe/probe/sass.hpp"

#include "sm121probe/binscan/elf.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <exception>
#include <future>
#include <mutex>
#include <set>

namespace sm121probe::probe {

sass_signature signature_of(const sass_instruction& i) { return {i.opcode(), i.modifiers()}; }

std::string to_string(const sass_signature& s) { return fmt::format("0x{:03x}/0x{:x}", s.opcode, s.modifiers); }

std::optional<std::map<std::string, std::vector<sass_instruction>>> read_kernels(std::span<const std::byte> image) {
  std::optional<binscan::elf_file> elf;
  try {
    elf = binscan::elf_file::try_open(image);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!elf || elf->machine != binscan::em_cuda || !elf->little_endian) return std::nullopt;
  std::map<std::string, std::vector<sass_instruction>> out;
  constexpr std::string_view prefix = ".text.";
  for (const auto& s : elf->sections) {
    if (!s.name.starts_with(prefix) || s.type == binscan::sht_nobits) continue;
    if (s.size % 16 != 0 || s.offset > image.size() || s.size > image.size() - s.offset) return std::nullopt;
    std::vector<sass_instruction> code(s.size / 16);
    for (std::size_t i = 0; i < code.size(); ++i) {
      std::memcpy(&code[i].lo, image.data() + s.offset + 16 * i, 8);
      std::memcpy(&code[i].hi, image.data() + s.offset + 16 * i + 8, 8);
    }
    out[s.name.substr(prefix.size())] = std::move(code);
  }
  return out;
}

std::vector<sass_instruction> drop_filler(std::vector<sass_instruction> code, unsigned filler) {
  std::erase_if(code, [filler](const sass_instruction& i) { return i.opcode() == filler || i.never_executed(); });
  return code;
}

std::vector<sass_instruction> drop_never_executed(std::vector<sass_instruction> code) {
  std::erase_if(code, [](const sass_instruction& i) { return i.never_executed(); });
  return code;
}

bool control_flow::contains(unsigned opcode) const {
  return std::binary_search(opcodes.begin(), opcodes.end(), opcode);
}

std::string_view to_string(class_state s) {
  switch (s) {
    case class_state::exists: return "exists";
    case class_state::absent: return "absent";
    case class_state::inconclusive: return "inconclusive";
  }
  return "inconclusive";
}

signature_counts count_signatures(const std::vector<sass_instruction>& code) {
  signature_counts c;
  for (const auto& i : code) ++c[signature_of(i)];
  return c;
}

signature_counts minus(const signature_counts& a, const signature_counts& b) {
  signature_counts out;
  for (const auto& [sig, n] : a) {
    const auto it = b.find(sig);
    const int d = n - (it == b.end() ? 0 : it->second);
    if (d > 0) out[sig] = d;
  }
  return out;
}

int total(const signature_counts& c) {
  int n = 0;
  for (const auto& [sig, k] : c) n += k;
  return n;
}

namespace {

const char* c_type(char c) { return c == 'f' ? "float" : c == 'h' ? "unsigned short" : "unsigned"; }

std::string escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out;
}

// One reference kernel with `uses` independent uses of the instruction (0: the baseline).
std::string reference_kernel(const sass_check& c, const std::string& name, int uses) {
  std::string s = fmt::format(
      "extern \"C\" __global__ void {}(const unsigned* in, unsigned* out, const unsigned short* in16, "
      "unsigned short* out16) {{\n  const int l = threadIdx.x;\n",
      name);
  const int sets = std::max(uses, 1);
  const int n_in = static_cast<int>(c.inputs.size());
  for (int u = 0; u < sets; ++u)
    for (int i = 0; i < n_in; ++i) {
      const int idx = u * n_in + i;
      const char t = c.inputs[static_cast<std::size_t>(i)];
      if (t == 'f') s += fmt::format("  const float i{}_{} = __uint_as_float(in[l + {}]);\n", u, i, 32 * idx);
      else if (t == 'h') s += fmt::format("  const unsigned short i{}_{} = in16[l + {}];\n", u, i, 32 * idx);
      else s += fmt::format("  const unsigned i{}_{} = in[l + {}];\n", u, i, 32 * idx);
    }
  int k = 0;
  const auto store = [&](char t, const std::string& v) {
    if (t == 'f') s += fmt::format("  out[l + {}] = __float_as_uint({});\n", 32 * k, v);
    else if (t == 'h') s += fmt::format("  out16[l + {}] = {};\n", 32 * k, v);
    else s += fmt::format("  out[l + {}] = {};\n", 32 * k, v);
    ++k;
  };
  for (int u = 0; u < uses; ++u) {
    std::string outs, ins;
    for (std::size_t j = 0; j < c.outputs.size(); ++j) {
      s += fmt::format("  {} o{}_{};\n", c_type(c.outputs[j]), u, j);
      outs += fmt::format("{}\"={}\"(o{}_{})", j ? ", " : "", c.outputs[j], u, j);
    }
    for (std::size_t i = 0; i < c.inputs.size(); ++i)
      ins += fmt::format("{}\"{}\"(i{}_{})", i ? ", " : "", c.inputs[i], u, i);
    s += fmt::format("  asm volatile(\"{}\" : {} : {});\n", escape(c.ptx), outs, ins);
    for (std::size_t j = 0; j < c.outputs.size(); ++j) store(c.outputs[j], fmt::format("o{}_{}", u, j));
  }
  if (uses == 0)
    for (int i = 0; i < n_in; ++i) store(c.inputs[static_cast<std::size_t>(i)], fmt::format("i0_{}", i));
  s += "}\n";
  return s;
}

// A value computed once per key; concurrent callers wait for the first.
template <typename T>
class once_cache {
 public:
  template <typename Fn>
  T get(const std::string& key, Fn&& compute) {
    std::promise<T> promise;
    std::shared_future<T> future;
    bool mine = false;
    {
      std::lock_guard lock(m_mutex);
      const auto it = m_values.find(key);
      if (it == m_values.end()) {
        future = promise.get_future().share();
        m_values.emplace(key, future);
        mine = true;
      } else {
        future = it->second;
      }
    }
    if (mine) {
      try {
        promise.set_value(compute());
      } catch (...) {
        promise.set_exception(std::current_exception());
      }
    }
    return future.get();
  }

 private:
  std::mutex m_mutex;
  std::map<std::string, std::shared_future<T>> m_values;
};

struct measured {
  instruction_cost cost;
  std::optional<unsigned> filler;  // padding opcode on this target
};

std::string kernel_name(std::size_t index, int uses) { return fmt::format("sm121_sass_{}_k{}", index, uses); }

std::string batch_source(const std::vector<sass_check>& checks) {
  std::string s =
      "// sm121-probe SASS reference kernels (docs/classification.md): per instruction\n"
      "// K0 baseline, K1 one use, K2 two independent uses.\n";
  for (std::size_t i = 0; i < checks.size(); ++i)
    for (int uses = 0; uses <= 2; ++uses) s += reference_kernel(checks[i], kernel_name(i, uses), uses);
  s += "extern \"C\" __global__ void sm121_sass_empty() {}\n";
  return s;
}

measured analyse(const std::map<std::string, std::vector<sass_instruction>>& kernels, std::size_t index) {
  measured m;
  const auto k0_it = kernels.find(kernel_name(index, 0)), k1_it = kernels.find(kernel_name(index, 1)),
             k2_it = kernels.find(kernel_name(index, 2)), empty_it = kernels.find("sm121_sass_empty");
  if (k0_it == kernels.end() || k1_it == kernels.end() || k2_it == kernels.end() || empty_it == kernels.end()) {
    m.cost.error = "the reference cubin lacks a reference kernel";
    return m;
  }
  if (!empty_it->second.empty()) m.filler = empty_it->second.back().opcode();
  const auto strip = [&](const std::vector<sass_instruction>& v) {
    return m.filler ? drop_filler(v, *m.filler) : drop_never_executed(v);
  };
  const auto k0 = strip(k0_it->second), k1 = strip(k1_it->second), k2 = strip(k2_it->second);
  std::set<unsigned> ops;
  for (const auto& i : k0) ops.insert(i.opcode());
  // Loads, stores and address arithmetic for the extra operands use opcodes the
  // baseline has; what the instruction itself costs uses the others.
  const auto own = [&](const signature_counts& diff) {
    signature_counts out;
    for (const auto& [sig, n] : diff)
      if (!ops.count(sig.opcode)) out[sig] = n;
    return out;
  };
  m.cost.compiled = true;
  m.cost.baseline_instructions = static_cast<int>(k0.size());
  m.cost.first = own(minus(count_signatures(k1), count_signatures(k0)));
  m.cost.marginal = own(minus(count_signatures(k2), count_signatures(k1)));
  m.cost.baseline_opcodes.assign(ops.begin(), ops.end());
  return m;
}

// One NVRTC program for all `checks`; when it does not compile (one of them
// is not supported on the target), one program per check.
std::vector<measured> measure_uncached(const nvrtc::toolchain& tools, const std::string& target,
                                       const std::vector<sass_check>& checks) {
  nvrtc::compile_request rq;
  rq.name = "sass-reference.cu";
  const std::string src = batch_source(checks);
  rq.source = src;
  rq.target = target;
  const nvrtc::compile_result res = tools.compile(rq);
  std::vector<measured> out(checks.size());
  if (!res.ok) {
    if (checks.size() > 1) {
      for (std::size_t i = 0; i < checks.size(); ++i) out[i] = measure_uncached(tools, target, {checks[i]}).front();
      return out;
    }
    const std::string line = nvrtc::first_error_line(res.log);
    out[0].cost.error = line.empty() ? res.status : line;
    return out;
  }
  const auto kernels = read_kernels(res.image);
  for (std::size_t i = 0; i < checks.size(); ++i) {
    if (kernels) out[i] = analyse(*kernels, i);
    else out[i].cost.error = "the reference cubin cannot be read";
  }
  return out;
}

once_cache<std::vector<measured>>& measurement_cache() {
  static once_cache<std::vector<measured>> cache;
  return cache;
}

std::vector<measured> measure_cached(const nvrtc::toolchain& tools, const std::string& target,
                                     const std::vector<sass_check>& checks) {
  std::string key = tools.nvrtc_version() + "\x1f" + target;
  for (const auto& c : checks) key += fmt::format("\x1e{}\x1f{}\x1f{}", c.ptx, c.outputs, c.inputs);
  return measurement_cache().get(key, [&] { return measure_uncached(tools, target, checks); });
}

once_cache<std::vector<sass_class>>& class_cache() {
  static once_cache<std::vector<sass_class>> cache;
  return cache;
}

// "2 HMMA + 12 F2FP + 4 other" for a multiset, naming the classes that exist.
std::string composition(const signature_counts& c, const std::vector<sass_class>& classes) {
  std::map<std::string, int> named;
  int other = 0;
  for (const auto& [sig, n] : c) {
    std::string label;
    for (const auto& cl : classes)
      if (cl.exists && cl.opcode == sig.opcode) label = label.empty() ? cl.label : label + "/" + cl.label;
    if (label.empty()) other += n;
    else named[label] += n;
  }
  std::string out;
  for (const auto& [label, n] : named) out += fmt::format("{}{} {}", out.empty() ? "" : " + ", n, label);
  if (other > 0) out += fmt::format("{}{} other", out.empty() ? "" : " + ", other);
  return out.empty() ? "nothing" : out;
}

// The instruction's mnemonic with its qualifiers, for notes: in a template
// with glue (register declarations, packing moves) it is the longest
// mnemonic-like word (starts with a letter, contains a dot).
std::string short_ptx(const std::string& ptx) {
  std::string best, word;
  const auto take = [&] {
    const bool mnemonic = !word.empty() && std::isalpha(static_cast<unsigned char>(word[0])) &&
                          word.find('.') != std::string::npos;
    if (mnemonic && word.size() > best.size()) best = word;
    word.clear();
  };
  for (char c : ptx) {
    if (c == ' ' || c == ';' || c == ',' || c == '{' || c == '}') take();
    else word += c;
  }
  take();
  return best.empty() ? ptx : best;
}

}  // namespace

std::string reference_source(const sass_check& c) { return batch_source({c}); }

instruction_cost measure_instruction(const nvrtc::toolchain& tools, const std::string& target, const sass_check& c) {
  return measure_cached(tools, target, {c}).front().cost;
}

namespace {

// A function the call reference calls without inlining, and the same
// computation inline; an empty kernel (its code besides the padding is EXIT
// and the closing branch).
constexpr const char* control_flow_source =
    "// sm121-probe control-flow reference kernels (docs/classification.md).\n"
    "static __device__ __noinline__ unsigned sm121_sass_callee(unsigned x) { return x * 2654435761u + 12345u; }\n"
    "extern \"C\" __global__ void sm121_sass_call(const unsigned* in, unsigned* out) {\n"
    "  out[threadIdx.x] = sm121_sass_callee(in[threadIdx.x]);\n}\n"
    "extern \"C\" __global__ void sm121_sass_inline(const unsigned* in, unsigned* out) {\n"
    "  out[threadIdx.x] = in[threadIdx.x] * 2654435761u + 12345u;\n}\n"
    "extern \"C\" __global__ void sm121_sass_empty() {}\n";

control_flow measure_control_flow_uncached(const nvrtc::toolchain& tools, const std::string& target) {
  control_flow cf;
  nvrtc::compile_request rq;
  rq.name = "sass-control-flow.cu";
  rq.source = control_flow_source;
  rq.target = target;
  const nvrtc::compile_result res = tools.compile(rq);
  if (!res.ok) {
    const std::string line = nvrtc::first_error_line(res.log);
    cf.error = line.empty() ? res.status : line;
    return cf;
  }
  const auto kernels = read_kernels(res.image);
  if (!kernels || !kernels->count("sm121_sass_call") || !kernels->count("sm121_sass_inline") ||
      !kernels->count("sm121_sass_empty")) {
    cf.error = "the control-flow reference cubin cannot be read";
    return cf;
  }
  const auto& empty = kernels->at("sm121_sass_empty");
  std::set<unsigned> ops, inline_ops, call_ops;
  // The padding opcode (none can match when the empty kernel has no code at all).
  const unsigned filler = empty.empty() ? ~0u : empty.back().opcode();
  for (const auto& i : drop_never_executed(empty))
    if (i.opcode() != filler) ops.insert(i.opcode());
  for (const auto& i : drop_never_executed(kernels->at("sm121_sass_inline"))) inline_ops.insert(i.opcode());
  for (const auto& i : drop_never_executed(kernels->at("sm121_sass_call"))) call_ops.insert(i.opcode());
  bool call_seen = false;
  for (unsigned op : call_ops)
    if (!inline_ops.count(op) && op != filler) {
      ops.insert(op);
      call_seen = true;
    }
  if (!call_seen || ops.empty()) {
    cf.error = "the call reference was inlined (no call instruction to measure)";
    return cf;
  }
  cf.measured = true;
  cf.opcodes.assign(ops.begin(), ops.end());
  return cf;
}

once_cache<control_flow>& control_flow_cache() {
  static once_cache<control_flow> cache;
  return cache;
}

}  // namespace

void settle_class(sass_class& c, const control_flow& cf) {
  const int per_use = total(c.cost.marginal);
  bool calls = false;
  for (const auto& [sig, n] : c.cost.marginal) calls = calls || cf.contains(sig.opcode);
  if (!cf.measured) {
    c.state = class_state::inconclusive;
    c.why = "control flow could not be measured (" + cf.error + ")";
  } else if (calls) {
    c.state = class_state::absent;
    c.why = "its representative calls a routine";
  } else if (per_use == 1) {
    c.state = class_state::exists;
    c.exists = true;
    c.opcode = c.cost.marginal.begin()->first.opcode;
  } else if (per_use == 0 || per_use <= 1 + sass_helper_allowance) {
    c.state = class_state::inconclusive;
    c.why = fmt::format("its representative costs {} instructions per use; which is the class cannot be told", per_use);
  } else {
    c.state = class_state::absent;
    c.why = fmt::format("its representative costs {} instructions per use", per_use);
  }
}

control_flow measure_control_flow(const nvrtc::toolchain& tools, const std::string& target) {
  return control_flow_cache().get(tools.nvrtc_version() + "\x1f" + target,
                                  [&] { return measure_control_flow_uncached(tools, target); });
}

std::vector<sass_class> resolve_classes(const nvrtc::toolchain& tools, const std::string& target,
                                        const std::vector<sass_check>& classes) {
  std::string key = tools.nvrtc_version() + "\x1f" + target;
  for (const auto& c : classes)
    key += fmt::format("\x1e{}\x1f{}\x1f{}\x1f{}", c.expected_class, c.ptx, c.outputs, c.inputs);
  return class_cache().get(key, [&] {
    const control_flow cf = measure_control_flow(tools, target);
    const std::vector<measured> costs = measure_cached(tools, target, classes);
    std::vector<sass_class> out;
    for (std::size_t i = 0; i < classes.size(); ++i) {
      const sass_check& rep = classes[i];
      auto it = std::find_if(out.begin(), out.end(), [&](const sass_class& c) { return c.label == rep.expected_class; });
      if (it != out.end() && it->cost.compiled) continue;  // an earlier representative defines it
      sass_class c;
      c.label = rep.expected_class;
      c.representative = short_ptx(rep.ptx);
      c.cost = costs[i].cost;
      if (c.cost.compiled) {
        settle_class(c, cf);
      } else {
        c.state = class_state::inconclusive;
        c.why = fmt::format("its representative {} does not compile for {} ({})", c.representative, target,
                            c.cost.error);
        if (it != out.end()) c.why = it->why + "; " + c.why;
      }
      if (it != out.end()) *it = std::move(c);
      else out.push_back(std::move(c));
    }
    return out;
  });
}

namespace {

check_result judge(const std::string& target, const sass_check& chk, const instruction_cost& cost,
                   const std::vector<sass_class>& classes, const signature_counts& kernel) {
  check_result r;
  const std::string name = short_ptx(chk.ptx);
  const auto cls = std::find_if(classes.begin(), classes.end(),
                                [&](const sass_class& c) { return c.label == chk.expected_class; });
  if (cls == classes.end()) {
    r.inconclusive = true;
    r.note = fmt::format("{}: no class '{}' in the catalogue", name, chk.expected_class);
    return r;
  }
  if (!cost.compiled) {
    r.inconclusive = true;
    r.note = fmt::format("{}: reference kernels did not compile for {} ({})", name, target, cost.error);
    return r;
  }
  const int per_use = total(cost.marginal);
  if (cls->state == class_state::inconclusive) {
    r.inconclusive = true;
    r.note = fmt::format("{}: whether {} has {} is not known ({}); this instruction costs {} per use ({})", name,
                         target, cls->label, cls->why, per_use, composition(cost.marginal, classes));
    return r;
  }
  if (cls->state == class_state::absent) {
    r.note = fmt::format(
        "{}: no {} on {} ({}: {} {}); this instruction costs {} per use ({}; first use {})", name, cls->label,
        target, cls->why, cls->representative, composition(cls->cost.marginal, classes), per_use,
        composition(cost.marginal, classes), composition(cost.first, classes));
    return r;
  }
  int of_class = 0;
  std::optional<sass_signature> sig;
  for (const auto& [s, n] : cost.marginal)
    if (s.opcode == cls->opcode) {
      of_class += n;
      sig = s;
    }
  if (of_class != 1 || per_use - of_class > sass_helper_allowance) {
    r.note = fmt::format("{}: {} instructions per use on {} ({}; first use {}), not one {}", name, per_use, target,
                         composition(cost.marginal, classes), composition(cost.first, classes), cls->label);
    return r;
  }
  r.native = true;
  r.found = kernel.count(*sig) > 0;
  if (r.found) {
    r.note = fmt::format("{}: one {} {} per use on {}, present in the kernel", name, cls->label, to_string(*sig),
                         target);
  } else {
    int same_opcode = 0;
    for (const auto& [s, n] : kernel)
      if (s.opcode == sig->opcode) same_opcode += n;
    r.note = fmt::format("{}: the kernel lacks {} {} ({} {} instruction(s) of other forms)", name, cls->label,
                         to_string(*sig), same_opcode, cls->label);
  }
  return r;
}

}  // namespace

std::optional<sass_inspection> inspect_sass(const nvrtc::toolchain& tools, const std::string& target,
                                            std::span<const std::byte> image, const std::vector<sass_check>& checks,
                                            const std::vector<sass_check>& class_catalogue) {
  const auto kernels = read_kernels(image);
  if (!kernels) return std::nullopt;
  const std::vector<sass_class> classes = resolve_classes(tools, target, class_catalogue);
  const std::vector<measured> costs = measure_cached(tools, target, checks);
  std::optional<unsigned> filler;
  for (const auto& m : costs)
    if (!filler) filler = m.filler;
  if (!filler)
    for (const auto& m : measure_cached(tools, target, class_catalogue))
      if (!filler) filler = m.filler;

  std::vector<sass_instruction> all;
  for (const auto& [name, code] : *kernels) {
    const auto body = filler ? drop_filler(code, *filler) : code;
    all.insert(all.end(), body.begin(), body.end());
  }
  const signature_counts kernel = count_signatures(all);

  sass_inspection out;
  out.summary.instructions = static_cast<int>(all.size());
  for (const auto& c : classes) {
    if (!c.exists) continue;
    int n = 0;
    for (const auto& i : all) n += i.opcode() == c.opcode ? 1 : 0;
    if (n > 0) out.summary.classes[c.label] += n;
  }
  std::vector<std::string> labels, notes;
  bool all_found = !checks.empty();
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const sass_check& chk = checks[i];
    check_result r = judge(target, chk, costs[i].cost, classes, kernel);
    if (std::find(labels.begin(), labels.end(), chk.expected_class) == labels.end())
      labels.push_back(chk.expected_class);
    if (!r.inconclusive && !(r.native && r.found)) out.emulated = true;
    if (r.inconclusive) out.summary.inconclusive = true;
    all_found = all_found && r.native && r.found;
    notes.push_back(r.note);
    out.checks.push_back(std::move(r));
  }
  for (const auto& l : labels) out.summary.expected_class += (out.summary.expected_class.empty() ? "" : "+") + l;
  out.summary.expected_found = all_found;
  for (const auto& n : notes) out.summary.note += (out.summary.note.empty() ? "" : "; ") + n;
  if (checks.empty()) {
    out.summary.note = "no instruction declared for inspection";
    out.summary.inconclusive = true;
  }
  // An emulated instruction settles the attempt whatever the others show.
  if (out.emulated) out.summary.inconclusive = false;
  return out;
}

}  // namespace sm121probe::probe
