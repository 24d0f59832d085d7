import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { RetentionPassView, UsageView } from '../../protocol/admin-api.js';
import { ErrorResponse } from '../../protocol/api.js';
import { AppError } from '../../protocol/errors.js';
import type { ApiKey } from '../../storage/api-keys.js';
import { retentionPolicyView } from '../../storage/resource-views.js';
import { usage } from '../../storage/usage.js';
import type { ServerDeps } from '../deps.js';
import { downloadHeaders } from '../download-headers.js';
import { keyOf } from '../principal.js';
import { listScope } from '../resolve.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

/** What concerns the whole server is for an ADMIN key of every project, not one limited to some. */
function serverWide(key: ApiKey, what: string): void {
  if (key.projectIds !== null)
    throw new AppError(
      'FORBIDDEN',
      `${what} concerns every project: it needs an ADMIN key that is not limited to projects`,
    );
}

/** Usage and retention, and the online backup of a SQLite database. */
export function adminRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { db } = deps.store;
  app.get<{ Querystring: { project?: string } }>(
    '/api/v1/admin/usage',
    {
      config: { auth: 'ADMIN' },
      schema: {
        tags: ['admin'],
        summary: 'Rows and bytes per project, plan and kind, and what the next retention pass will delete',
        querystring: Type.Object(
          { project: Type.Optional(Type.String({ maxLength: 100 })) },
          { additionalProperties: false },
        ),
        response: { 200: UsageView, ...errors },
      },
    },
    async (req) => {
      const key = keyOf(req.principal);
      const projectIds = await listScope(db, key, req.query.project);
      const u = await usage(db, {
        projectIds,
        defaults: deps.config.retention,
        historyRuns: deps.config.retentionHistoryRuns,
        now: deps.queue.clock(),
        withBlobs: key.projectIds === null && req.query.project === undefined,
        graceMs: deps.blobs.graceMs,
      });
      return { ...u, policies: u.policies.map((p) => ({ project: p.project, policy: retentionPolicyView(p.policy) })) };
    },
  );

  app.post(
    '/api/v1/admin/retention',
    {
      config: { auth: 'ADMIN' },
      schema: {
        tags: ['admin'],
        summary: 'Run a retention pass now (after the one under way) and answer what it deleted',
        response: { 200: RetentionPassView, ...errors },
      },
    },
    async (req) => {
      serverWide(keyOf(req.principal), 'a retention pass');
      const started = Date.now();
      const c = await deps.retention.runNow();
      return {
        runs: c.runs,
        results: c.results,
        logs: c.logs,
        artifacts: c.artifacts,
        app_builds: c.appBuilds,
        blobs: c.blobs,
        statements: c.statements,
        duration_ms: Date.now() - started,
      };
    },
  );

  app.get(
    '/api/v1/admin/backup',
    {
      config: { auth: 'ADMIN' },
      schema: {
        tags: ['admin'],
        summary:
          'A consistent copy of the SQLite database, made while the server runs; X-Checksum-Sha256 carries its checksum',
        description:
          'SQLite only (on PostgreSQL use pg_dump). Blobs are not in it: copy <data-dir>/blobs or the bucket after it.',
        response: { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (req, reply) => {
      serverWide(keyOf(req.principal), 'a backup');
      const backup = deps.store.backup;
      if (!backup)
        throw new AppError(
          'CONFLICT',
          'this server uses PostgreSQL: back it up with pg_dump (see the README), not through Proctor',
        );
      // In the data directory: the same file system (and its free space), private like the database.
      const file = join(deps.config.dataDir, `backup-${Date.now()}-${randomBytes(4).toString('hex')}.db`);
      try {
        await backup(file);
        const hash = createHash('sha256');
        for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
        const size = (await stat(file)).size;
        const body = createReadStream(file);
        body.on('close', () => void rm(file, { force: true }));
        return downloadHeaders(reply, {
          type: 'application/vnd.sqlite3',
          disposition: { kind: 'attachment', fileName: 'proctor.db' },
        })
          .header('content-length', String(size))
          .header('x-checksum-sha256', hash.digest('hex'))
          .send(body);
      } catch (e) {
        await rm(file, { force: true });
        throw e;
      }
    },
  );
}
