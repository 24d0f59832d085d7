import type { Kysely } from 'kysely';
import type { ResultRow, Run } from '../protocol/api.js';
import type { TestOutcome } from '../protocol/statuses.js';
import { formatJUnit, type JUnitWriteCase } from '../reports/junit-write.js';
import { listResultViews } from '../storage/run-views.js';
import type { Database } from '../storage/schema.js';

/**
 * JUnit has passed, failed, error and skipped. Flaky scenarios passed (on a retry); aborted ones
 * broke around the test (error); stopped, not executed and still pending ones did not run (skipped,
 * with the reason as message).
 */
function junitCase(r: ResultRow): JUnitWriteCase {
  const map: Record<ResultRow['status'], TestOutcome> = {
    passed: 'passed',
    flaky: 'passed',
    failed: 'failed',
    skipped: 'skipped',
    aborted: 'errored',
    stopped: 'skipped',
    not_executed: 'skipped',
    queued: 'skipped',
    running: 'skipped',
  };
  const note = ['stopped', 'not_executed', 'queued', 'running'].includes(r.status)
    ? `${r.status.replace('_', ' ')}${r.message ? `: ${r.message}` : ''}`
    : r.message;
  const flaky = r.status === 'flaky' ? `flaky: passed after ${r.attempts} attempts\n` : '';
  return {
    classname: r.scenario.file,
    name: r.scenario.path.length ? r.scenario.path.join(' > ') : r.scenario.key,
    timeSeconds: (r.duration_ms ?? 0) / 1000,
    status: map[r.status],
    ...(note ? { message: note } : {}),
    ...(r.stack ? { stack: r.stack } : {}),
    ...(r.stdout || flaky ? { stdout: flaky + (r.stdout ?? '') } : {}),
    ...(r.stderr ? { stderr: r.stderr } : {}),
  };
}

/**
 * A run's results as JUnit XML: `<testsuites>` with a `<testsuite>` per environment and a
 * `<testcase>` per scenario; the native report and Testsigma's both answer this.
 */
export async function runJUnitXml(db: Kysely<Database>, run: Pick<Run, 'id' | 'plan'>): Promise<string> {
  const byEnv = new Map<string, JUnitWriteCase[]>();
  let afterId: number | undefined;
  for (;;) {
    const page = await listResultViews(db, run.id, { limit: 1000, ...(afterId !== undefined ? { afterId } : {}) });
    for (const r of page.items) {
      const cases = byEnv.get(r.environment) ?? [];
      cases.push(junitCase(r));
      byEnv.set(r.environment, cases);
    }
    if (!page.next_cursor) break;
    afterId = page.items[page.items.length - 1]!.id;
  }
  return formatJUnit({
    name: `${run.plan.name} run ${run.id}`,
    suites: [...byEnv].map(([name, cases]) => ({ name, cases })),
  });
}
