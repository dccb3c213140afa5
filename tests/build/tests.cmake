# Checks of the build itself (included by tests/CMakeLists.txt):
#   build.cuda_home  configuring with CUDA_HOME set uses that toolkit; a CUDA_HOME
#                    without a toolkit is a configure error, not a silent fallback
#   build.cuda129_headers  the NVRTC / nvJitLink sources compile against the
#                    CUDA 12.9 headers (the -cu12 wheels of scripts/install-toolkits.sh)
add_test(NAME build.cuda_home
         COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
                 -DTOOLKIT=${CUDAToolkit_BIN_DIR}/.. -P ${CMAKE_CURRENT_SOURCE_DIR}/build/cuda_home_check.cmake)
set_tests_properties(build.cuda_home PROPERTIES LABELS build TIMEOUT 300)

add_test(NAME build.cuda129_headers
         COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DBINARY_DIR=${PROJECT_BINARY_DIR}
                 -DTOOLKITS=${SM121PROBE_TOOLKITS_DIR} -DCXX=${CMAKE_CXX_COMPILER}
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/build/cuda129_headers_check.cmake)
set_tests_properties(build.cuda129_headers PROPERTIES LABELS "build;toolkits" TIMEOUT 600
                     SKIP_REGULAR_EXPRESSION "SKIPPED:")

# build.gpu_check_without_gpu  `make gpu-check` without a GPU: one line, exit 77
add_test(NAME build.gpu_check_without_gpu
         COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DBINARY_DIR=${PROJECT_BINARY_DIR}
                 -P ${CMAKE_CURRENT_SOURCE_DIR}/build/gpu_check_without_gpu.cmake)
set_tests_properties(build.gpu_check_without_gpu PROPERTIES LABELS build TIMEOUT 60)
