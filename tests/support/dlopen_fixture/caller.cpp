// A library that stands for NVRTC in tests/unit/dlopen_caller_test.cpp: it is
// built with $ORIGIN in its RPATH or RUNPATH and never calls dlopen itself; the
// tests pass the address of this function as the caller of a dlopen.
extern "C" int sm121probe_fixture_caller() { return 1; }
