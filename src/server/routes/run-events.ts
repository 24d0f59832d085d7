import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '../../protocol/api.js';
import type { ServerDeps } from '../deps.js';
import { loadRun } from '../resolve.js';
import type { SendEvent } from '../run-feed.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

/**
 * `GET /api/v1/runs/:run/events`: the run's live updates as server-sent events. Browsers' EventSource
 * cannot send an Authorization header, so the dashboard reads this stream with fetch.
 */
export function runEventsRoute(app: FastifyInstance, deps: ServerDeps): void {
  app.get<{ Params: { run: string } }>(
    '/api/v1/runs/:run/events',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['runs'],
        summary: 'Live updates of a run (text/event-stream)',
        description:
          'Events: `snapshot` ({ run, results }: the run and all its result rows), then `run` (the run, when its status or counts change), `results` ({ items }: the rows that changed), and `end` ({ status, result }) after which the server closes the stream.',
        params: Type.Object({ run: Type.String({ description: 'Run id or UUID.' }) }),
        produces: ['text/event-stream'],
        response: { 200: Type.String({ description: 'text/event-stream' }), ...errors },
      },
    },
    async (req, reply) => {
      const run = await loadRun(deps.store.db, req.principal, req.params.run);
      const stream = new PassThrough();
      const stop = new AbortController();
      const done = () => stop.abort();
      reply.raw.once('close', done);
      const send: SendEvent = (event, data) => void stream.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const ping = () => void stream.write(': keep-alive\n\n');
      deps.feeds
        .follow(run.id, { send, ping }, stop.signal)
        .catch((e: unknown) => {
          if (!stop.signal.aborted) req.log.warn({ err: e, run: run.id }, 'run feed stopped');
        })
        .finally(() => {
          reply.raw.off('close', done);
          stream.end();
        });
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-cache, no-transform')
        .header('x-accel-buffering', 'no')
        .send(stream);
    },
  );
}
