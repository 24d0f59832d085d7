import type { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { artifactName } from '../../domain/artifact-name.js';
import { essence, mediaType, showsInline } from '../../domain/media-type.js';
import { ErrorResponse } from '../../protocol/api.js';
import { AppError } from '../../protocol/errors.js';
import { storeArtifact } from '../../queue/store-artifact.js';
import { runArtifact, runArtifacts } from '../../storage/run-artifacts.js';
import { sendBlob } from '../blob-download.js';
import type { ServerDeps } from '../deps.js';
import { agentOf } from '../principal.js';
import { loadRun, numericId } from '../resolve.js';

const Artifact = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  content_type: Type.String(),
  size: Type.Integer(),
  sha256: Type.String(),
  job_id: Type.Integer(),
  attempt: Type.Integer(),
  scenario_id: Type.Union([Type.Integer(), Type.Null()]),
  url: Type.String(),
});
const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
  413: ErrorResponse,
};

export const artifactUrl = (runId: number, id: number) => `/api/v1/runs/${runId}/artifacts/${id}`;

/** Agents upload the files a job produced; API users list and download them. */
export async function artifactRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  const { db } = deps.store;
  await app.register(async (scope) => {
    // Encapsulated, so the raw-stream parser serves this route only.
    scope.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    scope.put<{
      Params: { job: string };
      Querystring: { name: string; sha256: string; scenario?: string; content_type?: string };
      Body: Readable;
    }>(
      '/api/agent/v1/jobs/:job/artifacts',
      {
        config: { auth: 'agent' },
        schema: {
          tags: ['agent'],
          summary: 'Upload a file a job produced (application/octet-stream; streamed, size-limited, SHA-256 checked)',
          params: Type.Object({ job: Type.String() }),
          headers: Type.Object({ 'x-lease-token': Type.String({ minLength: 1, maxLength: 100 }) }),
          querystring: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 1000 }),
              sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
              scenario: Type.Optional(
                Type.String({ maxLength: 4000, description: 'Key of the scenario the file belongs to.' }),
              ),
              content_type: Type.Optional(
                Type.String({
                  maxLength: 200,
                  description:
                    'Media type (image/png, video/webm); anything that is not one is stored as application/octet-stream.',
                }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 201: Artifact, ...errors },
        },
      },
      async (req, reply) => {
        const agent = agentOf(req.principal);
        if (!req.headers['content-type']?.startsWith('application/octet-stream'))
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'send the file as application/octet-stream');
        const name = artifactName(req.query.name);
        if (!name) throw new AppError('VALIDATION_FAILED', 'name: no usable file name left after removing path tricks');
        const jobId = numericId(req.params.job, 'job');
        // Advisory: a framework's report names it (Playwright's attach() takes any text). One that is
        // not a media type is kept as octet-stream rather than the file refused, and the answer says so.
        const contentType =
          req.query.content_type === undefined
            ? 'application/octet-stream'
            : (mediaType(req.query.content_type) ?? 'application/octet-stream');
        const row = await storeArtifact(
          deps.queue,
          deps.blobs,
          agent.id,
          jobId,
          {
            leaseToken: String(req.headers['x-lease-token']),
            name,
            contentType,
            sha256: req.query.sha256,
            scenarioKey: req.query.scenario ?? null,
          },
          req.body,
          deps.config.artifactLimit,
        );
        return reply.status(201).send({ ...row, url: artifactUrl(row.run_id, row.id) });
      },
    );
  });

  app.get<{ Params: { run: string } }>(
    '/api/v1/runs/:run/artifacts',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['runs'],
        summary: 'Files the jobs of a run produced',
        params: Type.Object({ run: Type.String() }),
        response: { 200: Type.Object({ items: Type.Array(Artifact) }), ...errors },
      },
    },
    async (req) => {
      const run = await loadRun(db, req.principal, req.params.run);
      const rows = await runArtifacts(db, run.id);
      return { items: rows.map((r) => ({ ...r, url: artifactUrl(run.id, r.id) })) };
    },
  );

  app.get<{ Params: { run: string; id: string } }>(
    '/api/v1/runs/:run/artifacts/:id',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['runs'],
        summary: 'Download one artifact',
        params: Type.Object({ run: Type.String(), id: Type.String() }),
        response: { ...errors },
      },
    },
    async (req, reply) => {
      const run = await loadRun(db, req.principal, req.params.run);
      const row = await runArtifact(db, run.id, numericId(req.params.id, 'id'));
      if (!row) throw new AppError('NOT_FOUND', `run ${run.id} has no artifact ${req.params.id}`);
      // Pictures and videos of a fixed list show inline; anything else downloads as bytes, so an
      // SVG, HTML or XML artifact never runs as a page of ours. Rows stored before types were checked
      // are checked again here.
      const type = mediaType(row.content_type);
      const inline = type !== null && showsInline(type);
      return sendBlob(reply, deps.blobs, {
        sha256: row.sha256,
        size: Number(row.size),
        type: inline ? essence(type) : 'application/octet-stream',
        disposition: { kind: inline ? 'inline' : 'attachment', fileName: row.name.split('/').pop()! },
        what: `artifact ${row.id}`,
      });
    },
  );
}
