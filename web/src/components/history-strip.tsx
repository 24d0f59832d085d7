import type { FlakyScenario } from '../api.js';
import { Link } from '../router.js';
import { label } from './status.js';

/** A scenario's recent results as a row of small squares, oldest first, each linking to its run. */
export function HistoryStrip({ strip }: { strip: FlakyScenario['strip'] }) {
  return (
    <span className="strip" role="list" aria-label="Recent results, oldest first">
      {strip.map((c) => (
        <Link
          key={c.run_id}
          role="listitem"
          className={`strip-cell s-${c.status}`}
          to={`/runs/${c.run_id}`}
          title={`run #${c.run_id}: ${label(c.status)}`}
          aria-label={`run ${c.run_id}: ${label(c.status)}`}
        />
      ))}
    </span>
  );
}
