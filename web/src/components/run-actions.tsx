import { useState } from 'react';
import { RERUN_FAILED_RESULTS, TERMINAL_RUN_STATUSES } from '../../../src/protocol/statuses.js';
import { ApiError, type RerunBody, type RunView } from '../api.js';
import { navigate } from '../router.js';
import { useSession } from '../session.js';

export const isActive = (run: Pick<RunView, 'status'>) =>
  !(TERMINAL_RUN_STATUSES as readonly string[]).includes(run.status);

function rerunError(e: unknown): string {
  if (e instanceof ApiError && e.status === 404 && /no route/i.test(e.message))
    return 'This server cannot rerun yet (POST /api/v1/runs/:run/rerun is missing).';
  return `Rerun refused: ${(e as Error).message}`;
}

export interface RunActionsProps {
  run: RunView;
  /** How many scenario × environment pairs the run has: nothing to pick when there are none. */
  pairs: number;
  picked: Set<number> | null;
  pairsOf(ids: Set<number>): { scenario: number; environment: string }[];
  onPickMode(on: boolean): void;
  onRun(run: RunView): void;
}

type Act = (what: () => Promise<void>) => Promise<void>;

/** What a control of the run's action bar is handed. */
interface ControlProps {
  run: RunView;
  busy: boolean;
  act: Act;
  onRun(run: RunView): void;
  setNote(n: string): void;
}

/** "Cancel run", then "Confirm cancel" or "Keep running": a run is not cancelled by one stray click. */
function CancelControl({ run, busy, act, onRun, setNote }: ControlProps) {
  const { api } = useSession();
  const [confirming, setConfirming] = useState(false);
  if (!isActive(run)) return null;
  if (!confirming) {
    return (
      <button type="button" className="danger" disabled={busy} onClick={() => setConfirming(true)}>
        Cancel run
      </button>
    );
  }
  const cancel = () =>
    act(async () => {
      setConfirming(false);
      try {
        onRun(await api.cancel(run.id));
        setNote('Run cancelled.');
      } catch (e) {
        setNote(`Cancel refused: ${(e as Error).message}`);
      }
    });
  return (
    <>
      <button type="button" className="danger" disabled={busy} onClick={cancel} autoFocus>
        Confirm cancel
      </button>
      <button type="button" onClick={() => setConfirming(false)}>
        Keep running
      </button>
    </>
  );
}

/** "Keep run" / "Stop keeping": a kept run, its logs and its artifacts outlive the project's retention policy. */
function KeepControl({ run, busy, act, onRun, setNote }: ControlProps) {
  const { api } = useSession();
  const toggle = () =>
    act(async () => {
      try {
        const next = await api.keep(run.id, !run.keep);
        onRun(next);
        setNote(
          next.keep
            ? 'Kept: retention will not delete this run, its logs or its artifacts.'
            : "No longer kept: the project's retention policy applies to this run.",
        );
      } catch (e) {
        setNote(`Keep refused: ${(e as Error).message}`);
      }
    });
  return (
    <button
      type="button"
      disabled={busy}
      aria-pressed={run.keep}
      onClick={toggle}
      title="Retention never deletes a kept run"
    >
      {run.keep ? 'Stop keeping' : 'Keep run'}
    </button>
  );
}

/** Cancel, keep, rerun the failed pairs, or pick pairs in the matrix and rerun those. */
export function RunActions({ run, pairs, picked, pairsOf, onPickMode, onRun }: RunActionsProps) {
  const { api } = useSession();
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState('');
  const act: Act = async (what) => {
    setBusy(true);
    setNote('');
    try {
      await what();
    } finally {
      setBusy(false);
    }
  };
  const rerun = (body: RerunBody) =>
    act(async () => {
      try {
        const next = await api.rerun(run.id, body);
        onPickMode(false);
        navigate(`/runs/${next.id}`);
      } catch (e) {
        setNote(rerunError(e));
      }
    });
  const failures = RERUN_FAILED_RESULTS.reduce((n, s) => n + run.counts[s], 0);
  const ended = !isActive(run);
  return (
    <div className="actions">
      <div className="action-buttons">
        <CancelControl run={run} busy={busy} act={act} onRun={onRun} setNote={setNote} />
        <KeepControl run={run} busy={busy} act={act} onRun={onRun} setNote={setNote} />
        {ended && failures > 0 && (
          <button type="button" disabled={busy} onClick={() => rerun({ failed: true })}>
            Rerun failed ({failures})
          </button>
        )}
        {ended && pairs > 0 && picked === null && (
          <button type="button" onClick={() => onPickMode(true)}>
            Select pairs to rerun
          </button>
        )}
        {picked !== null && (
          <>
            <button
              type="button"
              className="primary"
              disabled={busy || picked.size === 0}
              onClick={() => rerun({ pairs: pairsOf(picked) })}
            >
              Rerun selected ({picked.size})
            </button>
            <button type="button" onClick={() => onPickMode(false)}>
              Done selecting
            </button>
          </>
        )}
      </div>
      <p className="action-note" role="status">
        {picked !== null && !note ? 'Click cells in the matrix to select them.' : note}
      </p>
    </div>
  );
}
