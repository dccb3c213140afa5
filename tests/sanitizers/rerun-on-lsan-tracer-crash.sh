#!/bin/sh
# Test launcher of the sanitizer build (`make asan-test`; CMake sets it as the
# test executables' CROSSCOMPILING_EMULATOR, which gtest_discover_tests uses).
# Runs the test; when it failed and its stderr shows LeakSanitizer's own
# stop-the-world tracer crashing at exit ("Tracer caught signal",
# google/sanitizers#1353: a fault of the sanitizer runtime that strikes at
# random, seen once in CI), runs it again, at most twice, and says so. A leak
# report, a sanitizer error or a failed test without that crash is final.
# stderr is printed after the run, not interleaved with stdout.
err=$(mktemp "${TMPDIR:-/tmp}/sm121probe-stderr.XXXXXX") || exec "$@"
trap 'rm -f "$err"' EXIT
tries=0
while :; do
  "$@" 2>"$err"
  rc=$?
  cat "$err" >&2
  if [ "$rc" -ne 0 ] && [ "$tries" -lt 2 ] && grep -q "LeakSanitizer has encountered a fatal error" "$err" &&
     grep -q "Tracer caught signal" "$err"; then
    tries=$((tries + 1))
    echo "rerun-on-lsan-tracer-crash: LeakSanitizer's tracer crashed (not a leak report); run $((tries + 1)) of at most 3" >&2
    continue
  fi
  exit "$rc"
done
