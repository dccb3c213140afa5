// The architecture-feature probes (tcgen05, wgmma, image loading, TMA,
// clusters, shared memory, unified memory, warp ops) through the driver
// double: the custom host programs' logic (tensor-map encoding, cluster-size
// search, shared-memory search), how driver failures become stage failures
// and verdicts, and host-side checks of the tensor-core layouts the kernels use.
#include "support/toolchain.hpp"
#include "feature_tc_layout.cuh"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/runner.hpp"
#include "support/fake_gpu.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>

namespace sm121probe {
namespace {

using report::stage_kind;
using report::verdict;
using testing::fake_driver;

using testing::tools;

const probe::probe& probe_named(const std::string& id) {
  const auto* p = cli::builtin_catalogue().find(id);
  if (!p) throw std::runtime_error("no probe " + id);
  return *p;
}

bool has_note(const report::attempt_result& a, const std::string& text) {
  return std::any_of(a.notes.begin(), a.notes.end(), [&](const std::string& n) { return n.find(text) != n.npos; });
}

std::string notes_of(const report::attempt_result& a) {
  std::string out;
  for (const auto& n : a.notes) out += n + "\n";
  return out;
}

std::string stages_of(const report::attempt_result& a) {
  std::string out;
  for (const auto& s : a.stages)
    out += std::string(report::to_string(s.stage)) + (s.ok ? " ok" : " FAILED " + s.error + ": " + s.log) + "\n";
  return out;
}

// One attempt of a probe's program against the double, as a worker would run it.
report::attempt_result attempt(fake_driver& drv, const probe::probe& p, const report::device_info* info = nullptr) {
  report::attempt_result out;
  out.variant = p.variants.at(0).label;
  const std::vector<std::byte> image{std::byte{0x7f}, std::byte{'E'}, std::byte{'L'}, std::byte{'F'}};
  probe::run_attempt(drv, 0, info, {&p, &p.variants.at(0), 0, image}, out);
  return out;
}

verdict verdict_of(const report::attempt_result& a) { return probe::classify({a}).result; }

// Runs the battery in device mode on the double; launches run `kernel` (default:
// the running probe's CPU reference written into its outputs).
class device_run {
 public:
  fake_driver drv;
  std::function<CUresult(fake_driver&, const probe::probe&, void**)> kernel;

  report::run_report run(std::vector<std::string> only) {
    drv.on_launch = [this](fake_driver& d, const std::string& entry, void** params) -> CUresult {
      if (kernel) return kernel(d, *current, params);
      return testing::reference_kernel(*current, probe::exec_facts{gpu_arch{d.cc_major, d.cc_minor}, nullptr})(
          d, entry, params);
    };
    executor ex(*this);
    probe::run_options opts;
    opts.only = std::move(only);
    return probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
  }

 private:
  const probe::probe* current = nullptr;
  class executor final : public probe::device_executor {
   public:
    explicit executor(device_run& r) : run(r), inner(&r.drv) {}
    cuda::driver_query query(int ordinal) override { return inner.query(ordinal); }
    void execute(const probe::device_attempt& a, report::attempt_result& out) override {
      run.current = a.spec;
      inner.execute(a, out);
    }

   private:
    device_run& run;
    probe::in_process_executor inner;
  };
};

const report::probe_result& result_for(const report::run_report& r, const std::string& id) {
  for (const auto& p : r.probes)
    if (p.id == id) return p;
  throw std::runtime_error("no result for " + id);
}

// --- registration ------------------------------------------------------------------

TEST(FeatureProbes, TensorCoreAttemptsHaveNoFallbackAndPointToMma) {
  const std::pair<const char*, const char*> cases[] = {
      {"tcgen05.alloc", "sm_100a"}, {"tcgen05.mma", "sm_100a"}, {"tcgen05.ld", "sm_100a"}, {"wgmma.mma_async", "sm_90a"}};
  for (const auto& [id, home] : cases) {
    const auto& p = probe_named(id);
    ASSERT_EQ(p.variants.size(), 2u) << id;
    EXPECT_EQ(p.variants[0].target.how, probe::target_spec::kind::device_native) << id;
    EXPECT_EQ(p.variants[1].target.how, probe::target_spec::kind::fixed) << id;
    EXPECT_EQ(p.variants[1].target.name, home) << id;
    for (const auto& v : p.variants) EXPECT_FALSE(v.fallback) << id << " " << v.label;
    EXPECT_EQ(p.see_also, std::vector<std::string>{"mma.*"}) << id;
    EXPECT_NE(p.details.find("compiled"), std::string::npos) << id << ": details must say it was only compiled";
  }
}

TEST(FeatureProbes, OneImageLoadProbePerImage) {
  const std::vector<std::string> images = {"sm_120",  "sm_120a", "sm_120f",     "sm_121",       "sm_121a",
                                           "sm_100a", "sm_90",   "compute_120", "compute_121a", "compute_80"};
  std::size_t found = 0;
  for (const auto& p : cli::builtin_catalogue().probes) {
    if (p.id.rfind("image.load.", 0) != 0) continue;
    ++found;
    ASSERT_EQ(p.variants.size(), 1u) << p.id;
    EXPECT_FALSE(p.variants[0].fallback);
    EXPECT_EQ("image.load." + p.variants[0].target.name, p.id);
    EXPECT_NE(std::find(images.begin(), images.end(), p.variants[0].target.name), images.end()) << p.id;
  }
  EXPECT_EQ(found, images.size());
  EXPECT_NE(probe_named("image.load.sm_120").details.find("https://github.com/NVIDIA/cuvs/pull/2568"),
            std::string::npos)
      << "the public counter-report about plain sm_120 cubins on GB10";
}

TEST(FeatureProbes, Sm90FeaturesSkipOlderArchitectures) {
  for (const char* id : {"tma.bulk", "tma.tensor", "cluster.launch", "cluster.dsmem", "stmatrix", "elect.sync"}) {
    const auto& p = probe_named(id);
    ASSERT_TRUE(p.skip_reason) << id;
    EXPECT_TRUE(p.skip_reason(probe::exec_facts{gpu_arch{8, 9}, nullptr})) << id << " on 8.9";
    EXPECT_FALSE(p.skip_reason(probe::exec_facts{gpu_arch{9, 0}, nullptr})) << id << " on 9.0";
    EXPECT_FALSE(p.skip_reason(probe::exec_facts{gpu_arch{12, 1}, nullptr})) << id << " on 12.1";
  }
}

// --- tensor-core layouts (kernels/feature_tc_layout.cuh) ------------------------------

TEST(TcLayout, DescriptorFieldsSitWhereThePtxIsaPutsThem) {
  // start 0x400 >> 4 = 0x40 in bits 0-13, LBO 128 >> 4 = 8 in 16-29, SBO 256 >> 4 = 16 in 32-45.
  EXPECT_EQ(sm121feat::wgmma_desc(0x400, 128, 256), 0x0000001000080040ull);
  // Only address bits 4-17 are encoded (bit 18 here is dropped); swizzle and base offset stay 0.
  EXPECT_EQ(sm121feat::wgmma_desc(0x40400, 128, 256) & 0x3fffu, 0x40u);
  EXPECT_EQ(sm121feat::wgmma_desc(0x3fff0, 128, 256) & 0x3fffu, 0x3fffu);
  EXPECT_EQ(sm121feat::wgmma_desc(0x400, 128, 256) >> 49, 0u);
  // tcgen05 adds the fixed version value 0b001 in bits 46-48.
  EXPECT_EQ(sm121feat::tcgen05_smem_desc(0x400, 128, 256), 0x0000401000080040ull);
  // kind::f16 idesc: D f32 (bit 4), A/B f16 (0), K-major, N>>3 = 2 at bit 17, M>>4 = 8 at bit 24.
  EXPECT_EQ(sm121feat::tcgen05_idesc_f16_f32(128, 16), 0x08040010u);
  EXPECT_EQ(sm121feat::tcgen05_idesc_f16_f32(64, 8), (1u << 4) | (1u << 17) | (4u << 24));
}

TEST(TcLayout, KMajorLayoutIsCoreMatricesOf128ContiguousBytes) {
  std::set<unsigned> seen;
  for (unsigned row = 0; row < 128; ++row)
    for (unsigned k = 0; k < 16; ++k) {
      const unsigned off = sm121feat::kmajor_offset(row, k);
      EXPECT_LT(off, 128u * 16u);
      EXPECT_TRUE(seen.insert(off).second) << "row " << row << " k " << k;
      // Inside a core matrix: 8 rows of 8 consecutive 16-bit elements.
      EXPECT_EQ(off % 64, (row % 8) * 8 + k % 8);
      // Core matrices: K neighbours LBO apart, row-block neighbours SBO apart (bytes).
      EXPECT_EQ(off / 64 * 128, (k / 8) * sm121feat::kLbo + (row / 8) * sm121feat::kSbo);
    }
}

TEST(TcLayout, WgmmaAccumulatorFragmentCoversTheTileOnce) {
  std::set<unsigned> cells;
  for (unsigned tid = 0; tid < 128; ++tid)
    for (unsigned i = 0; i < 4; ++i) {
      const unsigned r = sm121feat::wgmma_acc_row(tid, i), c = sm121feat::wgmma_acc_col(tid, i);
      ASSERT_LT(r, 64u);
      ASSERT_LT(c, 8u);
      EXPECT_TRUE(cells.insert(r * 8 + c).second);
      EXPECT_EQ(r / 16, tid / 32) << "warp w owns rows 16w..16w+15";
    }
  EXPECT_EQ(cells.size(), 64u * 8u);
}

// A simulated warpgroup: stage A and B as the kernel does, let a model of the
// hardware read operands through the canonical layout, and scatter D through
// the accumulator fragment; the result must be the probe's CPU reference.
TEST(TcLayout, SimulatedWgmmaMatchesTheReference) {
  const auto& p = probe_named("wgmma.mma_async");
  const auto tc = p.make_case(probe::exec_facts{gpu_arch{9, 0, arch_variant::arch_specific}, nullptr});
  const auto a = probe::from_bytes<std::uint16_t>(tc.buffers[0].init);
  const auto b = probe::from_bytes<std::uint16_t>(tc.buffers[1].init);
  std::vector<std::uint16_t> sa(64 * 16), sb(8 * 16);
  for (unsigned e = 0; e < 64 * 16; ++e) sa[sm121feat::kmajor_offset(e / 16, e % 16)] = a[e];
  for (unsigned e = 0; e < 16 * 8; ++e) sb[sm121feat::kmajor_offset(e % 8, e / 8)] = b[e];
  const auto c = probe::from_bytes<float>(tc.buffers[2].init);
  std::vector<double> d(64 * 8);
  for (unsigned tid = 0; tid < 128; ++tid)
    for (unsigned i = 0; i < 4; ++i) {
      const unsigned m = sm121feat::wgmma_acc_row(tid, i), n = sm121feat::wgmma_acc_col(tid, i);
      double acc = c[m * 8 + n];
      for (unsigned k = 0; k < 16; ++k)
        acc += static_cast<double>(probe::half_to_float(sa[sm121feat::kmajor_offset(m, k)])) *
               probe::half_to_float(sb[sm121feat::kmajor_offset(n, k)]);
      d[m * 8 + n] = acc;
    }
  const auto expected = p.reference(tc);
  ASSERT_EQ(expected.size(), 1u);
  EXPECT_EQ(expected[0].values, d);
  EXPECT_NE(std::count(d.begin(), d.end(), 0.0), static_cast<long>(d.size())) << "a non-trivial product";
}

// The same for tcgen05.mma: M = 128 rows land in TMEM lanes 0-127 (identity
// layout of cta_group::1), N = 16 f32 columns; warp w reads lanes 32w..32w+31.
TEST(TcLayout, SimulatedTcgen05MmaMatchesTheReference) {
  const auto& p = probe_named("tcgen05.mma");
  const auto tc = p.make_case(probe::exec_facts{gpu_arch{10, 0, arch_variant::arch_specific}, nullptr});
  const auto a = probe::from_bytes<std::uint16_t>(tc.buffers[0].init);
  const auto b = probe::from_bytes<std::uint16_t>(tc.buffers[1].init);
  std::vector<std::uint16_t> sa(128 * 16), sb(16 * 16);
  for (unsigned e = 0; e < 128 * 16; ++e) sa[sm121feat::kmajor_offset(e / 16, e % 16)] = a[e];
  for (unsigned e = 0; e < 16 * 16; ++e) sb[sm121feat::kmajor_offset(e % 16, e / 16)] = b[e];
  const unsigned idesc = sm121feat::tcgen05_idesc_f16_f32(128, 16);
  const unsigned m_dim = ((idesc >> 24) & 0x1f) << 4, n_dim = ((idesc >> 17) & 0x3f) << 3;
  ASSERT_EQ(m_dim, 128u);
  ASSERT_EQ(n_dim, 16u);
  std::vector<double> tmem(128 * 16);  // [lane][column]
  for (unsigned m = 0; m < m_dim; ++m)
    for (unsigned n = 0; n < n_dim; ++n) {
      double acc = 0.0;  // enable-input-d = false
      for (unsigned k = 0; k < 16; ++k)
        acc += static_cast<double>(probe::half_to_float(sa[sm121feat::kmajor_offset(m, k)])) *
               probe::half_to_float(sb[sm121feat::kmajor_offset(n, k)]);
      tmem[m * 16 + n] = acc;
    }
  std::vector<double> d(128 * 16);
  for (unsigned warp = 0; warp < 4; ++warp)
    for (unsigned lane = 0; lane < 32; ++lane)
      for (unsigned j = 0; j < 16; ++j) d[(warp * 32 + lane) * 16 + j] = tmem[(warp * 32 + lane) * 16 + j];
  EXPECT_EQ(p.reference(tc).at(0).values, d);
}

// --- test double: tensor-core attempts on a 12.1 device --------------------------------

TEST(TensorCoreOnDevice, PtxasRejectionAndDriverRefusalMakeItFailing) {
  device_run run;
  run.drv.on_load = [](bool is_ptx) { return is_ptx ? CUDA_SUCCESS : CUDA_ERROR_NO_BINARY_FOR_GPU; };
  const auto r = run.run({"tcgen05.mma", "wgmma.mma_async"});
  for (const auto& [id, home] : {std::pair{"tcgen05.mma", "sm_100a"}, std::pair{"wgmma.mma_async", "sm_90a"}}) {
    const auto& p = result_for(r, id);
    EXPECT_EQ(p.result, verdict::failing) << id;
    ASSERT_EQ(p.attempts.size(), 2u);
    const auto* native = p.attempts[0].first_failure();
    ASSERT_NE(native, nullptr);
    EXPECT_EQ(native->stage, stage_kind::compile);
    EXPECT_NE(native->log.find("not supported on .target 'sm_121'"), std::string::npos) << native->log;
    EXPECT_EQ(p.attempts[0].notes.size(), 2u) << "sm_121f and sm_121a rejections";
    EXPECT_EQ(p.attempts[1].target, home);
    const auto* load = p.attempts[1].first_failure();
    ASSERT_NE(load, nullptr);
    EXPECT_EQ(load->stage, stage_kind::load);
    EXPECT_EQ(load->error, "CUDA_ERROR_NO_BINARY_FOR_GPU");
    EXPECT_FALSE(load->predicted) << "observed on the device";
    EXPECT_EQ(p.see_also, std::vector<std::string>{"mma.*"});
  }
  EXPECT_EQ(run.drv.launches, 0);
}

// --- test double: image loading ---------------------------------------------------------

TEST(ImageLoadOnDevice, RefusedImagesFailAtLoadOthersRun) {
  device_run run;
  run.drv.on_load = [](bool is_ptx) { return is_ptx ? CUDA_SUCCESS : CUDA_ERROR_NO_BINARY_FOR_GPU; };
  const auto r = run.run({"image.load.*"});
  ASSERT_EQ(r.probes.size(), 10u);
  for (const auto& p : r.probes) {
    const bool ptx = p.attempts.at(0).target.rfind("compute_", 0) == 0;
    EXPECT_EQ(p.result, ptx ? verdict::native : verdict::failing) << p.id;
    if (!ptx) {
      ASSERT_NE(p.attempts[0].first_failure(), nullptr);
      EXPECT_EQ(p.attempts[0].first_failure()->error, "CUDA_ERROR_NO_BINARY_FOR_GPU");
      EXPECT_NE(p.attempts[0].first_failure()->log.find("fake: no image"), std::string::npos) << "JIT log kept";
    }
  }
}

// --- test double: clusters ----------------------------------------------------------------

// A "kernel" for cluster.launch that reports the cluster registers of the
// launch the driver saw (optionally wrong for clusters larger than 2).
auto cluster_registers_kernel(bool wrong_above_2 = false) {
  return [wrong_above_2](fake_driver& d, const std::string&, void** params) -> CUresult {
    const auto& launch = d.launch_log.back();
    const unsigned size = std::max(launch.cluster[0], 1u), blocks = launch.grid[0];
    auto& out = d.buffer(fake_driver::param_ptr(params, 0));
    for (unsigned b = 0; b < blocks; ++b) {
      const std::uint32_t regs[4] = {wrong_above_2 && size > 2 ? 0u : b % size, size, b / size, blocks / size};
      std::memcpy(out.data() + (b * 4) * 4, regs, sizeof regs);
    }
    return CUDA_SUCCESS;
  };
}

TEST(ClusterOnDevice, UnsupportedClusterLaunchFailsAtLaunch) {
  device_run run;
  run.drv.cluster_launch_result = CUDA_ERROR_NOT_SUPPORTED;
  const auto r = run.run({"cluster.*"});
  for (const char* id : {"cluster.launch", "cluster.dsmem"}) {
    const auto& p = result_for(r, id);
    EXPECT_EQ(p.result, verdict::failing) << id;
    const auto* f = p.attempts.at(0).first_failure();
    ASSERT_NE(f, nullptr) << id;
    EXPECT_EQ(f->stage, stage_kind::launch) << id;
    EXPECT_EQ(f->error, "CUDA_ERROR_NOT_SUPPORTED") << id;
    EXPECT_NE(p.reason.find("CUDA_ERROR_NOT_SUPPORTED"), std::string::npos) << p.reason;
  }
  EXPECT_EQ(run.drv.cluster_launches, 2) << "each probe tried one cluster launch";
}

TEST(ClusterOnDevice, WrongDsmemValueFailsVerify) {
  device_run run;
  run.kernel = [](fake_driver& d, const probe::probe& p, void** params) {
    // The neighbour's values, except one thread that read its own block's value.
    return testing::reference_kernel(p, probe::exec_facts{gpu_arch{12, 1}, nullptr},
                                     [](std::vector<double>& v) { v.at(70) = 1 * 1000 + 6 + 7; })(d, "", params);
  };
  const auto r = run.run({"cluster.dsmem"});
  const auto& p = result_for(r, "cluster.dsmem");
  EXPECT_EQ(p.result, verdict::failing);
  const auto* f = p.attempts.at(0).first_failure();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->stage, stage_kind::verify);
  EXPECT_EQ(f->error, "mismatch");
  EXPECT_NE(f->log.find("element 70"), std::string::npos) << f->log;
  EXPECT_EQ(p.attempts[0].mismatches, 1u);
  ASSERT_EQ(run.drv.launch_log.size(), 1u);
  EXPECT_EQ(run.drv.launch_log[0].cluster, (std::array<unsigned, 3>{4, 1, 1})) << "launched as clusters of 4";
}

TEST(ClusterOnDevice, CorrectDsmemValuesAreNative) {
  device_run run;
  const auto r = run.run({"cluster.dsmem"});
  EXPECT_EQ(result_for(r, "cluster.dsmem").result, verdict::native) << result_for(r, "cluster.dsmem").reason;
}

TEST(ClusterLaunch, LaunchesTheLargestGrantedSizeAfterSize2) {
  fake_driver drv;
  drv.on_launch = cluster_registers_kernel();
  drv.on_max_active_clusters = [](unsigned size, int* n) {
    if (size == 16) return CUDA_ERROR_INVALID_CLUSTER_SIZE;
    *n = static_cast<int>(48 / size / 2);  // 12, 6, 3 for 2, 4, 8
    return CUDA_SUCCESS;
  };
  const auto a = attempt(drv, probe_named("cluster.launch"));
  EXPECT_EQ(verdict_of(a), verdict::native) << stages_of(a);
  ASSERT_EQ(a.stages.size(), 5u) << stages_of(a);  // load, launch+verify (2), launch+verify (8)
  EXPECT_EQ(a.stages[3].stage, stage_kind::launch);
  EXPECT_NE(a.stages[3].log.find("cluster size 8"), std::string::npos) << a.stages[3].log;
  ASSERT_EQ(drv.launch_log.size(), 2u);
  EXPECT_EQ(drv.launch_log[0].cluster[0], 2u);
  EXPECT_EQ(drv.launch_log[1].cluster[0], 8u);
  EXPECT_TRUE(has_note(a, "largest granted: 8")) << notes_of(a);
  EXPECT_TRUE(has_note(a, "16: CUDA_ERROR_INVALID_CLUSTER_SIZE")) << notes_of(a);
  EXPECT_TRUE(has_note(a, "cluster_launch = 1")) << notes_of(a);
  // Size 16 is only asked about with the non-portable attribute set.
  const std::pair<CUfunction_attribute, int> non_portable{CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1};
  EXPECT_NE(std::find(drv.func_attributes_set.begin(), drv.func_attributes_set.end(), non_portable),
            drv.func_attributes_set.end());
}

TEST(ClusterLaunch, Size16WhenGrantedAndNoSecondLaunchWhenOnly2) {
  fake_driver drv;
  drv.on_launch = cluster_registers_kernel();
  drv.on_max_active_clusters = [](unsigned, int* n) {
    *n = 1;
    return CUDA_SUCCESS;
  };
  auto a = attempt(drv, probe_named("cluster.launch"));
  EXPECT_EQ(verdict_of(a), verdict::native) << stages_of(a);
  ASSERT_EQ(drv.launch_log.size(), 2u);
  EXPECT_EQ(drv.launch_log[1].cluster[0], 16u);
  EXPECT_EQ(drv.launch_log[1].grid[0] % 16, 0u) << "grid is a multiple of the cluster size";

  fake_driver only2;
  only2.on_launch = cluster_registers_kernel();
  only2.on_max_active_clusters = [](unsigned size, int* n) {
    *n = size == 2 ? 4 : 0;
    return CUDA_SUCCESS;
  };
  a = attempt(only2, probe_named("cluster.launch"));
  EXPECT_EQ(verdict_of(a), verdict::native) << stages_of(a);
  EXPECT_EQ(only2.launch_log.size(), 1u);
  EXPECT_TRUE(has_note(a, "largest granted: 2")) << notes_of(a);
}

TEST(ClusterLaunch, WrongRegistersAtTheLargestSizeFail) {
  fake_driver drv;
  drv.on_launch = cluster_registers_kernel(true);
  drv.max_active_clusters = 2;  // every size granted
  const auto a = attempt(drv, probe_named("cluster.launch"));
  EXPECT_EQ(verdict_of(a), verdict::failing);
  const auto* f = a.first_failure();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->stage, stage_kind::verify);
  EXPECT_EQ(&*f, &a.stages.back()) << "size 2 verified, the larger size did not";
}

// --- test double: TMA tensor maps ---------------------------------------------------------

TEST(TmaTensor, FailedTensorMapEncodeFailsAtLaunch) {
  device_run run;
  run.drv.tensor_map_result = CUDA_ERROR_INVALID_VALUE;
  const auto r = run.run({"tma.tensor"});
  const auto& p = result_for(r, "tma.tensor");
  EXPECT_EQ(p.result, verdict::failing);
  const auto* f = p.attempts.at(0).first_failure();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->stage, stage_kind::launch);
  EXPECT_EQ(f->error, "CUDA_ERROR_INVALID_VALUE");
  EXPECT_NE(f->log.find("cuTensorMapEncodeTiled"), std::string::npos) << f->log;
  EXPECT_EQ(run.drv.launches, 0) << "nothing launched without a tensor map";
}

TEST(TmaTensor, MapDescribesThePlacedTensorAndTheResultIsVerified) {
  fake_driver drv;
  const auto& p = probe_named("tma.tensor");
  std::vector<std::byte> map_param;
  bool map_points_at_tensor = false;
  drv.on_launch = [&](fake_driver& d, const std::string& entry, void** params) {
    map_param.assign(static_cast<std::byte*>(params[0]), static_cast<std::byte*>(params[0]) + sizeof(CUtensorMap));
    // The map's address is a live allocation of the tensor's size (the placed buffer 0).
    const auto& t = d.buffer(reinterpret_cast<CUdeviceptr>(d.tensor_maps.at(0).address));
    map_points_at_tensor = t.size() == 40 * 24 * sizeof(std::uint32_t);
    return testing::reference_kernel(p, probe::exec_facts{gpu_arch{12, 1}, nullptr})(d, entry, params);
  };
  auto a = attempt(drv, p);
  EXPECT_EQ(verdict_of(a), verdict::native) << stages_of(a);
  ASSERT_EQ(drv.tensor_maps.size(), 1u);
  const auto& m = drv.tensor_maps[0];
  EXPECT_EQ(m.type, CU_TENSOR_MAP_DATA_TYPE_UINT32);
  EXPECT_EQ(m.dims, (std::vector<cuuint64_t>{40, 24}));
  EXPECT_EQ(m.strides, (std::vector<cuuint64_t>{160})) << "row pitch in bytes";
  EXPECT_EQ(m.box, (std::vector<cuuint32_t>{16, 8}));
  EXPECT_EQ(m.oob_fill, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  EXPECT_TRUE(map_points_at_tensor) << "the map points at the placed tensor";
  EXPECT_EQ(map_param.size(), sizeof(CUtensorMap)) << "the map is passed by value";

  // The boxes past column 40 must be zero-filled: a kernel that copies garbage there fails.
  fake_driver bad;
  bad.on_launch = testing::reference_kernel(p, probe::exec_facts{gpu_arch{12, 1}, nullptr},
                                            [](std::vector<double>& v) { v.at(2 * 128 + 15) = 0x12345; });
  a = attempt(bad, p);
  EXPECT_EQ(verdict_of(a), verdict::failing);
  ASSERT_NE(a.first_failure(), nullptr);
  EXPECT_EQ(a.first_failure()->stage, stage_kind::verify);
  const auto expected = p.reference(p.make_case(probe::exec_facts{gpu_arch{12, 1}, nullptr}));
  EXPECT_EQ(expected.at(0).values.at(2 * 128 + 15), 0.0) << "column 47 lies outside the 40-column tensor";
  EXPECT_NE(expected.at(0).values.at(2 * 128 + 7), 0.0) << "column 39 lies inside";
}

// --- test double: shared memory -----------------------------------------------------------

std::uint32_t smem_pattern(std::uint32_t i) { return (i * 2654435761u) ^ 0x5bd1e995u; }

// The smem.max kernel as the hardware would run it; `bad_threads` threads see wrong words.
auto smem_kernel(unsigned bad_threads = 0) {
  return [bad_threads](fake_driver& d, const std::string&, void** params) -> CUresult {
    unsigned words = 0;
    std::memcpy(&words, params[1], sizeof words);
    EXPECT_EQ(words * 4, d.launch_log.back().shared_bytes) << "the word count matches the launch";
    const std::uint32_t out[3] = {bad_threads, words ? smem_pattern(words - 1) : 0u, words};
    std::memcpy(d.buffer(fake_driver::param_ptr(params, 0)).data(), out, sizeof out);
    return CUDA_SUCCESS;
  };
}

// A driver whose opt-in attribute and launches accept up to `attr_limit` / `launch_limit` bytes.
void limit_smem(fake_driver& d, unsigned attr_limit, unsigned launch_limit) {
  d.on_func_set_attribute = [attr_limit](CUfunction_attribute a, int v) {
    if (a == CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES && static_cast<unsigned>(v) > attr_limit)
      return CUDA_ERROR_INVALID_VALUE;
    return CUDA_SUCCESS;
  };
  d.on_launch_config = [launch_limit](const fake_driver::launch_record& l) {
    return l.shared_bytes > launch_limit ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
  };
}

TEST(SmemMax, ReportedLimitLaunchesAndOneKiBMoreIsRefused) {
  fake_driver drv;
  limit_smem(drv, 101376, 101376);
  drv.on_launch = smem_kernel();
  const auto a = attempt(drv, probe_named("smem.max"));
  EXPECT_EQ(verdict_of(a), verdict::native) << stages_of(a) << notes_of(a);
  EXPECT_TRUE(has_note(a, "reported opt-in maximum 101376 B")) << notes_of(a);
  EXPECT_TRUE(has_note(a, "102400 B (1 KiB more) refused: CUDA_ERROR_INVALID_VALUE from cuFuncSetAttribute"))
      << notes_of(a);
  EXPECT_TRUE(has_note(a, "largest dynamic shared memory that launched: 101376 B")) << notes_of(a);
  EXPECT_EQ(drv.launch_log.back().shared_bytes, 101376u) << "verified at the measured size";
}

TEST(SmemMax, SmallerRealLimitIsFoundAndFails) {
  fake_driver drv;
  limit_smem(drv, 101376, 90000);  // the attribute accepts the reported value, launches do not
  drv.on_launch = smem_kernel();
  const auto a = attempt(drv, probe_named("smem.max"));
  EXPECT_EQ(verdict_of(a), verdict::failing);
  const auto* f = a.first_failure();
  ASSERT_NE(f, nullptr) << stages_of(a);
  EXPECT_EQ(f->stage, stage_kind::verify);
  EXPECT_EQ(f->error, "below_reported");
  EXPECT_NE(f->log.find("only 89984 B launch"), std::string::npos) << f->log;  // largest multiple of 128 <= 90000
  EXPECT_TRUE(has_note(a, "101376 B refused: CUDA_ERROR_INVALID_VALUE from cuLaunchKernel")) << notes_of(a);
  EXPECT_EQ(a.mismatches, 0u) << "the kernel itself worked at the size that launched";
}

TEST(SmemMax, MoreThanReportedIsNotedNotFailed) {
  fake_driver drv;
  limit_smem(drv, 200000, 200000);
  drv.on_launch = smem_kernel();
  const auto a = attempt(drv, probe_named("smem.max"));
  EXPECT_EQ(verdict_of(a), verdict::native) << stages_of(a);
  EXPECT_TRUE(has_note(a, "102400 B (1 KiB more than reported) also launched")) << notes_of(a);
}

TEST(SmemMax, WrongWordsInSharedMemoryFailVerify) {
  fake_driver drv;
  limit_smem(drv, 101376, 101376);
  drv.on_launch = smem_kernel(3);
  const auto a = attempt(drv, probe_named("smem.max"));
  EXPECT_EQ(verdict_of(a), verdict::failing);
  ASSERT_NE(a.first_failure(), nullptr);
  EXPECT_EQ(a.first_failure()->error, "mismatch");
}

TEST(SmemMax, NothingLaunchesIsALaunchFailure) {
  fake_driver drv;
  drv.on_launch = [](fake_driver&, const std::string&, void**) { return CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES; };
  const auto a = attempt(drv, probe_named("smem.max"));
  EXPECT_EQ(verdict_of(a), verdict::failing);
  ASSERT_NE(a.first_failure(), nullptr);
  EXPECT_EQ(a.first_failure()->stage, stage_kind::launch);
  EXPECT_EQ(a.first_failure()->error, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES");
}

// --- test double: unified memory -----------------------------------------------------------

TEST(UnifiedMemory, RegisterNotSupportedIsCapturedAsFailing) {
  device_run run;
  run.drv.host_register_result = CUDA_ERROR_NOT_SUPPORTED;
  run.drv.attrs[CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY] = 1;
  const auto r = run.run({"um.*"});
  const auto& reg = result_for(r, "um.registered");
  EXPECT_EQ(reg.result, verdict::failing);
  const auto* f = reg.attempts.at(0).first_failure();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->stage, stage_kind::launch);
  EXPECT_EQ(f->error, "CUDA_ERROR_NOT_SUPPORTED");
  EXPECT_NE(f->log.find("cuMemHostRegister"), std::string::npos) << f->log;
  EXPECT_TRUE(has_note(reg.attempts[0], "host_memory_register_supported = 0")) << notes_of(reg.attempts[0]);
  EXPECT_EQ(result_for(r, "um.managed").result, verdict::native);
  EXPECT_TRUE(has_note(result_for(r, "um.managed").attempts.at(0), "cuMemGetInfo: 4.0 GiB free of 128.0 GiB"))
      << notes_of(result_for(r, "um.managed").attempts.at(0));
}

TEST(UnifiedMemory, PageableNeedsPageableMemoryAccess) {
  device_run without;
  without.drv.attrs[CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS] = 0;
  auto r = without.run({"um.pageable"});
  EXPECT_EQ(result_for(r, "um.pageable").result, verdict::skipped);
  EXPECT_NE(result_for(r, "um.pageable").reason.find("pageable_memory_access = 0"), std::string::npos);

  device_run with;
  with.drv.attrs[CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS] = 1;
  with.drv.attrs[CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS_USES_HOST_PAGE_TABLES] = 1;
  r = with.run({"um.pageable"});
  const auto& p = result_for(r, "um.pageable");
  EXPECT_EQ(p.result, verdict::native) << p.reason;
  EXPECT_TRUE(has_note(p.attempts.at(0), "pageable_memory_access_uses_host_page_tables = 1"))
      << notes_of(p.attempts.at(0));

  // A kernel that did not update host memory (the GPU could not reach it) fails verification.
  device_run stale;
  stale.drv.attrs[CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS] = 1;
  stale.kernel = [](fake_driver&, const probe::probe&, void**) { return CUDA_SUCCESS; };
  r = stale.run({"um.pageable"});
  EXPECT_EQ(result_for(r, "um.pageable").result, verdict::failing);
  EXPECT_EQ(result_for(r, "um.pageable").attempts.at(0).first_failure()->stage, stage_kind::verify);
}

TEST(UnifiedMemory, ManagedSkippedWithoutManagedMemory) {
  device_run run;
  run.drv.attrs[CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY] = 0;
  const auto r = run.run({"um.managed"});
  EXPECT_EQ(result_for(r, "um.managed").result, verdict::skipped);
  EXPECT_EQ(run.drv.launches, 0);
}

// --- references that encode hardware-specified behaviour ------------------------------------

TEST(FeatureReferences, CpAsyncZeroFillsThePartialCopies) {
  const auto& p = probe_named("cp.async");
  const auto tc = p.make_case(probe::exec_facts{gpu_arch{12, 1}, nullptr});
  const auto v = p.reference(tc).at(0).values;
  for (unsigned t = 0; t < 128; ++t)
    for (unsigned w = 0; w < 4; ++w) {
      const double x = v[(256 + t) * 4 + w];
      if (w < t % 5) EXPECT_NE(x, 0.0) << t << " " << w;
      else EXPECT_EQ(x, 0.0) << t << " " << w;
    }
}

TEST(FeatureReferences, StmatrixTransposeIsTheTransposeOfThePlainStore) {
  const auto& p = probe_named("stmatrix");
  const auto v = p.reference(p.make_case(probe::exec_facts{gpu_arch{12, 1}, nullptr})).at(0).values;
  std::set<double> distinct(v.begin(), v.begin() + 256);
  EXPECT_EQ(distinct.size(), 256u) << "every stored element is distinct";
  for (unsigned j = 0; j < 4; ++j)
    for (unsigned r = 0; r < 8; ++r)
      for (unsigned c = 0; c < 8; ++c) EXPECT_EQ(v[256 + j * 64 + r * 8 + c], v[j * 64 + c * 8 + r]);
}

TEST(FeatureReferences, ReduxSignedAndUnsignedDiffer) {
  const auto& p = probe_named("redux.sync");
  const auto v = p.reference(p.make_case(probe::exec_facts{gpu_arch{12, 1}, nullptr})).at(0).values;
  EXPECT_EQ(v[1 * 32], -2000000000.0) << "min.s32";
  EXPECT_EQ(v[2 * 32], 2000000000.0) << "max.s32";
  EXPECT_NE(v[3 * 32], v[1 * 32]) << "min.u32 is not min.s32";
  EXPECT_EQ(v[8 * 32 + 0], 0.0) << "lane 0 is outside 0x5a5a5a5a";
  EXPECT_NE(v[8 * 32 + 1], 0.0);
}

}  // namespace
}  // namespace sm121probe
