// Finding NVRTC / nvJitLink on disk and naming their release (nvrtc/locate.hpp),
// on toolkit trees built in a temporary directory: no library is loaded.
#include "support/process.hpp"
#include "sm121probe/nvrtc/locate.hpp"
#include "sm121probe/nvrtc/nvjitlink_api.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace sm121probe::nvrtc {
namespace {

namespace fs = std::filesystem;
using testing::temp_dir;

void touch(const fs::path& p, const std::string& text = "x") {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

TEST(Locate, ToolkitDirsCoverToolkitsAndBothWheelLayouts) {
  temp_dir d;
  const fs::path root(d.path);
  fs::create_directories(root / "lib64");
  fs::create_directories(root / "targets" / "x86_64-linux" / "lib");
  fs::create_directories(root / "nvidia" / "cu13" / "lib");
  fs::create_directories(root / "nvidia" / "cuda_nvrtc" / "lib");
  fs::create_directories(root / "nvidia" / "nvjitlink" / "lib");
  fs::create_directory_symlink(root / "lib64", root / "lib");  // lib -> lib64: listed once
  const auto dirs = toolkit_library_dirs(d.path);
  const std::vector<std::string> want = {(root / "lib64").string(), (root / "targets/x86_64-linux/lib").string(),
                                         (root / "nvidia/cu13/lib").string(), (root / "nvidia/cuda_nvrtc/lib").string(),
                                         (root / "nvidia/nvjitlink/lib").string(), root.string()};
  EXPECT_EQ(dirs, want);
  EXPECT_TRUE(toolkit_library_dirs(d / "absent").empty());
}

TEST(Locate, FilesInADirectoryPreferThePartnersMajor) {
  temp_dir d;
  for (const char* f : {"libnvJitLink.so.12", "libnvJitLink.so.13", "libnvJitLink.so", "libnvrtc.so.13",
                        "libnvrtc-builtins.so.13.0", "libnvrtc.alt.so.13"})
    touch(fs::path(d.path) / f);
  EXPECT_EQ(library_files_in(d.path, library_kind::nvjitlink, 12),
            (std::vector<std::string>{d / "libnvJitLink.so.12", d / "libnvJitLink.so.13", d / "libnvJitLink.so"}));
  EXPECT_EQ(library_files_in(d.path, library_kind::nvjitlink),
            (std::vector<std::string>{d / "libnvJitLink.so.13", d / "libnvJitLink.so.12", d / "libnvJitLink.so"}));
  EXPECT_EQ(library_files_in(d.path, library_kind::nvrtc), (std::vector<std::string>{d / "libnvrtc.so.13"}));
}

TEST(Locate, PartnerOfACuda12WheelIsInTheSiblingWheel) {
  temp_dir d;
  const fs::path nvidia = fs::path(d.path) / "site-packages" / "nvidia";
  touch(nvidia / "cuda_nvrtc" / "lib" / "libnvrtc.so.12");
  touch(nvidia / "nvjitlink" / "lib" / "libnvJitLink.so.12");
  const auto dirs = partner_dirs((nvidia / "cuda_nvrtc/lib/libnvrtc.so.12").string(), library_kind::nvjitlink);
  ASSERT_EQ(dirs.size(), 2u);
  EXPECT_EQ(dirs[0], (nvidia / "cuda_nvrtc/lib").string());
  EXPECT_EQ(dirs[1], (nvidia / "nvjitlink/lib").string());
  const auto back = partner_dirs((nvidia / "nvjitlink/lib/libnvJitLink.so.12").string(), library_kind::nvrtc);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1], (nvidia / "cuda_nvrtc/lib").string());
  EXPECT_TRUE(partner_dirs("libnvrtc.so.13", library_kind::nvjitlink).empty());  // a bare soname
}

TEST(Locate, FullVersionFromTheFileName) {
  const auto v = full_version("/usr/local/cuda-12.9/targets/x86_64-linux/lib/libnvrtc.so.12.9.86", library_kind::nvrtc,
                              "12.9");
  EXPECT_EQ(v.version, "12.9.86");
  EXPECT_EQ(v.source, "file name");
}

TEST(Locate, FullVersionFromTheWheelThatInstalledTheFile) {
  temp_dir d;
  const fs::path root(d.path);
  touch(root / "nvidia/cu13/lib/libnvrtc.so.13");
  touch(root / "nvidia/cu13/lib/libnvJitLink.so.13");
  // Another wheel's dist-info first: its RECORD does not list the file.
  touch(root / "nvidia_cuda_nvrtc-13.4.0.dist-info/METADATA", "Name: nvidia-cuda-nvrtc\nVersion: 13.4.0\n");
  touch(root / "nvidia_cuda_nvrtc-13.4.0.dist-info/RECORD", "nvidia/cu13/lib/libnvrtc-other.so,sha256=x,1\n");
  touch(root / "nvidia_cuda_nvrtc-13.5.37.dist-info/METADATA", "Metadata-Version: 2.1\nName: nvidia-cuda-nvrtc\nVersion: 13.5.37\n");
  touch(root / "nvidia_cuda_nvrtc-13.5.37.dist-info/RECORD", "nvidia/cu13/lib/libnvrtc.so.13,sha256=x,1\n");
  const auto v = full_version((root / "nvidia/cu13/lib/libnvrtc.so.13").string(), library_kind::nvrtc, "13.5");
  EXPECT_EQ(v.version, "13.5.37");
  EXPECT_EQ(v.source, "wheel metadata (nvidia_cuda_nvrtc-13.5.37.dist-info)");
  // nvJitLink has no wheel here: the API's release, and the report says so.
  const auto j = full_version((root / "nvidia/cu13/lib/libnvJitLink.so.13").string(), library_kind::nvjitlink, "13.5");
  EXPECT_EQ(j.version, "13.5");
  EXPECT_EQ(j.source, "API (nvJitLinkVersion)");
  // A wheel that disagrees with the library's own API is not believed.
  const auto w = full_version((root / "nvidia/cu13/lib/libnvrtc.so.13").string(), library_kind::nvrtc, "13.0");
  EXPECT_EQ(w.version, "13.0");
}

TEST(Locate, FullVersionFromAToolkitsDistInfoOrVersionJson) {
  temp_dir d;
  const fs::path root(d.path);
  touch(root / "cuda-13.0/lib/libnvrtc.so.13");
  touch(root / "cuda-13.0/dist-info/nvidia_cuda_nvrtc-13.0.88.dist-info/METADATA", "Version: 13.0.88\n");
  touch(root / "cuda-13.0/dist-info/nvidia_cuda_nvrtc-13.0.88.dist-info/RECORD",
        "nvidia/cu13/lib/libnvrtc.so.13,sha256=x,1\n");
  EXPECT_EQ(full_version((root / "cuda-13.0/lib/libnvrtc.so.13").string(), library_kind::nvrtc, "13.0").version,
            "13.0.88");
  touch(root / "cuda-12.9/targets/x86_64-linux/lib/libnvJitLink.so.12");
  touch(root / "cuda-12.9/version.json",
        R"({"cuda": {"version": "12.9.1"}, "libnvjitlink": {"name": "nvJitLink", "version": "12.9.86"}})");
  const auto v = full_version((root / "cuda-12.9/targets/x86_64-linux/lib/libnvJitLink.so.12").string(),
                              library_kind::nvjitlink, "12.9");
  EXPECT_EQ(v.version, "12.9.86");
  EXPECT_EQ(v.source, "version.json (" + (root / "cuda-12.9/version.json").string() + ")");
}

TEST(Locate, PairMismatchNamesBothLibrariesAndTheCause) {
  const library_info nv{"/w/cu13/libnvrtc.so.13", "13.5.37", "file name", "--nvrtc"};
  const library_info jl{"/usr/local/cuda-13.0/lib/libnvJitLink.so.13", "13.0.88", "file name", "loader default"};
  EXPECT_EQ(describe_pair_mismatch(nv, "13.5", nv, "13.5"), "");
  EXPECT_EQ(describe_pair_mismatch(nv, "13.5", jl, ""), "");  // unknown release: nothing to claim
  const std::string older = describe_pair_mismatch(nv, "13.5", jl, "13.0");
  EXPECT_NE(older.find("NVRTC 13.5.37 (/w/cu13/libnvrtc.so.13)"), std::string::npos) << older;
  EXPECT_NE(older.find("nvJitLink 13.0.88 (/usr/local/cuda-13.0/lib/libnvJitLink.so.13)"), std::string::npos);
  EXPECT_NE(older.find("cannot link PTX of an ISA newer"), std::string::npos) << older;
  EXPECT_NE(older.find("--cuda-home"), std::string::npos);
  const std::string newer = describe_pair_mismatch(jl, "13.0", nv, "13.5");
  EXPECT_NE(newer.find("newer ptxas"), std::string::npos) << newer;
}

TEST(NvJitLinkApi, VersionedNamesOfTheLibrarysReleaseFirstThenOlderThenUnversioned) {
  EXPECT_EQ(nvjitlink_abi_suffixes(13, 2), (std::vector<std::string>{"13_2", "13_1", "13_0", ""}));
  EXPECT_EQ(nvjitlink_abi_suffixes(12, 0), (std::vector<std::string>{"12_0", ""}));
  EXPECT_EQ(nvjitlink_abi_suffixes(0, 9), (std::vector<std::string>{""}));
  EXPECT_EQ(nvjitlink_status_name(static_cast<nvJitLinkResult>(4)), "NVJITLINK_ERROR_PTX_COMPILE");
  EXPECT_EQ(nvjitlink_status_name(static_cast<nvJitLinkResult>(99)), "nvJitLinkResult 99");
}

}  // namespace
}  // namespace sm121probe::nvrtc
