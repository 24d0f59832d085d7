import { useEffect, useReducer } from 'react';
import type { RunEventData } from '../../src/protocol/run-events.js';
import { ApiError, type Api, type ResultView, type RunView } from './api.js';
import { readEventStream, type RawEvent } from './sse.js';

/** Marks the bench reads: when a run's snapshot arrived, and (set by the matrix) when it was shown. */
export const MARK_DATA = 'proctor:run-data';
export const MARK_READY = 'proctor:matrix-ready';
export const MARK_PAINTED = 'proctor:matrix-painted';

export interface LiveRun {
  run: RunView | null;
  results: Map<number, ResultView>;
  /** Bumped with every snapshot; the matrix marks itself ready once per snapshot. */
  snapshot: number;
  connected: boolean;
  error: string | null;
}

type Action =
  | { type: 'snapshot'; data: RunEventData['snapshot'] }
  | { type: 'run'; run: RunView }
  | { type: 'results'; items: ResultView[] }
  | { type: 'connected'; connected: boolean }
  | { type: 'error'; message: string };

function reduce(s: LiveRun, a: Action): LiveRun {
  switch (a.type) {
    case 'snapshot':
      return {
        ...s,
        run: a.data.run,
        results: new Map(a.data.results.map((r) => [r.id, r])),
        snapshot: s.snapshot + 1,
        error: null,
      };
    case 'run':
      return { ...s, run: a.run };
    case 'results': {
      const results = new Map(s.results);
      for (const r of a.items) results.set(r.id, r);
      return { ...s, results };
    }
    case 'connected':
      return { ...s, connected: a.connected };
    case 'error':
      return { ...s, error: a.message, connected: false };
  }
}

const initial: LiveRun = { run: null, results: new Map(), snapshot: 0, connected: false, error: null };

function toAction(e: RawEvent): Action | null {
  if (e.event === 'snapshot') {
    performance.mark(MARK_DATA);
    return { type: 'snapshot', data: JSON.parse(e.data) as RunEventData['snapshot'] };
  }
  if (e.event === 'run') return { type: 'run', run: JSON.parse(e.data) as RunView };
  if (e.event === 'results') return { type: 'results', items: (JSON.parse(e.data) as RunEventData['results']).items };
  return null;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * A run and its result rows, kept current by the run's event stream. A dropped stream reconnects
 * (and starts again from a snapshot) until the run has ended; refusals (403, 404) stop it.
 */
export function useLiveRun(api: Api, runId: number): LiveRun & { setRun(run: RunView): void } {
  const [state, dispatch] = useReducer(reduce, initial);
  useEffect(() => {
    const stop = new AbortController();
    void follow(api, runId, dispatch, stop.signal);
    return () => stop.abort();
  }, [api, runId]);
  return { ...state, setRun: (run) => dispatch({ type: 'run', run }) };
}

async function follow(api: Api, runId: number, dispatch: (a: Action) => void, signal: AbortSignal): Promise<void> {
  for (let failures = 0; !signal.aborted; failures++) {
    let ended = false;
    try {
      const res = await api.runEvents(runId, signal);
      if (!res.ok || !res.body)
        throw new ApiError(
          res.status,
          'HTTP_ERROR',
          res.status === 404
            ? `run ${runId} does not exist`
            : `the run's updates could not be read (HTTP ${res.status})`,
        );
      dispatch({ type: 'connected', connected: true });
      await readEventStream(res.body, (e) => {
        if (e.event === 'end') ended = true;
        const action = toAction(e);
        if (action) dispatch(action);
      });
      failures = 0;
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof ApiError && e.status >= 400 && e.status < 500)
        return dispatch({ type: 'error', message: e.message });
    }
    dispatch({ type: 'connected', connected: false });
    if (ended) return;
    await pause(Math.min(10_000, 500 * 2 ** failures), signal);
  }
}
