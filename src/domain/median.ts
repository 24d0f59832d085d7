/** The median of some numbers; undefined for none. */
export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * How much durations vary from run to run, relative to them, from each scenario's past durations:
 * the median over scenarios measured at least twice of (median absolute deviation / median), scaled
 * to a standard deviation (× 1.4826, exact for normal data). Undefined when no scenario was measured
 * twice.
 *
 * @example durationNoise([[90, 110], [200]]) // ≈ 0.148
 */
export function durationNoise(samples: readonly (readonly number[])[]): number | undefined {
  const spreads: number[] = [];
  for (const xs of samples) {
    if (xs.length < 2) continue;
    const m = median(xs)!;
    if (m > 0) spreads.push(median(xs.map((x) => Math.abs(x - m)))! / m);
  }
  return spreads.length > 0 ? median(spreads)! * 1.4826 : undefined;
}
