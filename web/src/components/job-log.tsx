import { useEffect, useMemo, useRef } from 'react';
import { lastChars, parseAnsi, type AnsiRun } from '../ansi.js';
import { BreakableText } from './breakable.js';
import { useSession } from '../session.js';
import { usePolling } from '../use-polling.js';

/** Most of a log shown at once; the rest is a download away. */
const SHOWN_CHARS = 200_000;

/** Styled runs of text: each a span with fixed class names and colours built from numbers. */
function Runs({ runs }: { runs: AnsiRun[] }) {
  return (
    <>
      {runs.map((r, i) =>
        r.classes || r.color || r.background ? (
          <span
            key={i}
            className={r.classes || undefined}
            style={r.color || r.background ? { color: r.color, backgroundColor: r.background } : undefined}
          >
            <BreakableText text={r.text} />
          </span>
        ) : (
          <BreakableText key={i} text={r.text} />
        ),
      )}
    </>
  );
}

/**
 * A job's output, re-read every 1.5 s while the job runs (the agent streams it to the server), and
 * kept scrolled to the end unless the reader scrolled up. Frameworks' colours (ANSI SGR sequences)
 * show as colours; other terminal sequences are dropped. The stored log is left as it was written.
 */
export function JobLog({ runId, jobId, live }: { runId: number; jobId: number; live: boolean }) {
  const { api } = useSession();
  const log = usePolling(() => api.jobLog(runId, jobId), [api, runId, jobId], live ? 1500 : 0);
  const ref = useRef<HTMLPreElement>(null);
  const runs = useMemo(() => parseAnsi(log.data ?? ''), [log.data]);
  const length = runs.reduce((n, r) => n + r.text.length, 0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: follows the end of the log each time new text arrives
  useEffect(() => {
    const el = ref.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 40) el.scrollTop = el.scrollHeight;
  }, [runs]);
  if (log.error && !log.data) return <p className="muted">No log: {log.error}</p>;
  const empty = log.data === null ? 'Loading…' : live ? 'Waiting for output…' : '(no output)';
  return (
    <div className="log">
      {length > SHOWN_CHARS && <p className="muted">Showing the last {SHOWN_CHARS.toLocaleString()} characters.</p>}
      <pre ref={ref} className="log-text" tabIndex={0} aria-label={`Log of job ${jobId}`}>
        {length > 0 ? <Runs runs={length > SHOWN_CHARS ? lastChars(runs, SHOWN_CHARS) : runs} /> : empty}
      </pre>
    </div>
  );
}
