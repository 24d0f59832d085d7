import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse, Page, ResultRow, Run } from '../../protocol/api.js';
import { AppError } from '../../protocol/errors.js';
import { RUN_RESULTS, RUN_STATUSES, SCENARIO_RESULTS, TRIGGER_SOURCES } from '../../protocol/statuses.js';
import { stopRun } from '../../queue/run-stop.js';
import { decodeCursor } from '../../storage/cursor.js';
import { getRunView, listResultViews, listRunViews, publicRun } from '../../storage/run-views.js';
import type { ServerDeps } from '../deps.js';
import { keyOf, projectScope } from '../principal.js';
import { listScope, loadRun, resolvePlan } from '../resolve.js';
import { runEventsRoute } from './run-events.js';
import { runJobsRoute } from './run-jobs.js';
import { runCtrfRoute } from './run-ctrf.js';
import { runJUnitRoute } from './run-junit.js';

const RunParams = Type.Object({ run: Type.String({ description: 'Run id or UUID.' }) });
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const List = (values: readonly string[], what: string) =>
  Type.Optional(Type.String({ maxLength: 500, description: `Comma-separated ${what}: ${values.join(', ')}` }));

/** Parses a comma-separated filter, refusing unknown values with the parameter's name. */
function listFilter<T extends string>(raw: string | undefined, allowed: readonly T[], name: string): T[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  const values = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = values.filter((v) => !(allowed as readonly string[]).includes(v));
  if (bad.length)
    throw new AppError(
      'VALIDATION_FAILED',
      `${name}: unknown value(s) ${bad.join(', ')}; expected ${allowed.join(', ')}`,
    );
  return values as T[];
}

function cursorFilter(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const id = decodeCursor(raw);
  if (id === null) throw new AppError('VALIDATION_FAILED', 'cursor: not a cursor this API returned');
  return id;
}

/** Parses an ISO date-time filter into epoch milliseconds. */
function timeFilter(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const ms = Date.parse(raw);
  if (Number.isNaN(ms))
    throw new AppError(
      'VALIDATION_FAILED',
      `${name}: expected a date or date-time like 2025-01-31 or 2025-01-31T12:00:00Z`,
    );
  return ms;
}

export function runRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { db } = deps.store;
  type ListQuery = {
    plan?: string;
    project?: string;
    status?: string;
    result?: string;
    branch?: string;
    build?: string;
    source?: string;
    created_from?: string;
    created_before?: string;
    cursor?: string;
    limit?: number;
  };

  app.get<{ Querystring: ListQuery }>(
    '/api/v1/runs',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['runs'],
        summary: 'List runs, newest first',
        querystring: Type.Object(
          {
            plan: Type.Optional(Type.String({ maxLength: 200 })),
            project: Type.Optional(Type.String({ maxLength: 100 })),
            status: List(RUN_STATUSES, 'run statuses'),
            result: List(RUN_RESULTS, 'run results'),
            branch: Type.Optional(Type.String({ maxLength: 300 })),
            build: Type.Optional(Type.String({ maxLength: 200 })),
            source: List(TRIGGER_SOURCES, 'trigger sources'),
            created_from: Type.Optional(
              Type.String({ maxLength: 40, description: 'Runs created at or after this date-time (ISO 8601).' }),
            ),
            created_before: Type.Optional(
              Type.String({ maxLength: 40, description: 'Runs created before this date-time (ISO 8601).' }),
            ),
            cursor: Type.Optional(Type.String({ maxLength: 100 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(Run), ...errors },
      },
    },
    async (req) => {
      const key = keyOf(req.principal);
      const q = req.query;
      const plan = q.plan !== undefined ? await resolvePlan(db, key, q.plan, q.project) : undefined;
      return listRunViews(db, {
        projectIds: plan ? projectScope(key) : await listScope(db, key, q.project),
        ...(plan ? { planId: plan.id } : {}),
        status: listFilter(q.status, RUN_STATUSES, 'status'),
        result: listFilter(q.result, RUN_RESULTS, 'result'),
        ...(q.branch !== undefined ? { branch: q.branch } : {}),
        ...(q.build !== undefined ? { build: q.build } : {}),
        source: listFilter(q.source, TRIGGER_SOURCES, 'source'),
        createdFrom: timeFilter(q.created_from, 'created_from'),
        createdBefore: timeFilter(q.created_before, 'created_before'),
        ...(q.cursor !== undefined ? { beforeId: cursorFilter(q.cursor) } : {}),
        limit: q.limit ?? 50,
      });
    },
  );

  app.get<{ Params: { run: string } }>(
    '/api/v1/runs/:run',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['runs'],
        summary: 'Status, result, counts, timings and trigger data of a run',
        params: RunParams,
        response: { 200: Run, ...errors },
      },
    },
    async (req) => publicRun(await loadRun(deps.store.db, req.principal, req.params.run)),
  );

  app.get<{
    Params: { run: string };
    Querystring: { status?: string; environment?: string; cursor?: string; limit?: number };
  }>(
    '/api/v1/runs/:run/results',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['runs'],
        summary: 'One row per scenario × environment of a run',
        params: RunParams,
        querystring: Type.Object(
          {
            status: List(SCENARIO_RESULTS, 'scenario results'),
            environment: Type.Optional(Type.String({ maxLength: 100 })),
            cursor: Type.Optional(Type.String({ maxLength: 100 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page(ResultRow), ...errors },
      },
    },
    async (req) => {
      const run = await loadRun(deps.store.db, req.principal, req.params.run);
      const q = req.query;
      return listResultViews(db, run.id, {
        status: listFilter(q.status, SCENARIO_RESULTS, 'status'),
        ...(q.environment !== undefined ? { environment: q.environment } : {}),
        ...(q.cursor !== undefined ? { afterId: cursorFilter(q.cursor) } : {}),
        limit: q.limit ?? 200,
      });
    },
  );

  app.post<{ Params: { run: string } }>(
    '/api/v1/runs/:run/cancel',
    {
      config: { auth: 'PLAN_RUN' },
      schema: {
        tags: ['runs'],
        summary: 'Cancel a run; running jobs are stopped',
        params: RunParams,
        response: { 200: Run, ...errors },
      },
    },
    async (req) => {
      const run = await loadRun(deps.store.db, req.principal, req.params.run);
      const key = keyOf(req.principal);
      const stopped = await db.transaction().execute((trx) =>
        stopRun(trx, deps.queue, run.id, {
          status: 'cancelled',
          endedBy: 'user',
          reason: `cancelled by ${key.userName}`,
        }),
      );
      if (!stopped)
        throw new AppError(
          'CONFLICT',
          `run ${run.id} has already ended (${run.status}${run.result ? `, ${run.result}` : ''})`,
        );
      deps.queue.wakeup.wake();
      return publicRun((await getRunView(db, run.id))!);
    },
  );

  runJUnitRoute(app, deps);
  runCtrfRoute(app, deps);
  runJobsRoute(app, deps);
  runEventsRoute(app, deps);
}
