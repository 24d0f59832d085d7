import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { ResultRow } from '../../protocol/api.js';
import { ErrorResponse } from '../../protocol/api.js';
import type { TestOutcome } from '../../protocol/statuses.js';
import { formatJUnit, type JUnitWriteCase } from '../../reports/junit-write.js';
import { listResultViews } from '../../storage/run-views.js';
import type { ServerDeps } from '../deps.js';
import { downloadHeaders } from '../download-headers.js';
import { loadRun } from '../resolve.js';

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
  const note = ['stopped', 'not_executed', 'queued', 'running'].includes(r.status) ? `${r.status.replace('_', ' ')}${r.message ? `: ${r.message}` : ''}` : r.message;
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

export function runJUnitRoute(app: FastifyInstance, deps: ServerDeps): void {
  app.get<{ Params: { run: string } }>('/api/v1/runs/:run/junit', {
    config: { auth: 'PLAN_READ' },
    schema: {
      tags: ['runs'],
      summary: 'The results of a run as JUnit XML, one testsuite per environment',
      params: Type.Object({ run: Type.String() }),
      response: { 200: Type.String({ contentMediaType: 'application/xml' }), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
    },
  }, async (req, reply) => {
    const run = await loadRun(deps.store.db, req.principal, req.params.run);
    const byEnv = new Map<string, JUnitWriteCase[]>();
    let afterId: number | undefined;
    for (;;) {
      const page = await listResultViews(deps.store.db, run.id, { limit: 1000, ...(afterId !== undefined ? { afterId } : {}) });
      for (const r of page.items) {
        const cases = byEnv.get(r.environment) ?? [];
        cases.push(junitCase(r));
        byEnv.set(r.environment, cases);
      }
      if (!page.next_cursor) break;
      afterId = page.items[page.items.length - 1]!.id;
    }
    const xml = formatJUnit({ name: `${run.plan.name} run ${run.id}`, suites: [...byEnv].map(([name, cases]) => ({ name, cases })) });
    // Inline for readers that show it; the sandbox keeps an XML document (which a browser may run
    // as XHTML) from acting as a page of ours.
    return downloadHeaders(reply, { type: 'application/xml; charset=utf-8', disposition: { kind: 'inline', fileName: `proctor-run-${run.id}.xml` } }).send(xml);
  });
}
