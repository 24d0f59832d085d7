import { Link } from '../router.js';

export interface Point {
  id: number;
  value: number | null;
  title: string;
  /** Colour class of the mark (a run result). */
  tone?: string;
}

const W = 640;
const H = 180;
const PAD = { left: 48, right: 8, top: 10, bottom: 22 };

function Axis({ max, format }: { max: number; format(v: number): string }) {
  const ticks = [0, 0.5, 1].map((f) => f * max);
  return (
    <g className="axis">
      {ticks.map((t) => {
        const y = PAD.top + (H - PAD.top - PAD.bottom) * (1 - t / max);
        return (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end">{format(t)}</text>
          </g>
        );
      })}
    </g>
  );
}

/**
 * A hand-drawn SVG chart of one value per run, oldest left: a line (`kind="line"`) or bars. Each mark
 * is a link to its run, so the chart is keyboard reachable; the viewBox scales to any width.
 */
export function RunChart({ points, kind, max, format, label }: { points: Point[]; kind: 'line' | 'bar'; max: number; format(v: number): string; label: string }) {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, points.length);
  const x = (i: number) => PAD.left + step * (i + 0.5);
  const y = (v: number) => PAD.top + plotH * (1 - Math.min(v, max) / max);
  const line = points.flatMap((p, i) => (p.value === null ? [] : [`${x(i)},${y(p.value)}`])).join(' ');
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="group" aria-label={label}>
      <Axis max={max} format={format} />
      {kind === 'line' && <polyline className="chart-line" points={line} />}
      {points.map((p, i) => (
        <Link key={p.id} to={`/runs/${p.id}`} aria-label={p.title}>
          <title>{p.title}</title>
          {p.value === null ? (
            <circle className="mark none" cx={x(i)} cy={y(0)} r={3} />
          ) : kind === 'line' ? (
            <circle className={`mark s-${p.tone ?? 'passed'}`} cx={x(i)} cy={y(p.value)} r={4.5} />
          ) : (
            <rect className={`mark s-${p.tone ?? 'passed'}`} x={x(i) - step * 0.35} width={step * 0.7} y={y(p.value)} height={Math.max(1, plotH + PAD.top - y(p.value))} />
          )}
        </Link>
      ))}
    </svg>
  );
}
