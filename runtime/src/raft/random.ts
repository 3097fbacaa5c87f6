// Deterministic randomness for election jitter. The core never calls Math.random: it takes a
// `RandomInt` from its config, so a seeded simulator replays every election exactly.

/** An integer in [0, bound). */
export type RandomInt = (bound: number) => number;

/** A small, fast PRNG (splitmix32) seeded by an integer: the same seed, the same sequence. */
export function seededRandom(seed: number): RandomInt {
  let state = seed >>> 0;
  return (bound: number) => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    z = (z ^ (z >>> 16)) >>> 0;
    return Math.floor((z / 0x1_0000_0000) * bound);
  };
}
