import type { ValueAxis } from './chart.js';

/** The smallest of 1, 2, 5 × 10ⁿ at or above x: a round top for an axis. */
function roundUp(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  const f = x / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

const tidy = (v: number) => String(Number(v.toPrecision(3)));

/** Pass rate from 0 to 100 %, the unit in the axis name. */
export const passRateAxis: ValueAxis = {
  max: 1,
  ticks: [0, 0.25, 0.5, 0.75, 1],
  format: (v) => tidy(v * 100),
  label: 'pass rate (%)',
};

/** Durations in one unit chosen from the longest (ms, s or min), with round ticks: `duration (s)`. */
export function durationAxis(longestMs: number): ValueAxis {
  const unit =
    longestMs >= 120_000
      ? { name: 'min', ms: 60_000 }
      : longestMs >= 2000
        ? { name: 's', ms: 1000 }
        : { name: 'ms', ms: 1 };
  const top = roundUp(longestMs / unit.ms) * unit.ms;
  return { max: top, ticks: [0, top / 2, top], format: (v) => tidy(v / unit.ms), label: `duration (${unit.name})` };
}
