// Registration of the Blackwell narrow-format tensor probes (FP8/FP6/FP4,
// block-scaled MMA, conversions, int4): one line per probe.
#include "narrow_probes.hpp"
#include "probes.hpp"

namespace sm121probe::probe {

void add_narrow_format_probes(std::vector<probe>& list) {
  using sm121::narrow_format;
  list.push_back(make_mma_fp8(narrow_format::e4m3));
  list.push_back(make_mma_fp8(narrow_format::e5m2));
  list.push_back(make_mma_f8f6f4(narrow_format::e2m1));
  list.push_back(make_mma_f8f6f4(narrow_format::e3m2));
  list.push_back(make_mma_f8f6f4(narrow_format::e2m3));
  list.push_back(make_mma_f8f6f4(narrow_format::e4m3));
  list.push_back(make_mma_mxf8f6f4());
  list.push_back(make_mma_mxf4());
  list.push_back(make_mma_nvf4());
  list.push_back(make_mma_s4());
  list.push_back(make_cvt_fp4());
  list.push_back(make_cvt_fp6());
  list.push_back(make_cvt_fp8());
  list.push_back(make_cvt_ue8m0());
}

}  // namespace sm121probe::probe
