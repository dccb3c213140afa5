// image.load.*: which builds of a library can run here. One trivial kernel,
// one probe per image (SASS for one architecture, or PTX for the driver's
// JIT); on a device the image is loaded and run, offline the runner predicts
// the load from the compatibility rules in arch.hpp (SASS) or links the PTX
// with nvJitLink for this architecture (PTX). One variant, no fallback.
#include "sm121probe/probes/registration.hpp"

#include <fmt/format.h>

#include <cstdint>

namespace sm121probe::probe {

namespace {

// What each image says about library builds, appended to the common text.
std::string image_note(const std::string& target) {
  if (target == "sm_120")
    return " A plain sm_120 cubin is what most wheels built for consumer Blackwell (RTX 50) carry. By the "
           "documented rule (same major version, same or lower minor) it loads on 12.1, and vLLM users run such "
           "builds on GB10; but NVIDIA's cuVS documents cuTile-produced sm_120 cubins rejected on GB10 with "
           "cudaErrorNoKernelImageForDevice (https://github.com/NVIDIA/cuvs/pull/2568), so this probe tests it "
           "on the device. Wrong results from sm_120 builds on GB10 that were reported elsewhere were traced to "
           "source guards such as __CUDA_ARCH__ == 1200, not to the loader.";
  if (target == "sm_120a")
    return " Arch-specific (a) code runs only on exactly the compute capability it was built for: an sm_120a "
           "cubin is refused on 12.1 (\"no kernel image is available\"), the failure reported when projects "
           "compile FP4 kernels for sm_120a only and ship them to DGX Spark.";
  if (target == "sm_120f")
    return " Family (f) code runs on every member of the family from its own minor version up: sm_120f "
           "covers 12.0 and 12.1, which makes it the one Blackwell-consumer build with FP4 that also serves GB10.";
  if (target == "sm_121")
    return " Native SASS for GB10 (compute capability 12.1); it would not load on an RTX 50 (12.0).";
  if (target == "sm_121a")
    return " Arch-specific SASS for exactly 12.1: what `-arch=sm_121a` produces for DGX Spark.";
  if (target == "sm_100a")
    return " Datacenter Blackwell (B200/GB200) SASS: a different major family, refused on 12.x.";
  if (target == "sm_90")
    return " Hopper SASS: SASS never crosses a major version, so it is refused on every Blackwell GPU.";
  if (target == "compute_120")
    return " Plain PTX for 12.0: the driver can JIT-compile it for 12.0 and anything newer, including 12.1. "
           "PTX from NVRTC 13.0 is ISA 9.0 and needs a CUDA 13 driver (R580+).";
  if (target == "compute_121a")
    return " Arch-specific PTX for exactly 12.1; compute_12Xa PTX cannot be compiled for any other device "
           "(ptxas: \"cannot be compiled to future architecture\").";
  if (target == "compute_80")
    return " Ampere PTX, the most portable build: every later GPU can JIT-compile it, at the cost of a load-time "
           "compile and Ampere-era instructions only.";
  return {};
}

// The images, in report order, each with the verdict expected on sm_80, sm_86,
// sm_89, sm_90, sm_100, sm_120, sm_121: the compatibility rules
// (docs/compatibility.md).
struct image {
  const char* target;
  std::vector<std::string> expected;
};

const std::vector<image>& images() {
  static const std::vector<image> list = {
      {"sm_120", {"failing", "failing", "failing", "failing", "failing", "native", "native"}},
      {"sm_120a", {"failing", "failing", "failing", "failing", "failing", "native", "failing"}},
      {"sm_120f", {"failing", "failing", "failing", "failing", "failing", "native", "native"}},
      {"sm_121", {"failing", "failing", "failing", "failing", "failing", "failing", "native"}},
      {"sm_121a", {"failing", "failing", "failing", "failing", "failing", "failing", "native"}},
      {"sm_100a", {"failing", "failing", "failing", "failing", "native", "failing", "failing"}},
      {"sm_90", {"failing", "failing", "failing", "native", "failing", "failing", "failing"}},
      {"compute_120", {"failing", "failing", "failing", "failing", "failing", "native", "native"}},
      {"compute_121a", {"failing", "failing", "failing", "failing", "failing", "failing", "native"}},
      {"compute_80", {"native", "native", "native", "native", "native", "native", "native"}},
  };
  return list;
}

}  // namespace

static probe make_image_load(const image& img) {
  const std::string target = img.target;
  const bool ptx = target.rfind("compute_", 0) == 0;
  probe p;
  p.id = "image.load." + target;
  p.category = "image";
  p.description = fmt::format("Does the {} {} build of a trivial kernel load and run here?", target, ptx ? "PTX" : "SASS");
  p.details =
      fmt::format("Loads a trivial kernel built only as {} {} and runs it (y = 3x + i over 1024 words); on a "
                  "device this tells empirically whether a library shipping only this build can run here, offline "
                  "the load is predicted from the documented compatibility rules{}.{}",
                  target, ptx ? "PTX" : "SASS",
                  ptx ? " by JIT-linking the PTX for this architecture with nvJitLink" : "", image_note(target));
  p.kernel = "kernels/image_load.cu";
  p.expected = {img.expected, "compat-rules"};
  p.variants = {variant{"image", target_spec::fixed(target), false, {}}};
  p.make_case = [](const exec_facts&) {
    constexpr unsigned n = 1024;
    std::vector<std::uint32_t> x(n);
    lcg rng(0x10ad);
    for (auto& v : x) v = rng.next();
    test_case tc;
    tc.launch.grid = {n / 256, 1, 1};
    tc.launch.block = {256, 1, 1};
    tc.buffers = {{"x", to_bytes(x)}, {"y", poisoned(n * sizeof(std::uint32_t))}};
    tc.args = {kernel_arg::buffer(0), kernel_arg::buffer(1), kernel_arg::scalar(n)};
    return tc;
  };
  p.reference = [](const test_case& tc) {
    const auto x = from_bytes<std::uint32_t>(tc.buffers[0].init);
    expectation e{1, elem_type::u32, std::vector<double>(x.size()), {}};
    for (std::size_t i = 0; i < x.size(); ++i) e.values[i] = static_cast<std::uint32_t>(3u * x[i] + i);
    return std::vector<expectation>{e};
  };
  return p;
}

// Registration: one line per probe (the key orders the report; docs/architecture.md).
SM121PROBE_FAMILY(510, [] {
  std::vector<probe> out;
  for (const auto& img : images()) out.push_back(make_image_load(img));
  return out;
});

}  // namespace sm121probe::probe
