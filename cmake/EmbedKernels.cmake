# sm121probe_embed_kernels(<target> <files...>)
#
# Embeds each kernel source (kernels/*.cu, kernels/*.cuh, or a test family's
# kernel) as a byte array in an OBJECT library. The generation runs at build
# time with a real dependency on the source file, so editing a kernel rebuilds
# it without re-running cmake. Each generated file registers itself under
# "kernels/<file>" (sm121probe/kernels.hpp) at static initialisation: whoever
# links the objects has the kernels, with no central table to edit. NVRTC gets
# that path as the program name so its diagnostics point at the file.
set(_SM121PROBE_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_file.cmake)

function(sm121probe_embed_kernels target)
  set(gen_dir ${CMAKE_CURRENT_BINARY_DIR}/gen/${target})
  set(outputs "")
  foreach(f IN LISTS ARGN)
    get_filename_component(name ${f} NAME)
    string(MAKE_C_IDENTIFIER "k_${name}" sym)
    set(out ${gen_dir}/${name}.cpp)
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -DIN=${f} -DOUT=${out} -DSYM=${sym} -DNAME=kernels/${name}
              -P ${_SM121PROBE_EMBED_SCRIPT}
      DEPENDS ${f} ${_SM121PROBE_EMBED_SCRIPT}
      COMMENT "Embedding kernels/${name}"
      VERBATIM)
    list(APPEND outputs ${out})
  endforeach()
  add_library(${target} OBJECT ${outputs})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include)
endfunction()
