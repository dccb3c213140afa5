# cmake -DSOURCE_DIR=<repo> -DWORK=<scratch dir> -DTOOLKIT=<a CUDA toolkit> -P cuda_home_check.cmake
file(REAL_PATH "${TOOLKIT}" toolkit)
file(REMOVE_RECURSE "${WORK}")
function(configure home out_rc out_text)
  execute_process(COMMAND ${CMAKE_COMMAND} -E env CUDA_HOME=${home} --unset=CUDAToolkit_ROOT
                          ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK}/build -DSM121PROBE_BUILD_TESTS=OFF
                          -DSM121PROBE_BUILD_BENCH=OFF
                  RESULT_VARIABLE rc OUTPUT_VARIABLE text ERROR_VARIABLE err)
  set(${out_rc} ${rc} PARENT_SCOPE)
  set(${out_text} "${text}${err}" PARENT_SCOPE)
  file(REMOVE_RECURSE "${WORK}")
endfunction()

configure("${toolkit}" rc text)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configure with CUDA_HOME=${toolkit} failed:\n${text}")
endif()
if(NOT text MATCHES "sm121-probe: CUDA toolkit [0-9.]+ in ${toolkit}/bin")
  message(FATAL_ERROR "CUDA_HOME=${toolkit} was not used:\n${text}")
endif()

configure("${WORK}/no-toolkit-here" rc text)
if(rc EQUAL 0)
  message(FATAL_ERROR "CUDA_HOME pointing at no toolkit configured anyway (silent fallback):\n${text}")
endif()
if(NOT text MATCHES "CUDA_HOME is")
  message(FATAL_ERROR "CUDA_HOME pointing at no toolkit failed without saying why:\n${text}")
endif()
message(STATUS "CUDA_HOME honoured: ${toolkit}; a CUDA_HOME without a toolkit is refused")
