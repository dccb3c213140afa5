// The SASS class catalogue (probe/sass.hpp, docs/classification.md): each
// class of tensor-core or conversion instruction with the PTX instruction that
// defines it on a target. A class may have several representatives, tried in
// this order: the first that compiles for a target defines the class there
// (sm_75 lacks the sm_80 shapes). Handed to the framework by the CLI with the probes.
#include "narrow_ptx.cuh"
#include "sm121probe/probes/registration.hpp"

namespace sm121probe::probes {

const std::vector<probe::sass_check>& sass_classes() {
  static const std::vector<probe::sass_check> classes = {
      {"HMMA", SM121_PTX_MMA_F16_F32, SM121_OPS_MMA_F32},
      {"HMMA", SM121_PTX_MMA_F16_F32_K8, SM121_OPS_MMA_F32_K8},
      {"IMMA", SM121_PTX_MMA_S8_S32, SM121_OPS_MMA_S32},
      {"IMMA", SM121_PTX_MMA_S8_M8N8K16, SM121_OPS_MMA_S4},
      {"QMMA", SM121_PTX_MMA_FP8("e4m3"), SM121_OPS_MMA_F32},
      {"QMMA.SF", SM121_PTX_MMA_MXF8F6F4("e4m3", "e4m3"), SM121_OPS_MMA_F32_SCALED},
      {"OMMA.SF", SM121_PTX_MMA_MXF4, SM121_OPS_MMA_F32_SCALED},
      {"F2FP", SM121_PTX_CVT_F32_TO_F16X2, SM121_OPS_CVT_PACK32},
  };
  return classes;
}

}  // namespace sm121probe::probes
