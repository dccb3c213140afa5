// A library that only the fixture callers' $ORIGIN search can find (it stands
// for libnvrtc-builtins next to a pip wheel's libnvrtc).
extern "C" int sm121probe_fixture_target() { return 42; }
