// Poisoned memory (issue 10): output buffers start as 0xFF bytes and the
// shared-memory tiles that the hardware is to fill (TMA, bulk copies,
// cp.async zero fill) start as 0xFFFFFFFF words, so "reads as zero" and every
// expected-zero output can only pass when something was really written.
//
// The device is the driver double: loads and launches succeed, and the
// "kernel" writes nothing at all. Every probe whose attempt reaches the verify
// stage must then fail it.
#include "support/fake_driver.hpp"
#include "support/toolchain.hpp"
#include "sm121probe/cli/catalogue.hpp"
#include "sm121probe/probe/executor.hpp"
#include "sm121probe/probe/runner.hpp"
#include "sm121probe/probe/session.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

namespace sm121probe {
namespace {

using testing::fake_driver;
using testing::tools;

bool all_zero(const std::vector<std::byte>& b) {
  return std::all_of(b.begin(), b.end(), [](std::byte x) { return x == std::byte{0}; });
}

// Every buffer a probe's reference checks starts poisoned (never all zeros),
// on every architecture the expectations cover.
TEST(Poison, EveryCheckedBufferStartsPoisoned) {
  for (const auto& p : cli::builtin_catalogue().probes) {
    for (const gpu_arch a : {gpu_arch{12, 1}, gpu_arch{9, 0}, gpu_arch{8, 0}}) {
      const probe::test_case tc = p.make_case({a, nullptr});
      for (const auto& e : p.reference(tc)) {
        const auto& init = tc.buffers.at(e.buffer_index).init;
        EXPECT_FALSE(all_zero(init)) << p.id << ": buffer '" << tc.buffers.at(e.buffer_index).name
                                     << "' starts as zeros, so a kernel that writes nothing can pass";
      }
    }
  }
}

// A GPU whose kernels write nothing: no probe may verify.
TEST(Poison, AKernelThatWritesNothingFailsEveryProbe) {
  fake_driver drv;  // GB10; on_launch does nothing by default
  drv.attrs[CU_DEVICE_ATTRIBUTE_MANAGED_MEMORY] = 1;
  drv.attrs[CU_DEVICE_ATTRIBUTE_PAGEABLE_MEMORY_ACCESS] = 1;
  drv.attrs[CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS] = 1;
  probe::in_process_executor ex(&drv);
  probe::run_options opts;
  const auto r = probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
  int verified = 0;
  for (const auto& p : r.probes) {
    for (const auto& a : p.attempts) {
      for (const auto& st : a.stages) {
        if (st.stage != report::stage_kind::verify) continue;
        ++verified;
        EXPECT_FALSE(st.ok) << p.id << " / " << a.variant << " verified although the kernel wrote nothing";
      }
    }
    EXPECT_NE(p.result, report::verdict::native) << p.id << ": " << p.reason;
    EXPECT_NE(p.result, report::verdict::fallback) << p.id << ": " << p.reason;
  }
  EXPECT_GT(verified, 40) << "most probes reach the verify stage on the double";
}

// A GPU that writes every expected non-zero element and leaves the rest
// alone: exactly the kernel that "reads as zero" / "zero fill" checks cannot
// see when buffers start as zeros. Every probe that expects a zero anywhere
// must fail verification.
class skip_zeros_executor final : public probe::device_executor {
 public:
  explicit skip_zeros_executor(fake_driver& d) : drv(d), inner(&d) {}
  cuda::driver_query query(int ordinal) override { return inner.query(ordinal); }
  void execute(const probe::device_attempt& a, report::attempt_result& out) override {
    const probe::probe* p = a.spec;
    drv.on_launch = [p](fake_driver& d, const std::string&, void** params) -> CUresult {
      const probe::test_case tc = p->make_case({gpu_arch{d.cc_major, d.cc_minor}, nullptr});
      for (const auto& e : p->reference(tc))
        for (std::size_t k = 0; k < tc.args.size(); ++k) {
          if (tc.args[k].buffer_index != e.buffer_index) continue;
          const CUdeviceptr ptr = fake_driver::param_ptr(params, static_cast<int>(k));
          const std::size_t es = probe::elem_size(e.type);
          std::vector<std::byte> one(es);
          for (std::size_t i = 0; i < e.values.size(); ++i) {
            if (e.values[i] == 0.0) continue;  // "the hardware wrote nothing here"
            probe::write_element(one, e.type, 0, e.values[i]);
            auto* dst = tc.buffers[e.buffer_index].memory == probe::memory_kind::device
                            ? d.buffer(ptr).data()
                            : reinterpret_cast<std::byte*>(ptr);
            std::memcpy(dst + i * es, one.data(), es);
          }
        }
      return CUDA_SUCCESS;
    };
    inner.execute(a, out);
  }

 private:
  fake_driver& drv;
  probe::in_process_executor inner;
};

TEST(Poison, ExpectedZerosMustBeWritten) {
  fake_driver drv;
  skip_zeros_executor ex(drv);
  probe::run_options opts;
  opts.only = {"tma.*", "cp.async", "mma.*", "cvt.*", "cuda.fma", "ldmatrix", "stmatrix", "redux.sync", "elect.sync"};
  const auto r = probe::run_battery(opts, cli::builtin_catalogue(), tools(), &ex, nullptr);
  int with_zeros = 0;
  for (const auto& res : r.probes) {
    const auto* spec = cli::builtin_catalogue().find(res.id);
    ASSERT_NE(spec, nullptr);
    bool expects_zero = false;
    for (const auto& e : spec->reference(spec->make_case({gpu_arch{12, 1}, nullptr})))
      expects_zero |= std::count(e.values.begin(), e.values.end(), 0.0) > 0;
    if (!expects_zero) continue;
    ++with_zeros;
    for (const auto& a : res.attempts) {
      for (const auto& st : a.stages) {
        if (st.stage == report::stage_kind::verify) {
          EXPECT_FALSE(st.ok) << res.id << " / " << a.variant << ": unwritten expected zeros went unnoticed";
        }
      }
    }
  }
  EXPECT_GE(with_zeros, 3) << "tma.tensor (out-of-bounds zeros), cp.async (zero fill) and others expect zeros";
}

// The kernels that expect an asynchronous unit to fill shared memory poison
// it first: the fill (and TMA / cp.async zero fill) is then observable.
TEST(Poison, SharedMemoryTilesArePoisonedBeforeTheCopy) {
  for (const char* k : {"kernels/tma_tensor.cu", "kernels/tma_bulk.cu", "kernels/tma_gather4.cu", "kernels/cp_async.cu"}) {
    std::ifstream in(std::string(SM121PROBE_SOURCE_DIR) + "/" + k);
    ASSERT_TRUE(in) << k;
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string src = ss.str();
    const auto body = src.find("probe_kernel(");
    ASSERT_NE(body, std::string::npos) << k;
    const auto poison = src.find(std::string(k).ends_with("cp_async.cu") ? "make_int4(-1, -1, -1, -1)" : "poison_smem(", body);
    const auto copy = src.find("cp.async", body);
    ASSERT_NE(poison, std::string::npos) << k << " does not poison its tile";
    ASSERT_NE(copy, std::string::npos) << k;
    EXPECT_LT(poison, copy) << k << ": the tile must be poisoned before the copy is issued";
  }
}

}  // namespace
}  // namespace sm121probe
