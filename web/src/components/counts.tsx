import type { RunView } from '../api.js';
import { COUNT_ORDER, label } from './status.js';

type Counts = RunView['counts'];

/** A stacked bar of a run's counts; its box has a fixed size, only the segments move. */
export function CountsBar({ counts, compact = false }: { counts: Counts; compact?: boolean }) {
  const total = Math.max(1, counts.total);
  return (
    <span
      className={compact ? 'bar bar-compact' : 'bar'}
      role="img"
      aria-label={
        COUNT_ORDER.filter((s) => counts[s] > 0)
          .map((s) => `${counts[s]} ${label(s)}`)
          .join(', ') || 'no results yet'
      }
    >
      {COUNT_ORDER.filter((s) => counts[s] > 0).map((s) => (
        <span key={s} className={`seg s-${s}`} style={{ width: `${(counts[s] / total) * 100}%` }} />
      ))}
    </span>
  );
}

/** Every count with its number; numbers have fixed-width slots so live changes do not move anything. */
export function CountsList({ counts }: { counts: Counts }) {
  return (
    <dl className="counts">
      <div className="count">
        <dt>total</dt>
        <dd>{counts.total}</dd>
      </div>
      {COUNT_ORDER.map((s) => (
        <div key={s} className={`count c-${s}${counts[s] === 0 ? ' zero' : ''}`}>
          <dt>{label(s)}</dt>
          <dd>{counts[s]}</dd>
        </div>
      ))}
    </dl>
  );
}
