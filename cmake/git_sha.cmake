# cmake -DSOURCE_DIR=<repo> -DOUT=<gen/git_sha.cpp> -P git_sha.cmake
# Runs at every build: writes the current commit's short SHA into OUT, touching
# the file only when it changed (so an unchanged SHA rebuilds nothing).
execute_process(COMMAND git rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE sha OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR sha STREQUAL "")
  set(sha "unknown")
endif()
set(text "// Generated at build time by cmake/git_sha.cmake; do not edit.
#include \"sm121probe/version.hpp\"
namespace sm121probe::build_info {
const char* const git_sha = \"${sha}\";
}  // namespace sm121probe::build_info
")
if(EXISTS ${OUT})
  file(READ ${OUT} old)
  if(old STREQUAL text)
    return()
  endif()
endif()
file(WRITE ${OUT} "${text}")
