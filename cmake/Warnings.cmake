# Project-wide warning set; SM121PROBE_WERROR turns them into errors (CI does).
function(sm121probe_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
    -Wcast-align -Wformat=2 -Wimplicit-fallthrough -Wmissing-declarations)
  if(SM121PROBE_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports -Wmaybe-uninitialized false positives inside libstdc++
    # (std::regex, std::optional) once -fsanitize instruments the code.
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  if(SM121PROBE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
