// @ts-check
/** The makespan benches' synthetic suite: seeded heavy-tailed scenario durations. */

/** mulberry32: a small seeded PRNG, uniform in [0, 1). @param {number} seed */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Lognormal durations in ms (Box–Muller), at least 5 ms and at most `maxMs`.
 * @param {{ seed: number, scenarios: number, medianMs: number, sigma: number, maxMs: number }} o
 */
export function drawDurations(o) {
  const random = prng(o.seed);
  return Array.from({ length: o.scenarios }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.min(o.maxMs, Math.max(5, Math.round(o.medianMs * Math.exp(o.sigma * z))));
  });
}
