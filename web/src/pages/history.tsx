import type { FlakyScenario, HistoryRun, JobCost, PlanHistory, SlowScenario } from '../api.js';
import { Breakable } from '../components/breakable.js';
import { RunChart, type Point } from '../components/chart.js';
import { durationAxis, passRateAxis } from '../components/chart-axes.js';
import { HistoryStrip } from '../components/history-strip.js';
import { ErrorNote, PageHead } from '../components/layout.js';
import { ScrollArea } from '../components/scroll-area.js';
import { count, duration, percent, shortDate } from '../format.js';
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
    <ScrollArea label="Slowest scenarios">
      <table className="table cards-narrow">
        <thead>
          <tr>
            <th scope="col">Scenario</th>
            <th scope="col">Environment</th>
            <th scope="col" className="num">
              Average
            </th>
            <th scope="col" className="num">
              Slowest
            </th>
            <th scope="col" className="num">
              Runs
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((s) => (
            <tr key={`${s.scenario.id}-${s.environment}`}>
              <td className="key" data-label="Scenario">
                <Breakable text={s.scenario.key} />
              </td>
              <td data-label="Environment">{s.environment}</td>
              <td className="num" data-label="Average">
                {duration(s.avg_ms)}
              </td>
              <td className="num" data-label="Slowest">
                {duration(s.max_ms)}
              </td>
              <td className="num" data-label="Runs">
                {s.samples}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollArea>
  );
}

/** What a job costs beyond its tests, as the next run's batching counts it. */
function JobCosts({ items }: { items: JobCost[] }) {
  if (items.length === 0) return <p className="muted">Learnt once a job of this plan has ended.</p>;
  return (
    <ScrollArea label="Job costs">
      <table className="table cards-narrow">
        <thead>
          <tr>
            <th scope="col">Environment</th>
            <th scope="col" className="num">
              Per job
            </th>
            <th scope="col" className="num">
              Per file
            </th>
            <th scope="col" className="num">
              Jobs
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((c) => (
            <tr key={c.environment}>
              <td data-label="Environment">{c.environment}</td>
              <td className="num" data-label="Per job">
                {duration(c.fixed_ms)}
              </td>
              <td className="num" data-label="Per file">
                {duration(c.per_file_ms)}
              </td>
              <td className="num" data-label="Jobs">
                {c.jobs}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </ScrollArea>
  );
}

/** Why a scenario is listed, saying only what Proctor knows about the code between its runs. */
export function flakyWhy(f: FlakyScenario): string {
  const unknown = f.flips - f.flips_same_code;
  const parts: string[] = [];
  if (f.retried_passes > 0) parts.push(`passed on retry ${f.retried_passes}×`);
  if (f.flips_same_code > 0) parts.push(`changed ${f.flips_same_code}× without a code change (same ref or build)`);
  if (unknown > 0)
    parts.push(
      `changed ${unknown}× between runs; these runs carry no ref or build, so whether the code changed is unknown`,
    );
  return parts.join(' · ');
}

function Flaky({ items }: { items: FlakyScenario[] }) {
  if (items.length === 0) return <p className="muted">No flaky scenarios in these runs.</p>;
  return (
    <ul className="flaky">
      {items.map((f) => (
        <li key={`${f.scenario.id}-${f.environment}`}>
          <span className="key">
            <Breakable text={f.scenario.key} />
          </span>{' '}
          <span className="muted">on {f.environment}</span>
          <span className="why">{flakyWhy(f)}</span>
          <HistoryStrip strip={f.strip} />
        </li>
      ))}
    </ul>
  );
}

/** What the charts and lists count: the runs that are not reruns, and what the reruns still count for. */
function Counted({ d }: { d: PlanHistory }) {
  const reruns =
    d.reruns > 0
      ? ` ${count(d.reruns, 'rerun')} made meanwhile ${d.reruns === 1 ? 'is' : 'are'} left out of them (a rerun repeats only chosen pairs) but counted for the flaky and slowest scenarios.`
      : '';
  return (
    <p className="muted counted">
      Pass rate and duration count the last {count(d.runs.length, 'run')} that{' '}
      {d.runs.length === 1 ? 'is not a rerun' : 'are not reruns'}, oldest left.{reruns} Select a mark to open its run.
    </p>
  );
}

/** A plan over time: pass rate and duration per run, the slowest and the flaky scenarios. */
export function HistoryPage({ id }: { id: string }) {
  const { api } = useSession();
  const h = usePolling(() => api.history(id, 30), [api, id], 10_000);
  const d = h.data;
  if (!d) return h.error ? <ErrorNote error={h.error} /> : <p className="loading">Loading history…</p>;
  const longest = Math.max(1, ...d.runs.map((r) => r.duration_ms ?? 0));
  return (
    <>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/plans">Plans</Link> / <Link to={`/plans/${d.plan.id}`}>{d.plan.name}</Link> / <span>History</span>
      </nav>
      <PageHead title={`${d.plan.name}: history`} />
      {d.runs.length === 0 ? <p className="empty">No runs of this plan yet.</p> : <Counted d={d} />}
      <div className="two-col">
        <section className="card" aria-labelledby="h-pass">
          <h2 id="h-pass">Pass rate</h2>
          <p className="muted chart-note">
            Passed and flaky results over those that ran (skipped and not executed left out).
          </p>
          <RunChart
            kind="line"
            label="Pass rate per run"
            series="pass rate of a run"
            y={passRateAxis}
            points={d.runs.map((r) => point(r, r.pass_rate, percent(r.pass_rate)))}
          />
        </section>
        <section className="card" aria-labelledby="h-dur">
          <h2 id="h-dur">Duration</h2>
          <p className="muted chart-note">From the run's start to its end.</p>
          <RunChart
            kind="bar"
            label="Duration per run"
            series="duration of a run"
            y={durationAxis(longest)}
            points={d.runs.map((r) => point(r, r.duration_ms, duration(r.duration_ms)))}
          />
        </section>
      </div>
      <section className="card" aria-labelledby="h-flaky">
        <h2 id="h-flaky">Flaky scenarios</h2>
        <Flaky items={d.flaky} />
      </section>
      <section className="card" aria-labelledby="h-slow">
        <h2 id="h-slow">Slowest scenarios</h2>
        <Slowest items={d.slowest} />
      </section>
      <section className="card" aria-labelledby="h-costs">
        <h2 id="h-costs">Job costs</h2>
        <p className="muted chart-note">
          What a job pays beyond its tests' own durations (a framework's start, a process per test file), learnt from
          the last finished runs' jobs. The next run's batching counts it.
        </p>
        <JobCosts items={d.job_costs} />
      </section>
    </>
  );
}
