# Checks of the sanitizer build's own configuration (included by
# tests/CMakeLists.txt), only with -DSM121PROBE_SANITIZE=ON (`make asan-test`):
# sanitizers/dtls shows the LeakSanitizer fault that SM121PROBE_TEST_ENVIRONMENT
# avoids, and that leaks are still reported with it.
if(NOT SM121PROBE_SANITIZE)
  return()
endif()

add_library(sm121probe_dtls_fixture_lib SHARED ${CMAKE_CURRENT_SOURCE_DIR}/sanitizers/dtls/tls_lib.cpp)
add_executable(sm121probe_dtls_fixture ${CMAKE_CURRENT_SOURCE_DIR}/sanitizers/dtls/place_dtls_block.cpp)
target_compile_definitions(sm121probe_dtls_fixture PRIVATE
                           SM121PROBE_DTLS_LIBRARY="$<TARGET_FILE:sm121probe_dtls_fixture_lib>")
target_link_libraries(sm121probe_dtls_fixture PRIVATE ${CMAKE_DL_LIBS})
add_dependencies(sm121probe_dtls_fixture sm121probe_dtls_fixture_lib)
sm121probe_warnings(sm121probe_dtls_fixture)

add_executable(sm121probe_sanitizers_tests ${CMAKE_CURRENT_SOURCE_DIR}/sanitizers/dtls/sanitizer_runtime_test.cpp)
target_link_libraries(sm121probe_sanitizers_tests PRIVATE GTest::gtest GTest::gtest_main)
target_include_directories(sm121probe_sanitizers_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
target_compile_definitions(sm121probe_sanitizers_tests PRIVATE ${SM121PROBE_TEST_DEFS}
                           SM121PROBE_DTLS_FIXTURE="$<TARGET_FILE:sm121probe_dtls_fixture>")
sm121probe_warnings(sm121probe_sanitizers_tests)
add_dependencies(sm121probe_sanitizers_tests sm121probe_dtls_fixture)
gtest_discover_tests(sm121probe_sanitizers_tests TEST_PREFIX "sanitizers." DISCOVERY_TIMEOUT 60
                     PROPERTIES LABELS sanitizers ${SM121PROBE_TEST_ENV_PROPERTY})
