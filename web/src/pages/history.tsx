import type { FlakyScenario, HistoryRun, SlowScenario } from '../api.js';
import { RunChart, type Point } from '../components/chart.js';
import { HistoryStrip } from '../components/history-strip.js';
import { ErrorNote, PageHead } from '../components/layout.js';
import { duration, percent, shortDate } from '../format.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { usePolling } from '../use-polling.js';

const point = (r: HistoryRun, value: number | null, what: string): Point => ({
  id: r.id,
  value,
  title: `run #${r.id}, ${shortDate(r.created_at)}: ${what}`,
  tone: r.result ?? r.status,
});

function Slowest({ items }: { items: SlowScenario[] }) {
  if (items.length === 0) return <p className="muted">No durations recorded yet.</p>;
  return (
    <div className="table-wrap">
      <table className="table">
        <thead><tr><th scope="col">Scenario</th><th scope="col">Environment</th><th scope="col" className="num">Average</th><th scope="col" className="num">Slowest</th><th scope="col" className="num">Runs</th></tr></thead>
        <tbody>
          {items.map((s) => (
            <tr key={`${s.scenario.id}-${s.environment}`}>
              <td className="key">{s.scenario.key}</td><td>{s.environment}</td><td className="num">{duration(s.avg_ms)}</td><td className="num">{duration(s.max_ms)}</td><td className="num">{s.samples}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Flaky({ items }: { items: FlakyScenario[] }) {
  if (items.length === 0) return <p className="muted">No flaky scenarios in these runs.</p>;
  return (
    <ul className="flaky">
      {items.map((f) => (
        <li key={`${f.scenario.id}-${f.environment}`}>
          <span className="key">{f.scenario.key}</span> <span className="muted">on {f.environment}</span>
          <span className="why">
            {f.retried_passes > 0 && `passed on retry ${f.retried_passes}×`}
            {f.retried_passes > 0 && f.flips > 0 && ' · '}
            {f.flips > 0 && `changed ${f.flips}× without a code change`}
          </span>
          <HistoryStrip strip={f.strip} />
        </li>
      ))}
    </ul>
  );
}

/** A plan over time: pass rate and duration per run, the slowest and the flaky scenarios. */
export function HistoryPage({ id }: { id: string }) {
  const { api } = useSession();
  const h = usePolling(() => api.history(id, 30), [api, id], 10_000);
  const d = h.data;
  if (!d) return h.error ? <ErrorNote error={h.error} /> : <p className="loading">Loading history…</p>;
  const maxMs = Math.max(1000, ...d.runs.map((r) => r.duration_ms ?? 0));
  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/plans">Plans</Link> / <Link to={`/plans/${d.plan.id}`}>{d.plan.name}</Link> / <span>History</span>
      </nav>
      <PageHead title={`${d.plan.name}: history`} />
      <p className="muted">The last {d.runs.length} run(s), oldest left. Select a mark to open its run.</p>
      <div className="two-col">
        <section className="card" aria-labelledby="h-pass"><h2 id="h-pass">Pass rate</h2>
          <RunChart kind="line" label="Pass rate per run" max={1} format={percent} points={d.runs.map((r) => point(r, r.pass_rate, percent(r.pass_rate)))} />
        </section>
        <section className="card" aria-labelledby="h-dur"><h2 id="h-dur">Duration</h2>
          <RunChart kind="bar" label="Duration per run" max={maxMs} format={duration} points={d.runs.map((r) => point(r, r.duration_ms, duration(r.duration_ms)))} />
        </section>
      </div>
      <section className="card" aria-labelledby="h-flaky"><h2 id="h-flaky">Flaky scenarios</h2><Flaky items={d.flaky} /></section>
      <section className="card" aria-labelledby="h-slow"><h2 id="h-slow">Slowest scenarios</h2><Slowest items={d.slowest} /></section>
    </>
  );
}
