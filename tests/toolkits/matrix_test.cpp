// The toolkit matrix (issue 9): the offline battery of every target below, run
// with NVRTC + nvJitLink of CUDA 12.9 (pip wheels), of the toolkit the build
// used (13.0 here) and of CUDA 13.5 (pip wheels), must give the same verdict
// for every probe; and every SASS judgement (native / emulated) must agree with
// NVIDIA's disassembler (nvdisasm 13.5, a wheel used by this test only: the
// tool never runs it):
//
//  * judged native (verdict native, not emulated): the probe's cubin holds the
//    instruction of each checked PTX instruction (its class mnemonic with the
//    PTX's shape and types), and in the reference program
//    (`run --keep-images`) every kernel with u uses of it holds exactly u:
//    one hardware instruction per use;
//  * judged emulated: the probe's cubin holds no such instruction.
//
// The expected mnemonic is derived here from the PTX text (class label ->
// nvdisasm prefix, shape mMnNkK -> "MNK", operand types -> type tokens), not
// taken from the tool.
#include "support/toolkits.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace sm121probe {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct toolkit_run {
  std::string name;         ///< "12.9", "system", "13.5"
  std::string home;         ///< --cuda-home
  std::string version;      ///< expected NVRTC major.minor prefix ("12.9."), empty: any
  json report;
  json manifest;
  std::string images;       ///< the --keep-images directory
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

using listing = std::map<std::string, std::vector<std::string>>;

// nvdisasm -c: mnemonics per kernel (each file disassembled once).
listing disassemble(const std::string& nvdisasm, const std::string& cubin, std::string& error) {
  static std::map<std::string, listing> cache;
  if (const auto it = cache.find(cubin); it != cache.end()) return it->second;
  listing out;
  const auto r = testing::run_process({nvdisasm, "-c", cubin});
  if (r.exit_code != 0) {
    error = fmt::format("nvdisasm {} failed ({}): {}", cubin, r.exit_code, r.err);
    return out;
  }
  static const std::regex func(R"(^\s*\.text\.([A-Za-z0-9_$.]+):\s*$)");
  static const std::regex insn(R"(/\*[0-9a-f]{4,}\*/\s+(?:@!?U?P[T0-9]+\s+)?([A-Z][A-Z0-9_.]*))");
  std::istringstream lines(r.out);
  std::string current;
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, func)) current = m[1].str();
    else if (!current.empty() && std::regex_search(line, m, insn)) out[current].push_back(m[1].str());
  }
  if (out.empty()) error = fmt::format("nvdisasm {}: no instructions found", cubin);
  else cache.emplace(cubin, out);
  return out;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

// The nvdisasm spelling of a PTX type.
std::string sass_type(const std::string& ptx_type) {
  std::string t = ptx_type;
  if (t.size() > 2 && t.ends_with("x2")) t.resize(t.size() - 2);
  if (t == "ue8m0") return "E8";
  return upper(t);
}

// A matcher for the SASS instruction a checked PTX instruction must become.
struct expected_form {
  std::string prefix;               ///< "HMMA.16816", "QMMA.SF.16832", "F2FP"
  std::vector<std::string> tokens;  ///< each must appear as ".TOKEN" (in order for cvt: ".DST.SRC.")
  std::string describe;

  [[nodiscard]] bool matches(const std::string& mnemonic) const {
    if (mnemonic != prefix && !mnemonic.starts_with(prefix + ".")) return false;
    const std::string m = mnemonic + ".";
    std::size_t at = prefix.size();  // the dot after the prefix
    for (const auto& t : tokens) {
      const auto p = m.find("." + t + ".", at);
      if (p == std::string::npos) return false;
      at = p + t.size() + 1;
    }
    return true;
  }
};

expected_form form_of(const std::string& cls, const std::string& ptx) {
  expected_form f;
  std::smatch m;
  static const std::regex mma(R"(mma\.sync\.aligned\.m(\d+)n(\d+)k(\d+)\.row\.col\.(.*?) )");
  static const std::regex cvt(R"(cvt\.(rn|rz|rp)(?:\.satfinite)?\.([a-z0-9]+)\.([a-z0-9]+))");
  if (std::regex_search(ptx, m, mma)) {
    // HMMA / IMMA / QMMA / QMMA.SF / OMMA.SF + shape, then the A and B types.
    f.prefix = fmt::format("{}.{}{}{}", cls, m[1].str(), m[2].str(), m[3].str());
    std::vector<std::string> parts;
    std::istringstream types(m[4].str());
    for (std::string p; std::getline(types, p, '.');) parts.push_back(p);
    // .kind::..., .block_scale, .scale_vec::NX are qualifiers; then D, A, B, C types.
    std::vector<std::string> t;
    for (const auto& p : parts)
      if (p.find("::") == std::string::npos && p != "block_scale") t.push_back(p);
    if (t.size() >= 3) {
      const std::string a = t[1], b = t[2];
      if (a == "bf16" || a == "tf32") f.tokens = {upper(a)};
      else if (a != "f16") f.tokens = {sass_type(a), sass_type(b)};
    }
  } else {
    // Conversions: the cvt with a packed narrow type; F2FP.<...>.DST.SRC.
    for (auto it = std::sregex_iterator(ptx.begin(), ptx.end(), cvt); it != std::sregex_iterator(); ++it) {
      const std::string dst = (*it)[2].str(), src = (*it)[3].str();
      if (!dst.ends_with("x2") && !src.ends_with("x2")) continue;
      f.prefix = cls;
      f.tokens = {sass_type(dst), sass_type(src)};
      if ((*it)[1].str() != "rn") f.tokens.push_back(upper((*it)[1].str()));
      break;
    }
  }
  f.describe = f.prefix;
  for (const auto& t : f.tokens) f.describe += ".." + t;
  return f;
}

int count(const std::vector<std::string>& mnemonics, const expected_form& f) {
  return static_cast<int>(std::count_if(mnemonics.begin(), mnemonics.end(), [&](const auto& s) { return f.matches(s); }));
}

// The uses of the instruction in each kernel of a reference program: its asm statements.
std::map<std::string, int> uses_per_kernel(const std::string& source) {
  std::map<std::string, int> out;
  static const std::regex kernel(R"(__global__\s+void\s+([A-Za-z0-9_]+)\s*\()");
  std::vector<std::pair<std::size_t, std::string>> starts;
  for (auto it = std::sregex_iterator(source.begin(), source.end(), kernel); it != std::sregex_iterator(); ++it)
    starts.emplace_back(static_cast<std::size_t>(it->position()), (*it)[1].str());
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::size_t end = i + 1 < starts.size() ? starts[i + 1].first : source.size();
    const std::string body = source.substr(starts[i].first, end - starts[i].first);
    int n = 0;
    for (std::size_t p = body.find("asm volatile("); p != std::string::npos; p = body.find("asm volatile(", p + 1)) ++n;
    out[starts[i].second] = n;
  }
  return out;
}

TEST(MatrixForm, MnemonicsDerivedFromThePtx) {
  const auto hmma = form_of("HMMA", "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0}, {%1};");
  EXPECT_TRUE(hmma.matches("HMMA.16816.F32.BF16"));
  EXPECT_FALSE(hmma.matches("HMMA.16816.F32"));
  const auto s4 = form_of("IMMA", "mma.sync.aligned.m8n8k32.row.col.s32.s4.s4.s32 {%0,%1}, {%2}, {%3}, {%4,%5};");
  EXPECT_TRUE(s4.matches("IMMA.8832.S4.S4"));
  EXPECT_FALSE(s4.matches("IMMA.16816.S8.S8"));  // what ptxas emulates it with on sm_90 and later
  const auto q = form_of("QMMA", "mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e4m3.f32 {%0}, {%1};");
  EXPECT_TRUE(q.matches("QMMA.16832.F32.E4M3.E4M3"));
  EXPECT_FALSE(q.matches("QMMA.16832.F32.E5M2.E5M2"));
  const auto sf = form_of("QMMA.SF",
                          "mma.sync.aligned.m16n8k32.row.col.kind::mxf8f6f4.block_scale.scale_vec::1X.f32.e4m3.e2m1."
                          "f32.ue8m0 {%0}, {%1}, %14, {1, 1}, %15, {2, 3};");
  EXPECT_TRUE(sf.matches("QMMA.SF.16832.F32.E4M3.E2M1.E8"));
  const auto pack = form_of("F2FP", "{ .reg .b8 t; cvt.rn.satfinite.e2m1x2.f32 t, %1, %2; cvt.u16.u8 %0, t; }");
  EXPECT_TRUE(pack.matches("F2FP.SATFINITE.E2M1.F32.PACK_AB_MERGE_C"));
  EXPECT_FALSE(pack.matches("F2FP.F16.E2M1.UNPACK_B"));
  const auto rp = form_of("F2FP", "cvt.rp.satfinite.ue8m0x2.f32 %0, %1, %2;");
  EXPECT_TRUE(rp.matches("F2FP.SATFINITE.E8.F32.PACK_AB_MERGE_C.RP"));
  EXPECT_FALSE(rp.matches("F2FP.SATFINITE.E8.F32.PACK_AB_MERGE_C.RZ"));
  EXPECT_TRUE(form_of("F2FP", "cvt.rn.bf16x2.ue8m0x2 %0, %1;").matches("F2FP.BF16.E8.UNPACK_B"));
}

class ToolkitMatrix : public ::testing::TestWithParam<std::string> {};

TEST_P(ToolkitMatrix, SameVerdictsOnEveryToolkitAndSassJudgementsAgreeWithNvdisasm) {
  SM121_REQUIRE_TOOLKITS(tk);
  const std::string target = GetParam();
  testing::temp_dir dir;
  std::vector<toolkit_run> runs = {{"CUDA 12.9 (wheels)", tk.cuda129, "12.9.", {}, {}, {}},
                                   {"the build's toolkit", tk.system_home, "", {}, {}, {}},
                                   {"CUDA 13.5 (wheels)", tk.cuda135, "13.5.", {}, {}, {}}};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    auto& run = runs[i];
    run.images = dir / fmt::format("images-{}", i);
    const auto r = testing::run_tool_clean({"run", "--target", target, "--cuda-home", run.home, "--keep-images",
                                            run.images, "--format", "json", "-o", "-", "-q"});
    ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << run.name << ": " << r.err;
    run.report = json::parse(r.out);
    run.manifest = json::parse(read_text(fs::path(run.images) / "manifest.json"));
    const std::string v = run.report["toolkit"]["nvrtc_library"]["version"].get<std::string>();
    ASSERT_TRUE(run.version.empty() || v.starts_with(run.version)) << run.name << " loaded NVRTC " << v;
    ASSERT_TRUE(run.report["toolkit"]["pair_mismatch"].is_null()) << run.report["toolkit"].dump();
  }

  // 1. Identical verdicts.
  std::map<std::string, std::vector<std::string>> verdicts, reasons;
  for (const auto& run : runs)
    for (const auto& p : run.report["probes"]) {
      verdicts[p["id"]].push_back(p["verdict"]);
      reasons[p["id"]].push_back(p["reason"].is_string() ? p["reason"].get<std::string>() : std::string());
    }
  std::string differ;
  for (const auto& [id, v] : verdicts) {
    if (v.size() == runs.size() && std::all_of(v.begin(), v.end(), [&](const auto& x) { return x == v[0]; })) continue;
    differ += fmt::format("\n  {}:", id);
    for (std::size_t i = 0; i < v.size(); ++i)
      differ += fmt::format("\n    {} = {} ({})", runs[i].name, v[i], reasons[id][i].substr(0, 200));
  }
  EXPECT_TRUE(differ.empty()) << "verdicts differ between toolkits for " << target << ":" << differ;

  // 2. Every SASS judgement against nvdisasm.
  int judged = 0;
  std::string wrong;
  for (const auto& run : runs) {
    for (const auto& img : run.manifest["images"]) {
      if (img["sass"].is_null() || img["kind"] != "cubin") continue;
      const bool emulated = img["sass"]["emulated"].get<bool>();
      const bool native = !emulated && img["verdict"] == "native";
      if (!native && !emulated) continue;  // no claim either way (e.g. an unverified check)
      std::string err;
      const auto probe_code = disassemble(tk.nvdisasm, (fs::path(run.images) / img["file"].get<std::string>()).string(), err);
      ASSERT_EQ(err, "");
      std::vector<std::string> all;
      for (const auto& [k, v] : probe_code) all.insert(all.end(), v.begin(), v.end());
      const std::string where = fmt::format("{} {} ({}, {})", img["probe"].get<std::string>(),
                                            img["target"].get<std::string>(), run.name, native ? "native" : "emulated");
      int absent = 0;
      for (const auto& c : img["sass"]["checks"]) {
        const expected_form f = form_of(c["class"], c["ptx"]);
        if (f.prefix.empty()) {
          wrong += fmt::format("\n  {}: no instruction form known for {}", where, c["ptx"].get<std::string>());
          continue;
        }
        const int in_probe = count(all, f);
        if (in_probe == 0) ++absent;
        if (!native) continue;
        ++judged;
        if (in_probe == 0) wrong += fmt::format("\n  {}: judged native, but nvdisasm finds no {}", where, f.describe);
        if (c["reference"].is_null()) {
          wrong += fmt::format("\n  {}: judged native, but its reference program did not compile", where);
          continue;
        }
        const fs::path ref = fs::path(run.images) / c["reference"].get<std::string>();
        const auto ref_code = disassemble(tk.nvdisasm, ref.string(), err);
        ASSERT_EQ(err, "");
        const std::string src = fs::path(ref).replace_extension(".cu").string();
        int kernels_with_uses = 0;
        for (const auto& [kernel, uses] : uses_per_kernel(read_text(src))) {
          const auto it = ref_code.find(kernel);
          const int n = it == ref_code.end() ? 0 : count(it->second, f);
          if (uses > 0) ++kernels_with_uses;
          if (n != uses)
            wrong += fmt::format("\n  {}: judged native, but reference kernel {} has {} {} for {} use(s)", where,
                                 kernel, n, f.describe, uses);
        }
        if (kernels_with_uses == 0) wrong += fmt::format("\n  {}: reference program {} has no uses", where, src);
      }
      if (emulated) {
        ++judged;
        if (absent == 0)
          wrong += fmt::format("\n  {}: judged emulated, but nvdisasm finds every checked instruction in it", where);
      }
    }
  }
  EXPECT_TRUE(wrong.empty()) << "SASS judgements that nvdisasm contradicts for " << target << ":" << wrong;
  RecordProperty("sass_judgements_checked", judged);
}

INSTANTIATE_TEST_SUITE_P(Targets, ToolkitMatrix,
                         ::testing::Values("sm_121", "sm_120", "sm_100a", "sm_90a", "sm_89", "sm_80", "sm_75"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) { return param_info.param; });

}  // namespace
}  // namespace sm121probe
