import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { AppBuild, ErrorResponse, Page } from '../../protocol/api.js';
import { AppError } from '../../protocol/errors.js';
import type { ApiKey } from '../../storage/api-keys.js';
import { insertAppBuild, listAppBuilds } from '../../storage/app-builds.js';
import { appBuildView } from '../../storage/resource-views.js';
import { decodeCursor, encodeCursor } from '../../storage/cursor.js';
import { findProject, type Project } from '../../storage/projects.js';
import { buildFileName, readUrlBody, storeUpload } from '../app-build-upload.js';
import type { ServerDeps } from '../deps.js';
import { addressPolicy } from '../outbound-url-check.js';
import { assertProject, keyOf, projectScope } from '../principal.js';

const NAME = '^(?!\\d+$)[A-Za-z0-9][A-Za-z0-9._-]{0,99}$';
const UploadQuery = Type.Object(
  {
    project: Type.Optional(Type.String({ maxLength: 100 })),
    name: Type.String({ pattern: NAME, description: 'The app (`shop-android`).' }),
    version: Type.String({ minLength: 1, maxLength: 100, description: 'Its version (`1.4.2+87`).' }),
    sha256: Type.Optional(
      Type.String({
        pattern: '^[0-9a-fA-F]{64}$',
        description: 'Refuse the upload unless its content hashes to this.',
      }),
    ),
    file_name: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$',
        description: "Name of the file on agents (`shop.apk`); default: the URL's last segment or `name-version`.",
      }),
    ),
  },
  { additionalProperties: false },
);
type UploadQuery = { project?: string; name: string; version: string; sha256?: string; file_name?: string };
const ListQuery = Type.Object(
  {
    project: Type.Optional(Type.String({ maxLength: 100 })),
    name: Type.Optional(Type.String({ maxLength: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  },
  { additionalProperties: false },
);
const errors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  413: ErrorResponse,
  415: ErrorResponse,
};

/** The project named, else the key's only one, else `default`; it must exist and the key reach it. */
async function buildProject(deps: ServerDeps, key: ApiKey, name: string | undefined): Promise<Project> {
  const wanted = name ?? (key.projectIds?.length === 1 ? key.projectIds[0]! : 'default');
  const project = await findProject(deps.store.db, wanted);
  const missing = `project ${JSON.stringify(wanted)} does not exist`;
  if (!project) throw new AppError('NOT_FOUND', missing);
  assertProject(key, project.id, missing);
  return project;
}

/** Upload (raw file or URL) and list app builds; runs reference them per environment. */
export async function appBuildRoutes(app: FastifyInstance, deps: ServerDeps): Promise<void> {
  // Encapsulated, so the raw-stream parser serves this route only.
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    scope.post<{ Querystring: UploadQuery; Body: unknown }>(
      '/api/v1/app-builds',
      {
        config: { auth: 'PLAN_RUN' },
        schema: {
          tags: ['app-builds'],
          summary: 'Upload an app build (APK, IPA, zip) as application/octet-stream, or register a URL with {"url": …}',
          querystring: UploadQuery,
          response: { 201: AppBuild, ...errors },
        },
      },
      async (req, reply) => {
        const key = keyOf(req.principal);
        const q = req.query;
        const project = await buildProject(deps, key, q.project);
        const raw =
          (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() === 'application/octet-stream';
        const content = raw
          ? await storeUpload(req, deps.blobs, deps.config.appBuildLimit, q.sha256)
          : readUrlBody(req.body, q.sha256, addressPolicy(deps.config));
        const build = await insertAppBuild(deps.store.db, {
          projectId: project.id,
          name: q.name,
          version: q.version,
          fileName: buildFileName(q.name, q.version, q.file_name, content.url),
          ...content,
          createdBy: key.userId,
          createdAt: deps.queue.clock(),
        });
        return reply.status(201).send(appBuildView(build));
      },
    );
  });

  app.get<{ Querystring: { project?: string; name?: string; cursor?: string; limit?: number } }>(
    '/api/v1/app-builds',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['app-builds'],
        summary: 'List app builds, newest first',
        querystring: ListQuery,
        response: { 200: Page(AppBuild), ...errors },
      },
    },
    async (req) => {
      const key = keyOf(req.principal);
      const q = req.query;
      const scope = q.project !== undefined ? [(await buildProject(deps, key, q.project)).id] : projectScope(key);
      const beforeId = q.cursor !== undefined ? decodeCursor(q.cursor) : undefined;
      if (beforeId === null) throw new AppError('VALIDATION_FAILED', 'cursor: not a cursor this API returned');
      const limit = q.limit ?? 50;
      const rows = await listAppBuilds(deps.store.db, {
        projectIds: scope,
        ...(q.name !== undefined ? { name: q.name } : {}),
        ...(beforeId !== undefined ? { beforeId } : {}),
        limit,
      });
      const page = rows.slice(0, limit);
      return {
        items: page.map(appBuildView),
        next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
      };
    },
  );
}
