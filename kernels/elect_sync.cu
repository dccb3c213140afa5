// Probe elect.sync: leader election inside a warp (sm_90+). The PTX ISA leaves
// open which lane is elected (only that the choice is deterministic for a
// given mask), so every participating lane checks the documented properties
// itself and writes 1 when all hold: the elected lane is in the mask, all
// participants name the same lane, exactly one lane gets the predicate and it
// is the named lane, and a second election with the same mask picks the same
// lane. Lanes outside the mask write 2. Three masks: the full warp, the odd
// lanes (in a divergent branch), lanes 4-11. On failure the value is 0x100
// plus one bit per broken property.
//
// Expected on sm_121: native (compiles for plain sm_121). No fallback variant.
__device__ __forceinline__ unsigned elect_check(unsigned mask, unsigned lane) {
  unsigned leader, is_leader, again;
  asm volatile("{\n .reg .pred p;\n elect.sync %0|p, %2;\n selp.u32 %1, 1, 0, p;\n}"
               : "=r"(leader), "=r"(is_leader)
               : "r"(mask));
  asm volatile("{\n .reg .pred q;\n elect.sync %0|q, %1;\n}" : "=r"(again) : "r"(mask));
  unsigned broken = 0;
  if (((mask >> leader) & 1u) == 0) broken |= 1u;
  int same = 0;
  __match_all_sync(mask, leader, &same);
  if (!same) broken |= 2u;
  const unsigned winners = __ballot_sync(mask, is_leader != 0);
  if (__popc(winners) != 1 || (is_leader != 0) != (lane == leader)) broken |= 4u;
  if (again != leader) broken |= 8u;
  return broken ? 0x100u | broken : 1u;
}

extern "C" __global__ void probe_kernel(unsigned* out) {
  const unsigned lane = threadIdx.x & 31;
  const unsigned masks[3] = {0xffffffffu, 0xaaaaaaaau, 0x00000ff0u};
  for (unsigned m = 0; m < 3; ++m) {
    unsigned v = 2;
    if ((masks[m] >> lane) & 1u) v = elect_check(masks[m], lane);
    out[m * 32 + lane] = v;
    __syncwarp();
  }
}
