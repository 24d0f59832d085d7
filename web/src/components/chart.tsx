import { useId, useLayoutEffect, useRef, useState } from 'react';
import { count } from '../format.js';
import { Link } from '../router.js';
import { label as words } from './status.js';

export interface Point {
  id: number;
  value: number | null;
  title: string;
  /** Colour class of the mark (a run result). */
  tone?: string;
}

/** The value axis: its top, where its ticks go, how a tick reads, and its name with the unit. */
export interface ValueAxis {
  max: number;
  ticks: number[];
  format(v: number): string;
  label: string;
}

const H = 210;
const PAD = { left: 60, right: 10, top: 12, bottom: 44 };
/** Room one run-number label needs under the x axis. */
const TICK_ROOM = 34;

/** The chart's width in CSS pixels, so text keeps its size on a phone instead of shrinking with a viewBox. */
function useWidth(fallback: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(240, Math.floor(el.clientWidth))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return { ref, width };
}

function YAxis({ y, width, plotH }: { y: ValueAxis; width: number; plotH: number }) {
  return (
    <g className="axis">
      {y.ticks.map((t) => {
        const ty = PAD.top + plotH * (1 - t / y.max);
        return (
          <g key={t}>
            <line x1={PAD.left} x2={width - PAD.right} y1={ty} y2={ty} />
            <text x={PAD.left - 6} y={ty + 4} textAnchor="end">
              {y.format(t)}
            </text>
          </g>
        );
      })}
      <text className="axis-label" transform={`translate(13 ${PAD.top + plotH / 2}) rotate(-90)`} textAnchor="middle">
        {y.label}
      </text>
    </g>
  );
}

/** Run numbers under the marks (as many as fit, always the first and the last) and the axis name. */
function XAxis({ points, x, width, every }: { points: Point[]; x(i: number): number; width: number; every: number }) {
  const base = H - PAD.bottom;
  return (
    <g className="axis">
      {points.map(
        (p, i) =>
          (i % every === 0 || i === points.length - 1) && (
            <text key={p.id} x={x(i)} y={base + 15} textAnchor="middle">
              #{p.id}
            </text>
          ),
      )}
      <text className="axis-label" x={PAD.left + (width - PAD.left - PAD.right) / 2} y={H - 6} textAnchor="middle">
        run number, oldest left
      </text>
    </g>
  );
}

/** What the marks' colours and shapes mean, for the tones this chart shows. */
function Legend({ points, kind, series }: { points: Point[]; kind: 'line' | 'bar'; series: string }) {
  const tones = [...new Set(points.filter((p) => p.value !== null).map((p) => p.tone ?? 'passed'))];
  return (
    <ul className="legend" aria-label="Legend">
      {kind === 'line' && (
        <li>
          <span className="swatch line" aria-hidden="true" /> {series}
        </li>
      )}
      {tones.map((t) => (
        <li key={t}>
          <span className={`swatch ${kind === 'line' ? 'dot' : 'block'} s-${t}`} aria-hidden="true" /> run {words(t)}
        </li>
      ))}
      {points.some((p) => p.value === null) && (
        <li>
          <span className="swatch dot none" aria-hidden="true" /> no value yet
        </li>
      )}
    </ul>
  );
}

/**
 * A hand-drawn SVG chart of one value per run, oldest left: a line (`kind="line"`) or bars, with
 * named axes and a legend. Each mark is a link to its run, so the chart is keyboard reachable; the
 * SVG has a title and a description for screen readers.
 */
export function RunChart({
  points,
  kind,
  y,
  label,
  series,
}: {
  points: Point[];
  kind: 'line' | 'bar';
  y: ValueAxis;
  label: string;
  series: string;
}) {
  const id = useId();
  const { ref, width } = useWidth(640);
  const plotW = width - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const step = plotW / Math.max(1, points.length);
  const x = (i: number) => PAD.left + step * (i + 0.5);
  const yOf = (v: number) => PAD.top + plotH * (1 - Math.min(v, y.max) / y.max);
  const line = points.flatMap((p, i) => (p.value === null ? [] : [`${x(i)},${yOf(p.value)}`])).join(' ');
  const latest = points.at(-1);
  const desc = `${count(points.length, 'run')}, oldest left. Vertical axis: ${y.label}, ${y.format(0)} to ${y.format(y.max)}.${latest ? ` Latest: ${latest.title}.` : ''}`;
  return (
    <figure className="chart-figure" ref={ref}>
      <svg
        className="chart"
        width={width}
        height={H}
        viewBox={`0 0 ${width} ${H}`}
        role="group"
        aria-labelledby={`${id}-t`}
        aria-describedby={`${id}-d`}
      >
        <title id={`${id}-t`}>{label}</title>
        <desc id={`${id}-d`}>{desc}</desc>
        <YAxis y={y} width={width} plotH={plotH} />
        <XAxis points={points} x={x} width={width} every={Math.max(1, Math.ceil(TICK_ROOM / step))} />
        {kind === 'line' && <polyline className="chart-line" points={line} />}
        {points.map((p, i) => (
          <Link key={p.id} to={`/runs/${p.id}`} aria-label={p.title}>
            <title>{p.title}</title>
            {p.value === null ? (
              <circle className="mark none" cx={x(i)} cy={yOf(0)} r={3} />
            ) : kind === 'line' ? (
              <circle className={`mark s-${p.tone ?? 'passed'}`} cx={x(i)} cy={yOf(p.value)} r={4.5} />
            ) : (
              <rect
                className={`mark s-${p.tone ?? 'passed'}`}
                x={x(i) - step * 0.35}
                width={step * 0.7}
                y={yOf(p.value)}
                height={Math.max(1, plotH + PAD.top - yOf(p.value))}
              />
            )}
          </Link>
        ))}
      </svg>
      <Legend points={points} kind={kind} series={series} />
    </figure>
  );
}
