// The SASS class catalogue (probe/sass.hpp, docs/classification.md): each
// class of tensor-core or conversion instruction with the PTX instruction that
// defines it on a target. Handed to the framework by the CLI with the probes.
#include "narrow_ptx.cuh"
#include "sm121probe/probes/registration.hpp"

namespace sm121probe::probes {

const std::vector<probe::sass_check>& sass_classes() {
  static const std::vector<probe::sass_check> classes = {
      {"HMMA", SM121_PTX_MMA_F16, "ffff", "rrrrrrffff"},
      {"IMMA", SM121_PTX_MMA_S8, "rrrr", "rrrrrrrrrr"},
      {"QMMA", SM121_PTX_MMA_FP8("e4m3"), "ffff", "rrrrrrffff"},
      {"QMMA.SF", SM121_PTX_MMA_MXF8F6F4("e4m3", "e4m3"), "ffff", "rrrrrrffffrr"},
      {"OMMA.SF", SM121_PTX_MMA_MXF4, "ffff", "rrrrrrffffrr"},
      {"F2FP", SM121_PTX_CVT_F32_TO_F16X2, "r", "ff"},
  };
  return classes;
}

}  // namespace sm121probe::probes
