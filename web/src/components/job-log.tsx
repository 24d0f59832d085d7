import { useEffect, useRef } from 'react';
import { useSession } from '../session.js';
import { usePolling } from '../use-polling.js';

/** Most of a log shown at once; the rest is a download away. */
const SHOWN_CHARS = 200_000;
// Colour and cursor escapes that terminals understand and a <pre> would show as noise.
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

/**
 * A job's output, re-read every 1.5 s while the job runs (the agent streams it to the server), and
 * kept scrolled to the end unless the reader scrolled up.
 */
export function JobLog({ runId, jobId, live }: { runId: number; jobId: number; live: boolean }) {
  const { api } = useSession();
  const log = usePolling(() => api.jobLog(runId, jobId), [api, runId, jobId], live ? 1500 : 0);
  const ref = useRef<HTMLPreElement>(null);
  const text = (log.data ?? '').replace(ANSI, '');
  useEffect(() => {
    const el = ref.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 40) el.scrollTop = el.scrollHeight;
  }, [text]);
  if (log.error && !log.data) return <p className="muted">No log: {log.error}</p>;
  return (
    <div className="log">
      {text.length > SHOWN_CHARS && <p className="muted">Showing the last {SHOWN_CHARS.toLocaleString()} characters.</p>}
      <pre ref={ref} className="log-text" tabIndex={0} aria-label={`Log of job ${jobId}`}>
        {log.data === null ? 'Loading…' : text.slice(-SHOWN_CHARS) || (live ? 'Waiting for output…' : '(no output)')}
      </pre>
    </div>
  );
}
