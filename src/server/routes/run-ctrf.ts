import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse, type ResultRow } from '../../protocol/api.js';
import { formatCtrf, type CtrfResultInput } from '../../reports/ctrf-write.js';
import { listResultViews } from '../../storage/run-views.js';
import type { ServerDeps } from '../deps.js';
import { downloadHeaders } from '../download-headers.js';
import { loadRun } from '../resolve.js';

function ctrfResult(r: ResultRow): CtrfResultInput {
  const time = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
  return {
    key: r.scenario.key,
    file: r.scenario.file,
    path: r.scenario.path,
    environment: r.environment,
    status: r.status,
    attempts: r.attempts,
    durationMs: r.duration_ms,
    message: r.message,
    stack: r.stack,
    stdout: r.stdout,
    stderr: r.stderr,
    startedAt: time(r.started_at),
    finishedAt: time(r.finished_at),
  };
}

/** `GET /api/v1/runs/:run/ctrf`: the results of a run as a CTRF JSON document (see formatCtrf for the status mapping). */
export function runCtrfRoute(app: FastifyInstance, deps: ServerDeps): void {
  app.get<{ Params: { run: string } }>(
    '/api/v1/runs/:run/ctrf',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['runs'],
        summary:
          'The results of a run as CTRF JSON (Common Test Report Format); aborted, stopped and not executed scenarios are "other" with rawStatus',
        params: Type.Object({ run: Type.String() }),
        response: { 200: Type.Unknown(), 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (req, reply) => {
      const run = await loadRun(deps.store.db, req.principal, req.params.run);
      const results: CtrfResultInput[] = [];
      let afterId: number | undefined;
      for (;;) {
        const page = await listResultViews(deps.store.db, run.id, {
          limit: 1000,
          ...(afterId !== undefined ? { afterId } : {}),
        });
        results.push(...page.items.map(ctrfResult));
        if (!page.next_cursor) break;
        afterId = page.items[page.items.length - 1]!.id;
      }
      const start = Date.parse(run.started_at ?? run.created_at);
      const report = formatCtrf({
        name: `${run.plan.name} run ${run.id}`,
        start,
        stop: run.finished_at === null ? Date.now() : Date.parse(run.finished_at),
        build: run.trigger.build,
        branch: run.trigger.branch,
        ref: run.trigger.ref,
        extra: { run: run.id, plan: run.plan.name, project: run.project.name, status: run.status, result: run.result },
        results,
      });
      return downloadHeaders(reply, {
        type: 'application/json; charset=utf-8',
        disposition: { kind: 'inline', fileName: `proctor-run-${run.id}.ctrf.json` },
      }).send(JSON.stringify(report));
    },
  );
}
