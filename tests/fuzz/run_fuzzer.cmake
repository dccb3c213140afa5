# Runs the libFuzzer target for a bounded time (cmake -P; see tests.cmake).
# New inputs go to WORK/corpus (fresh each run); crash reproducers to WORK/artifacts.
file(REMOVE_RECURSE ${WORK}/corpus)
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
execute_process(
  COMMAND ${FUZZER} -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -max_len=65536
          -print_final_stats=1 -artifact_prefix=${WORK}/artifacts/
          ${WORK}/corpus ${SEEDS} ${CORPUS}
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the fuzzer stopped with status ${rc}; the reproducer is in ${WORK}/artifacts")
endif()
