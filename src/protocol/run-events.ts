import type { ResultRow, Run } from './api.js';

/**
 * Server-sent events of `GET /api/v1/runs/:run/events`. The stream opens with `snapshot` (the run and
 * every result row), then sends `run` when the run's status or counts change and `results` with the
 * rows that changed; `end` follows the run's last change and the server closes the stream.
 */
export const RUN_EVENT_NAMES = ['snapshot', 'run', 'results', 'end'] as const;
export type RunEventName = (typeof RUN_EVENT_NAMES)[number];

export interface RunEventData {
  snapshot: { run: Run; results: ResultRow[] };
  run: Run;
  results: { items: ResultRow[] };
  end: { status: Run['status']; result: Run['result'] };
}
