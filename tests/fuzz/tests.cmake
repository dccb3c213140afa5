# Fuzzing of the scanner's parsers (included by tests/CMakeLists.txt), only with
# -DSM121PROBE_ENABLE_FUZZ=ON (`make test` turns it on when clang++-14 is installed):
#   fuzz.seeds    writes the generated seed corpus (seeds.hpp) into the build tree
#   fuzz.binscan  runs the libFuzzer target for a bounded time on those seeds plus
#                 the committed ones in fuzz/corpus/
#   fuzz.reports  runs the report readers and renderers target on fuzz/corpus_reports/
# The main build uses g++, so the fuzz target is compiled by its own command with
# clang (libFuzzer + ASan + UBSan). The option without clang is a configure error.
# (tests/binscan/fuzz_replay_test.cpp replays the committed corpus in every build.)
if(NOT SM121PROBE_ENABLE_FUZZ)
  return()
endif()

set(SM121PROBE_FUZZ_DIR ${CMAKE_BINARY_DIR}/fuzz)
set(SM121PROBE_FUZZ_SECONDS 25 CACHE STRING "How long the fuzz.binscan test fuzzes")

add_executable(sm121probe_fuzz_seeds ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/target/make_seeds.cpp)
target_include_directories(sm121probe_fuzz_seeds PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(sm121probe_fuzz_seeds PRIVATE PkgConfig::ZSTD PkgConfig::LZ4)
sm121probe_warnings(sm121probe_fuzz_seeds)
# GCC 12 at -O3 reports false -Warray-bounds / -Wstringop-overflow in std::vector::resize as inlined
# from tests/binscan/builder.hpp's put_bytes (the vector is grown before the copy).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  target_compile_options(sm121probe_fuzz_seeds PRIVATE -Wno-array-bounds -Wno-stringop-overflow)
endif()
add_test(NAME fuzz.seeds COMMAND sm121probe_fuzz_seeds ${SM121PROBE_FUZZ_DIR}/seeds)
set_tests_properties(fuzz.seeds PROPERTIES FIXTURES_SETUP fuzz_seeds LABELS fuzz)

find_program(SM121PROBE_FUZZ_CXX NAMES clang++-14 clang++ DOC "clang used to build the libFuzzer target")
if(NOT SM121PROBE_FUZZ_CXX)
  message(FATAL_ERROR "SM121PROBE_ENABLE_FUZZ is ON but no clang++ was found (install clang-14 and libclang-rt-14-dev)")
endif()
set(_fuzz_sources
    ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/target/fuzz_binscan.cpp
    ${PROJECT_SOURCE_DIR}/src/binscan/archive.cpp
    ${PROJECT_SOURCE_DIR}/src/binscan/elf.cpp
    ${PROJECT_SOURCE_DIR}/src/binscan/fatbin.cpp
    ${PROJECT_SOURCE_DIR}/src/binscan/byte_source.cpp
    ${PROJECT_SOURCE_DIR}/src/binscan/needed.cpp
    ${PROJECT_SOURCE_DIR}/src/binscan/ptx.cpp
    ${PROJECT_SOURCE_DIR}/src/binscan/scan.cpp
    ${PROJECT_SOURCE_DIR}/src/binscan/trap.cpp
    ${PROJECT_SOURCE_DIR}/src/core/arch.cpp
    ${PROJECT_SOURCE_DIR}/src/core/io.cpp)
file(GLOB _fuzz_headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/sm121probe/binscan/*.hpp
     ${PROJECT_SOURCE_DIR}/include/sm121probe/arch.hpp ${PROJECT_SOURCE_DIR}/include/sm121probe/util/io.hpp)
set(_fuzz_exe ${SM121PROBE_FUZZ_DIR}/fuzz_binscan)
add_custom_command(
  OUTPUT ${_fuzz_exe}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SM121PROBE_FUZZ_DIR}
  COMMAND ${SM121PROBE_FUZZ_CXX} -std=c++20 -O1 -g -fno-omit-frame-pointer
          -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
          -I${PROJECT_SOURCE_DIR}/include ${ZSTD_CFLAGS} ${LZ4_CFLAGS}
          ${_fuzz_sources} -o ${_fuzz_exe}
          -lfmt ${ZSTD_LDFLAGS} ${LZ4_LDFLAGS}
  DEPENDS ${_fuzz_sources} ${_fuzz_headers}
  COMMENT "Building the libFuzzer target with ${SM121PROBE_FUZZ_CXX}"
  VERBATIM)
add_custom_target(sm121probe_fuzz ALL DEPENDS ${_fuzz_exe})
add_test(NAME fuzz.binscan
         COMMAND ${CMAKE_COMMAND} -DFUZZER=${_fuzz_exe} -DWORK=${SM121PROBE_FUZZ_DIR}
                 -DSEEDS=${SM121PROBE_FUZZ_DIR}/seeds -DCORPUS=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus
                 -DSECONDS=${SM121PROBE_FUZZ_SECONDS} -P ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run_fuzzer.cmake)
set_tests_properties(fuzz.binscan PROPERTIES FIXTURES_REQUIRED fuzz_seeds LABELS fuzz TIMEOUT 300)

# The report readers (compare/merge/--expect/scan JSON) and every renderer:
# all of the host-only core library, built with clang like the scanner target.
file(GLOB _fuzz_report_sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/core/*.cpp
     ${PROJECT_SOURCE_DIR}/src/report/*.cpp ${PROJECT_SOURCE_DIR}/src/binscan/*.cpp)
file(GLOB _fuzz_report_headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/sm121probe/*.hpp
     ${PROJECT_SOURCE_DIR}/include/sm121probe/*/*.hpp ${PROJECT_SOURCE_DIR}/src/report/*.hpp)
set(_fuzz_reports_exe ${SM121PROBE_FUZZ_DIR}/fuzz_reports)
add_custom_command(
  OUTPUT ${_fuzz_reports_exe}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SM121PROBE_FUZZ_DIR}
  COMMAND ${SM121PROBE_FUZZ_CXX} -std=c++20 -O1 -g -fno-omit-frame-pointer
          -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
          -I${PROJECT_SOURCE_DIR}/include -I${CMAKE_BINARY_DIR}/gen ${ZSTD_CFLAGS} ${LZ4_CFLAGS}
          ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/target/fuzz_reports.cpp ${_fuzz_report_sources} ${SM121PROBE_GIT_SHA_SOURCE}
          -o ${_fuzz_reports_exe}
          -lfmt ${ZSTD_LDFLAGS} ${LZ4_LDFLAGS}
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/target/fuzz_reports.cpp ${_fuzz_report_sources} ${_fuzz_report_headers}
          sm121probe_git_sha
  COMMENT "Building the report libFuzzer target with ${SM121PROBE_FUZZ_CXX}"
  VERBATIM)
add_custom_target(sm121probe_fuzz_reports ALL DEPENDS ${_fuzz_reports_exe})
add_test(NAME fuzz.reports
         COMMAND ${CMAKE_COMMAND} -DFUZZER=${_fuzz_reports_exe} -DWORK=${SM121PROBE_FUZZ_DIR}/reports
                 -DSEEDS=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus_reports
                 -DCORPUS=${CMAKE_CURRENT_SOURCE_DIR}/fuzz/corpus_reports
                 -DSECONDS=${SM121PROBE_FUZZ_SECONDS} -P ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/run_fuzzer.cmake)
set_tests_properties(fuzz.reports PROPERTIES LABELS fuzz TIMEOUT 300)
