# build.gpu_check_without_gpu: `make gpu-check` (scripts/gpu-check.sh) on a
# machine without a GPU prints one line, builds and runs nothing, and exits 77
# (README "Ready for the first GPU"). nvidia-smi is replaced by a stand-in
# that lists no GPU (what it prints on a machine whose driver sees none), so the
# test means the same on a GPU machine.
set(work "${BINARY_DIR}/gpu_check_without_gpu")
file(REMOVE_RECURSE "${work}")
file(MAKE_DIRECTORY "${work}/bin")
file(WRITE "${work}/bin/nvidia-smi" "#!/bin/sh\necho 'No devices were found'\nexit 6\n")
file(CHMOD "${work}/bin/nvidia-smi" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE)
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env "PATH=${work}/bin:/usr/bin:/bin" "GPU_CHECK_DIR=${work}/out"
          "BUILD_DIR=${work}/must-not-exist" "${SOURCE_DIR}/scripts/gpu-check.sh"
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 77)
  message(FATAL_ERROR "exit ${rc}, expected 77; stdout: ${out} stderr: ${err}")
endif()
string(STRIP "${out}${err}" all)
string(FIND "${all}" "\n" newline)
if(NOT newline EQUAL -1 OR NOT all MATCHES "^gpu-check: no NVIDIA GPU here")
  message(FATAL_ERROR "expected one line saying there is no GPU, got: [${all}]")
endif()
if(EXISTS "${work}/out" OR EXISTS "${work}/must-not-exist")
  message(FATAL_ERROR "gpu-check built or wrote something without a GPU")
endif()
# Without nvidia-smi at all: the same line and code.
file(REMOVE "${work}/bin/nvidia-smi")
execute_process(COMMAND ${CMAKE_COMMAND} -E env "PATH=${work}/bin:/usr/bin:/bin" "${SOURCE_DIR}/scripts/gpu-check.sh"
                RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2 ERROR_VARIABLE err2)
if(NOT rc2 EQUAL 77)
  message(FATAL_ERROR "without nvidia-smi: exit ${rc2}, expected 77: ${out2}${err2}")
endif()
message(STATUS "gpu-check without a GPU: ${all}")
