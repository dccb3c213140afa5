// A library with a small general-dynamic TLS variable: glibc allocates its
// block with malloc(24) on the first access from a thread (dynamic TLS), as it
// does for NVRTC's. Used by place_dtls_block.cpp.
__thread char sm121probe_fixture_tls[24];

extern "C" void* sm121probe_fixture_tls_address() {
  sm121probe_fixture_tls[0] = 1;
  return sm121probe_fixture_tls;
}
