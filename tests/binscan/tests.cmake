# Acceptance tests of `scan` against real nvcc output (included by tests/CMakeLists.txt).
# binscan.nvcc_fixtures compiles the fixtures of binscan/nvcc/fixtures.hpp on every
# test run (ctest FIXTURES_SETUP); the checks in binscan/nvcc/acceptance_test.cpp
# require it. Without nvcc the setup reports "skipped" (exit 77) and the checks skip.

set(SM121PROBE_SCAN_FIXTURE_DIR ${CMAKE_BINARY_DIR}/scan-fixtures)

add_executable(sm121probe_scan_fixture_builder ${CMAKE_CURRENT_SOURCE_DIR}/binscan/nvcc/build_fixtures.cpp)
target_include_directories(sm121probe_scan_fixture_builder PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
sm121probe_warnings(sm121probe_scan_fixture_builder)

add_executable(sm121probe_scan_nvcc_tests ${CMAKE_CURRENT_SOURCE_DIR}/binscan/nvcc/acceptance_test.cpp)
target_link_libraries(sm121probe_scan_nvcc_tests PRIVATE sm121probe_core sm121probe_test_support GTest::gtest
                      GTest::gtest_main)
target_include_directories(sm121probe_scan_nvcc_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(sm121probe_scan_nvcc_tests PRIVATE ${SM121PROBE_TEST_DEFS}
  SM121PROBE_SCAN_FIXTURE_DIR="${SM121PROBE_SCAN_FIXTURE_DIR}"
  SM121PROBE_TOOLKIT_VERSION="${CUDAToolkit_VERSION}")
sm121probe_warnings(sm121probe_scan_nvcc_tests)
add_dependencies(sm121probe_scan_nvcc_tests sm121-probe sm121probe_scan_fixture_builder)

add_test(NAME binscan.nvcc_fixtures
         COMMAND sm121probe_scan_fixture_builder ${SM121PROBE_SCAN_FIXTURE_DIR} ${CUDAToolkit_BIN_DIR}/nvcc)
set_tests_properties(binscan.nvcc_fixtures PROPERTIES
  FIXTURES_SETUP scan_nvcc_fixtures SKIP_RETURN_CODE 77 TIMEOUT 600 LABELS binscan)

gtest_discover_tests(sm121probe_scan_nvcc_tests TEST_PREFIX "binscan.nvcc." DISCOVERY_TIMEOUT 60
                     PROPERTIES FIXTURES_REQUIRED scan_nvcc_fixtures LABELS binscan ${SM121PROBE_TEST_ENV_PROPERTY})
