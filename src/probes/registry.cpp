#include "probes.hpp"
#include "sm121probe/kernels.hpp"
#include "sm121probe/probes/registration.hpp"

namespace sm121probe::probe {

std::vector<variant> native_and_sm80_ptx() {
  return {variant{"native", target_spec::native(), false, {}},
          variant{"sm80-ptx", target_spec::fixed("compute_80"), true, {}}};
}

}  // namespace sm121probe::probe

namespace sm121probe::probes {

std::vector<probe::probe> registered_probes() {
  using namespace probe;
  std::vector<probe::probe> list;
  list.push_back(make_cuda_fma());
  for (auto& p : make_mma_sm80_probes()) list.push_back(std::move(p));
  list.push_back(make_ldmatrix());
  add_narrow_format_probes(list);
  add_feature_probes(list);
  return list;
}

std::vector<util::source_file> kernel_files() {
  std::vector<util::source_file> out;
  for (const kernels::embedded_file* f : kernels::all_files()) out.push_back(*f);
  return out;
}

}  // namespace sm121probe::probes
