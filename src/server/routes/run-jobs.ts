import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { joinLogChunks } from '../../domain/text-cap.js';
import { ErrorResponse } from '../../protocol/api.js';
import { JobView } from '../../protocol/resource-views.js';
import { AppError } from '../../protocol/errors.js';
import { archivedLogOf } from '../../storage/ended-logs.js';
import { attemptOfRunJob, logChunksFrom, runJobViews } from '../../storage/run-jobs.js';
import type { ServerDeps } from '../deps.js';
import { downloadHeaders } from '../download-headers.js';
import { logFromOffset } from '../log-from-offset.js';
import { loadRun, numericId } from '../resolve.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

export function runJobsRoute(app: FastifyInstance, deps: ServerDeps): void {
  const { db } = deps.store;
  app.get<{ Params: { run: string } }>(
    '/api/v1/runs/:run/jobs',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['runs'],
        summary: 'Jobs of a run with their attempts, and who ended them',
        params: Type.Object({ run: Type.String() }),
        response: { 200: Type.Object({ items: Type.Array(JobView) }), ...errors },
      },
    },
    async (req) => {
      const run = await loadRun(db, req.principal, req.params.run);
      return { items: await runJobViews(db, run.id) };
    },
  );

  app.get<{ Params: { run: string; job: string }; Querystring: { attempt?: number; offset?: number } }>(
    '/api/v1/runs/:run/jobs/:job/log',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['runs'],
        summary: "Log of a job's framework process (the last attempt unless ?attempt=N), live while it runs",
        description:
          'Send `offset` (the `x-log-next-offset` of the previous answer) to get only what was added since; `x-log-complete: true` once the attempt ended.',
        params: Type.Object({ run: Type.String(), job: Type.String() }),
        querystring: Type.Object(
          { attempt: Type.Optional(Type.Integer({ minimum: 1 })), offset: Type.Optional(Type.Integer({ minimum: 0 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.String(), ...errors },
      },
    },
    async (req, reply) => {
      const run = await loadRun(db, req.principal, req.params.run);
      const jobId = numericId(req.params.job, 'job');
      const attempt = await attemptOfRunJob(db, run.id, jobId, req.query.attempt);
      if (!attempt) throw new AppError('NOT_FOUND', `job ${jobId} of run ${run.id} has no such attempt`);
      const from = req.query.offset ?? 0;
      const chunks = await logChunksFrom(db, jobId, attempt.attempt, from);
      // Streamed chunks are the log; an attempt that streamed nothing falls back to its captured output.
      const streamed = Number(attempt.log_bytes) > 0;
      const next = streamed ? Math.max(from, Number(attempt.log_bytes)) : (attempt.output ?? '').length;
      // A test's output is anyone's text: opened in a browser it stays text (nosniff) and inert.
      downloadHeaders(reply, { type: 'text/plain; charset=utf-8' })
        .header('x-log-next-offset', String(next))
        .header('x-log-complete', String(attempt.status !== 'running'));
      // An ended log moves to the blob store; read after the chunks, so a move in between is seen.
      const archived = !streamed
        ? null
        : (attempt.log_sha256 ?? (attempt.status !== 'running' ? await archivedLogOf(db, attempt.id) : null));
      if (archived) {
        const blob = await deps.blobs.open(archived);
        if (!blob) throw new AppError('NOT_FOUND', `the log of job ${jobId} is missing from the blob store`);
        return reply.send(logFromOffset(blob, from));
      }
      // Where the chunks do not meet, the middle of a long log was dropped: the text says so there.
      return reply.send(streamed ? joinLogChunks(chunks, from) : (attempt.output ?? '').slice(from));
    },
  );
}
