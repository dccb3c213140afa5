#pragma once
// A fake "GPU" for the driver double: on launch it writes the probe's CPU
// reference into the output buffers (optionally corrupted), standing in for a
// kernel that computes the right (or a wrong) answer.

#include "sm121probe/probe/probe.hpp"
#include "support/fake_driver.hpp"

#include <cstring>

namespace sm121probe::testing {

/// An on_launch callback computing `p`'s reference for the test case built
/// with `facts`; `corrupt` may alter the expected values before they are written.
inline auto reference_kernel(const probe::probe& p, probe::exec_facts facts,
                             std::function<void(std::vector<double>&)> corrupt = {}) {
  return [&p, facts, corrupt](fake_driver& drv, const std::string&, void** params) -> CUresult {
    const probe::test_case tc = p.make_case(facts);
    for (auto e : p.reference(tc)) {
      if (corrupt) corrupt(e.values);
      for (std::size_t k = 0; k < tc.args.size(); ++k) {
        if (tc.args[k].buffer_index != e.buffer_index) continue;
        const CUdeviceptr ptr = fake_driver::param_ptr(params, static_cast<int>(k));
        std::vector<std::byte> bytes(e.values.size() * probe::elem_size(e.type));
        for (std::size_t i = 0; i < e.values.size(); ++i) probe::write_element(bytes, e.type, i, e.values[i]);
        if (tc.buffers[e.buffer_index].memory == probe::memory_kind::device)
          std::memcpy(drv.buffer(ptr).data(), bytes.data(), bytes.size());
        else
          std::memcpy(reinterpret_cast<void*>(ptr), bytes.data(), bytes.size());
      }
    }
    return CUDA_SUCCESS;
  };
}

}  // namespace sm121probe::testing
