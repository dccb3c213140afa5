// Probe redux.sync: warp-wide integer reductions in one instruction (sm_80+).
// Each lane contributes x[lane]; with the full mask the warp computes add.s32,
// min.s32, max.s32, min.u32, max.u32, and.b32, or.b32 and xor.b32; then the
// lanes of 0x5a5a5a5a alone (in a divergent branch) compute add.s32. Each lane
// writes its nine results (lanes outside the partial mask write 0 there).
//
// Expected on sm_121: native. The sm80-ptx variant is the path of libraries
// that ship only compute_80 PTX. (Floating-point redux.sync, .f32, exists on
// sm_100a/f and sm_103a only; it is not probed here.)
extern "C" __global__ void probe_kernel(const int* x, int* out) {
  const unsigned lane = threadIdx.x & 31;
  const int v = x[lane];
  int r[9];
  asm volatile("redux.sync.add.s32 %0, %1, 0xffffffff;" : "=r"(r[0]) : "r"(v));
  asm volatile("redux.sync.min.s32 %0, %1, 0xffffffff;" : "=r"(r[1]) : "r"(v));
  asm volatile("redux.sync.max.s32 %0, %1, 0xffffffff;" : "=r"(r[2]) : "r"(v));
  asm volatile("redux.sync.min.u32 %0, %1, 0xffffffff;" : "=r"(r[3]) : "r"(v));
  asm volatile("redux.sync.max.u32 %0, %1, 0xffffffff;" : "=r"(r[4]) : "r"(v));
  asm volatile("redux.sync.and.b32 %0, %1, 0xffffffff;" : "=r"(r[5]) : "r"(v));
  asm volatile("redux.sync.or.b32 %0, %1, 0xffffffff;" : "=r"(r[6]) : "r"(v));
  asm volatile("redux.sync.xor.b32 %0, %1, 0xffffffff;" : "=r"(r[7]) : "r"(v));
  r[8] = 0;
  const unsigned partial = 0x5a5a5a5au;
  if ((partial >> lane) & 1u) asm volatile("redux.sync.add.s32 %0, %1, %2;" : "=r"(r[8]) : "r"(v), "r"(partial));
  for (unsigned i = 0; i < 9; ++i) out[i * 32 + lane] = r[i];
}
