# cmake -DSOURCE_DIR=<repo> -DBINARY_DIR=<build> -DTOOLKITS=<.toolkits> -DCXX=<compiler> -P cuda129_headers_check.cmake
# The README promises CUDA 12.9 or newer: compiles every source that includes
# nvrtc.h / nvJitLink.h against the headers of the CUDA 12.9 pip wheels
# (scripts/install-toolkits.sh; nvidia-cuda-nvrtc-cu12 and nvidia-nvjitlink-cu12
# ship include/), in a fresh temporary directory, with the project's warnings
# as errors, and checks from the dependency lists that the 12.9 headers were
# the ones used. Without the wheels it fails, unless
# SM121PROBE_SKIP_TOOLKIT_MATRIX=1 (then it prints "SKIPPED").
set(set_dir "${TOOLKITS}/cuda-12.9")
set(nvrtc_inc "${set_dir}/nvidia/cuda_nvrtc/include")
set(jit_inc "${set_dir}/nvidia/nvjitlink/include")
if(NOT EXISTS "${nvrtc_inc}/nvrtc.h" OR NOT EXISTS "${jit_inc}/nvJitLink.h")
  if("$ENV{SM121PROBE_SKIP_TOOLKIT_MATRIX}" STREQUAL "1")
    message(STATUS "SKIPPED: no CUDA 12.9 wheels in ${set_dir} (SM121PROBE_SKIP_TOOLKIT_MATRIX=1)")
    return()
  endif()
  message(FATAL_ERROR "the CUDA 12.9 wheels are not in ${set_dir}: run scripts/install-toolkits.sh "
                      "(make test does), or set SM121PROBE_SKIP_TOOLKIT_MATRIX=1 to skip this test")
endif()
execute_process(COMMAND mktemp -d /tmp/sm121probe-test-XXXXXX OUTPUT_VARIABLE WORK OUTPUT_STRIP_TRAILING_WHITESPACE
                RESULT_VARIABLE mk)
if(NOT mk EQUAL 0 OR WORK STREQUAL "")
  message(FATAL_ERROR "cannot make a temporary directory")
endif()
set(sources src/nvrtc/toolchain.cpp src/nvrtc/nvjitlink_api.cpp src/doctor/jit_probe.cpp)
set(failed "")
foreach(src IN LISTS sources)
  get_filename_component(name "${src}" NAME_WE)
  execute_process(
    COMMAND ${CXX} -std=c++20 -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual -Wcast-align
            -Wformat=2 -Wimplicit-fallthrough -Wmissing-declarations -Werror
            -I${nvrtc_inc} -I${jit_inc} -I${SOURCE_DIR}/include -I${BINARY_DIR}/gen
            -MD -MF ${WORK}/${name}.d -c ${SOURCE_DIR}/${src} -o ${WORK}/${name}.o
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(APPEND failed "\n--- ${src} does not compile against the CUDA 12.9 headers:\n${out}${err}")
    continue()
  endif()
  file(READ ${WORK}/${name}.d deps)
  string(FIND "${deps}" "${jit_inc}/nvJitLink.h" at)
  if(at EQUAL -1)
    string(APPEND failed "\n--- ${src}: compiled, but not with ${jit_inc}/nvJitLink.h:\n${deps}")
  endif()
endforeach()
file(REMOVE_RECURSE "${WORK}")
if(failed)
  message(FATAL_ERROR "${failed}")
endif()
message(STATUS "compiles against the CUDA 12.9 headers: ${sources}")
