/* Counter-based random streams keyed by global indices.

   Every random quantity of a run (pattern bits, cue flips, wiring) is a pure function of
   (seed, stream, a, b), where a and b are global indices.  The same network, cue and
   trajectory therefore come out on any number of ranks, without any rank drawing numbers
   that belong to another. */
#ifndef TPRANDOM_H
#define TPRANDOM_H
#include <stdint.h>

enum {
  TP_STREAM_PATTERN          = 1,
  TP_STREAM_CUE              = 2,
  TP_STREAM_WIRING           = 3, /* the random network's upper triangle, keyed by (row, draw): geometric skips */
  TP_STREAM_ABLATE_PROCESSES = 4, /* M1's lesions, keyed by a synapse's (post, pre) neurons */
  TP_STREAM_ABLATE_SYNAPSES  = 5,
  TP_STREAM_M5_PATTERNS      = 6,  /* M5's binary patterns, keyed by (attempt, neuron) and pattern */
  TP_STREAM_M5_FACTORS       = 7,  /* M5's initial factors, keyed by (post, pre x z + factor) */
  TP_STREAM_M5_NOISE         = 8,  /* M5's recall tests: flipped cue bits and synaptic noise, keyed by the test */
  TP_STREAM_M5_WAKE          = 9,  /* M5's order of the patterns in each pass awake */
  TP_STREAM_M4_WIRING        = 10, /* M4's synapses, keyed by (projection, target) and draw */
  TP_STREAM_M4_POISSON       = 11, /* M4's Poisson input, keyed by (neuron, step) */
  TP_STREAM_M4_INIT          = 12, /* M4's random initial state, keyed by (neuron, 0) */
  TP_STREAM_M4_THIRD         = 13, /* M4's tripartite pairs, keyed by (projection, target) and synapse */
  TP_STREAM_M4_POOL          = 14, /* M4's astrocyte pools, keyed by (projection, target) and draw */
  TP_STREAM_M4_POSITION      = 15  /* M4's random positions, keyed by (neuron, axis) */
};

/* SplitMix64 finaliser: a bijective 64-bit mixer with full avalanche. */
static inline uint64_t TpMix64(uint64_t z)
{
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* 64 random bits for the key (seed, stream, a, b). */
static inline uint64_t TpHash(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b)
{
  return TpMix64(TpMix64(TpMix64(TpMix64(seed) ^ stream) ^ a) ^ b);
}

/* The key (seed, stream, a) mixed once, for many b: TpUniformAt(TpHashPrefix(seed, stream, a), b)
   is TpUniform(seed, stream, a, b), bit for bit, at a quarter of the work. */
static inline uint64_t TpHashPrefix(uint64_t seed, uint64_t stream, uint64_t a)
{
  return TpMix64(TpMix64(TpMix64(seed) ^ stream) ^ a);
}

static inline double TpUniformAt(uint64_t prefix, uint64_t b)
{
  return (double)(TpMix64(prefix ^ b) >> 11) * 0x1.0p-53;
}

/* A uniform double in [0, 1) for the key (seed, stream, a, b). */
static inline double TpUniform(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b)
{
  return (double)(TpHash(seed, stream, a, b) >> 11) * 0x1.0p-53;
}
#endif
