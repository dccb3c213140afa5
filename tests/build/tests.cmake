# Checks of the build itself (included by tests/CMakeLists.txt):
#   build.cuda_home  configuring with CUDA_HOME set uses that toolkit; a CUDA_HOME
#                    without a toolkit is a configure error, not a silent fallback
add_test(NAME build.cuda_home
         COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DWORK=${CMAKE_CURRENT_BINARY_DIR}/cuda_home_check
                 -DTOOLKIT=${CUDAToolkit_BIN_DIR}/.. -P ${CMAKE_CURRENT_SOURCE_DIR}/build/cuda_home_check.cmake)
set_tests_properties(build.cuda_home PROPERTIES LABELS build TIMEOUT 300)
