import { useEffect, useRef } from 'react';
import type { ResultView } from '../api.js';
import { dateTime, duration } from '../format.js';
import { Artifacts } from './artifacts.js';
import { Breakable, BreakableText } from './breakable.js';
import { JobLog } from './job-log.js';
import { Badge } from './status.js';

function Block({ title, text, open = true }: { title: string; text: string | null; open?: boolean }) {
  if (!text) return null;
  return (
    <details className="block" open={open}>
      <summary>{title}</summary>
      <pre className={title === 'Message' ? 'message' : undefined}>
        <BreakableText text={text} />
      </pre>
    </details>
  );
}

/** One result in full: its failure message and stack, output, job log and artifacts. */
export function ResultPanel({ runId, result, onClose }: { runId: number; result: ResultView; onClose(): void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: focus moves to the heading each time another result opens
  useEffect(() => heading.current?.focus(), [result.id]);
  useEffect(() => {
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', esc);
    return () => window.removeEventListener('keydown', esc);
  }, [onClose]);
  const pending = result.status === 'queued' || result.status === 'running';
  return (
    <aside className="panel" role="dialog" aria-modal="false" aria-labelledby="result-title">
      <div className="panel-head">
        <Badge status={result.status} />
        <h2 id="result-title" ref={heading} tabIndex={-1}>
          <Breakable text={result.scenario.key} />
        </h2>
        <button type="button" className="close" onClick={onClose} aria-label="Close result">
          ×
        </button>
      </div>
      <dl className="facts">
        <div>
          <dt>Environment</dt>
          <dd>{result.environment}</dd>
        </div>
        <div>
          <dt>Attempts</dt>
          <dd>{result.attempts}</dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{duration(result.duration_ms)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{dateTime(result.started_at)}</dd>
        </div>
        <div>
          <dt>Finished</dt>
          <dd>{dateTime(result.finished_at)}</dd>
        </div>
        <div>
          <dt>Job</dt>
          <dd>{result.job_id ?? '—'}</dd>
        </div>
      </dl>
      <Block title="Message" text={result.message} />
      <Block title="Stack" text={result.stack} />
      <Block title="Standard output" text={result.stdout} open={false} />
      <Block title="Standard error" text={result.stderr} open={false} />
      {result.artifacts && result.artifacts.length > 0 && (
        <section>
          <h3>Artifacts</h3>
          <Artifacts items={result.artifacts} />
        </section>
      )}
      {result.job_id !== null && (
        <details className="block" open={pending || result.status !== 'passed'}>
          <summary>Job log</summary>
          <JobLog runId={runId} jobId={result.job_id} live={pending} />
        </details>
      )}
    </aside>
  );
}
