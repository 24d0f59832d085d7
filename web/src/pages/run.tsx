import { useCallback, useMemo, useState } from 'react';
import type { ResultView } from '../api.js';
import { EndReason } from '../components/end-reason.js';
import { Jobs } from '../components/jobs.js';
import { ErrorNote, PageHead } from '../components/layout.js';
import { Matrix } from '../components/matrix.js';
import { MatrixEmpty } from '../components/matrix-empty.js';
import { ResultPanel } from '../components/result-panel.js';
import { isActive, RunActions } from '../components/run-actions.js';
import { RunSummary } from '../components/run-summary.js';
import { RunBadge } from '../components/status.js';
import { useLiveRun } from '../live-run.js';
import { Link, setQuery, useLocation } from '../router.js';
import { useSession } from '../session.js';
import { usePolling } from '../use-polling.js';

/** Pair selection for "rerun selected": null when not selecting. */
function usePicking() {
  const [picked, setPicked] = useState<Set<number> | null>(null);
  const toggle = useCallback(
    (id: number) =>
      setPicked((p) => {
        if (!p) return p;
        const next = new Set(p);
        if (!next.delete(id)) next.add(id);
        return next;
      }),
    [],
  );
  return { picked, setPickMode: (on: boolean) => setPicked(on ? new Set() : null), toggle };
}

/** Closes the result panel and gives focus back to the cell that opened it. */
function closePanel(resultId: number): void {
  setQuery({ result: undefined });
  document.querySelector<HTMLElement>(`button.cell[data-result="${resultId}"]`)?.focus();
}

/** One run: summary, actions, the live matrix, and the result the address names (`?result=ID`). */
export function RunPage({ id }: { id: number }) {
  const { api } = useSession();
  const { query } = useLocation();
  const live = useLiveRun(api, id);
  const { run, results } = live;
  const { picked, setPickMode, toggle } = usePicking();
  const active = run ? isActive(run) : true;
  const jobs = usePolling(() => api.jobs(id), [api, id, active], active ? 2000 : 0);
  const envKey = useMemo(() => {
    const named = run?.trigger.environments ?? [];
    const seen = new Set([...results.values()].map((r) => r.environment));
    return [...named, ...[...seen].filter((e) => !named.includes(e))].join('\u0000');
  }, [run?.trigger.environments, results]);
  // The same array while the set of environments stays the same, so unchanged matrix rows skip rendering.
  const environments = useMemo(() => (envKey ? envKey.split('\u0000') : []), [envKey]);
  const openId = Number(query.get('result')) || null;
  const open = openId !== null ? results.get(openId) : undefined;
  const onCell = useCallback(
    (r: ResultView) => (picked ? toggle(r.id) : setQuery({ result: String(r.id) })),
    [picked, toggle],
  );
  const pairsOf = (ids: Set<number>) =>
    [...ids].flatMap((rid) => {
      const r = results.get(rid);
      return r ? [{ scenario: r.scenario.id, environment: r.environment }] : [];
    });
  if (!run) return live.error ? <ErrorNote error={live.error} /> : <p className="loading">Loading run {id}…</p>;
  return (
    <div className={open ? 'run-page with-panel' : 'run-page'}>
      <nav className="crumbs" aria-label="Breadcrumb">
        <Link to="/runs">Runs</Link> / <span>#{run.id}</span>
      </nav>
      <PageHead
        title={
          <>
            {run.plan.name} <span className="muted">#{run.id}</span>
          </>
        }
      >
        <RunBadge run={run} />
        <span
          className={live.connected ? 'live on' : 'live'}
          title={live.connected ? 'receiving live updates' : 'not connected'}
        >
          {live.connected ? 'live' : active ? 'reconnecting' : 'ended'}
        </span>
      </PageHead>
      <RunActions
        run={run}
        pairs={results.size}
        picked={picked}
        pairsOf={pairsOf}
        onPickMode={setPickMode}
        onRun={live.setRun}
      />
      <EndReason run={run} />
      <RunSummary run={run} />
      {jobs.data && <Jobs runId={run.id} jobs={jobs.data.items} />}
      <Matrix
        results={results}
        environments={environments}
        snapshot={live.snapshot}
        openId={open?.id ?? null}
        picked={picked}
        onCell={onCell}
        empty={<MatrixEmpty run={run} jobs={jobs.data?.items ?? null} />}
        waiting={active}
      />
      {open && <ResultPanel runId={run.id} result={open} onClose={() => closePanel(open.id)} />}
    </div>
  );
}
