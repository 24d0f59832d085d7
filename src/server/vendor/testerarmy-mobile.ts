import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from 'typebox';
import { AppError } from '../../protocol/errors.js';
import { apiKeyWithHash } from '../../storage/api-keys.js';
import { findAppBuild, insertAppBuild, type AppBuildRecord } from '../../storage/app-builds.js';
import { findProject } from '../../storage/projects.js';
import { neededAppBuilds } from '../../storage/retention-candidates.js';
import { deleteAppBuild } from '../../storage/run-deletion.js';
import { storeUpload } from '../app-build-upload.js';
import type { ServerDeps } from '../deps.js';
import { hasAuthority, keyOf } from '../principal.js';
import { visibleProject } from '../resolve.js';
import { PREFIXES } from './testerarmy-error.js';
import { readUploadGrant, signUploadGrant, UPLOAD_GRANT_MS, type UploadGrant } from './testerarmy-upload-grant.js';

const Project = Type.String({ maxLength: 100, description: "The Proctor project's name or id." });
const Upload = Type.Object({
  filename: Type.String({ minLength: 1, maxLength: 500, description: 'The file name (`MyApp.app.zip`, `app.apk`).' }),
  fileSize: Type.Integer({ minimum: 1, description: 'Its size in bytes: the upload must send exactly this many.' }),
  removeAfter: Type.Optional(
    Type.Integer({ minimum: 60, maximum: 604800, description: 'Accepted and echoed; Proctor does not expire builds.' }),
  ),
});
const Confirm = Type.Object({
  storageKey: Type.String({ maxLength: 200, description: 'The storageKey the upload answered.' }),
  filename: Type.String({ minLength: 1, maxLength: 500 }),
  fileSize: Type.Integer({ minimum: 1 }),
  removeAfter: Type.Optional(Type.Integer({ minimum: 60, maximum: 604800 })),
});
type Upload = Static<typeof Upload>;
type Confirm = Static<typeof Confirm>;

const STORAGE_KEY = /^uploads\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const APP_NAME = /^(?!\d+$)[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * TesterArmy's mobile app uploads, as an app build of the project (`POST /api/v1/app-builds`):
 *
 * 1. `POST {prefix}/projects/{project}/mobile/upload` `{filename, fileSize}` answers an `uploadUrl`
 *    (presigned: it carries a grant signed for the asking key) and a `storageKey`;
 * 2. `PUT uploadUrl` with the file as the body, no Authorization: streamed into the blob store
 *    (never whole in memory), exactly `fileSize` bytes; the build exists from then on, named after
 *    the file, its version the upload's UUID;
 * 3. `POST …/mobile/upload/confirm` `{storageKey, filename, fileSize}` answers `{app: {id}}`, the
 *    build's UUID: the `appId` of a trigger (`mobile.appId` of a group webhook).
 *
 * `DELETE …/mobile/{appId}` deletes a build no active or kept run and no plan still needs.
 */
export async function testerArmyMobileRoutes(scope: FastifyInstance, deps: ServerDeps): Promise<void> {
  const db = deps.store.db;
  const tags = ['compat: TesterArmy'];
  for (const prefix of PREFIXES) {
    scope.post<{ Params: { projectId: string }; Body: Upload }>(
      `${prefix}/projects/:projectId/mobile/upload`,
      {
        config: { auth: 'PLAN_RUN' },
        schema: {
          tags,
          summary: 'TesterArmy: initiate a mobile app upload (answers a presigned uploadUrl for a PUT)',
          params: Type.Object({ projectId: Project }),
          body: Upload,
        },
      },
      async (req) => {
        const key = keyOf(req.principal);
        const project = await visibleProject(db, key, req.params.projectId);
        const { filename, fileSize, removeAfter } = req.body;
        if (fileSize > deps.config.appBuildLimit)
          throw new AppError(
            'PAYLOAD_TOO_LARGE',
            `fileSize: ${fileSize} bytes exceeds the limit of ${deps.config.appBuildLimit} bytes (PROCTOR_APP_BUILD_LIMIT)`,
          );
        const signing = await apiKeyWithHash(db, key.id);
        if (!signing) throw new AppError('UNAUTHENTICATED', 'this API key no longer exists');
        const grant: UploadGrant = {
          projectId: project.id,
          keyId: key.id,
          uuid: randomUUID(),
          fileName: fileNameOf(filename),
          fileSize,
          expiresAt: deps.queue.clock() + UPLOAD_GRANT_MS,
        };
        const token = signUploadGrant(grant, signing.secretHash);
        const path = `${prefix}/projects/${encodeURIComponent(req.params.projectId)}/mobile/uploads/${grant.uuid}`;
        return {
          uploadUrl: `${origin(req)}${path}?grant=${token}`,
          storageKey: `uploads/${grant.uuid}`,
          filename,
          fileSize,
          removeAfter: removeAfter ?? null,
        };
      },
    );

    // The PUT reads its body as a stream, so it lives in a scope of its own with a raw parser.
    await scope.register(async (raw) => {
      raw.removeAllContentTypeParsers();
      raw.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
      raw.put<{ Params: { projectId: string; uuid: string }; Querystring: { grant: string } }>(
        `${prefix}/projects/:projectId/mobile/uploads/:uuid`,
        {
          // The grant in the URL is the credential, as in a presigned storage URL; checked below.
          config: { auth: 'public' },
          schema: {
            tags,
            summary: "TesterArmy: the uploadUrl's PUT of the file (the grant in the URL is the credential)",
            security: [],
            params: Type.Object({ projectId: Project, uuid: Type.String({ format: 'uuid' }) }),
            querystring: Type.Object({ grant: Type.String({ maxLength: 2000, description: 'The signed grant.' }) }),
          },
        },
        async (req) => {
          const { grant, userId } = await checkGrant(deps, req.params, req.query.grant);
          if (await findAppBuild(db, grant.uuid))
            throw new AppError(
              'CONFLICT',
              `this upload URL was used already: ask for a new one with POST ${prefix}/projects/{project}/mobile/upload`,
            );
          if (req.body === undefined)
            throw new AppError('VALIDATION_FAILED', `the body is empty: send the file's ${grant.fileSize} bytes`);
          const declared = Number(req.headers['content-length']);
          if (Number.isFinite(declared) && declared !== grant.fileSize) throw wrongSize(declared, grant.fileSize);
          const stored = await storeUpload(req, deps.blobs, grant.fileSize, undefined).catch((e: unknown) => {
            throw e instanceof AppError && e.code === 'PAYLOAD_TOO_LARGE' ? wrongSize('more', grant.fileSize) : e;
          });
          if (stored.size !== grant.fileSize) throw wrongSize(stored.size ?? 0, grant.fileSize);
          // The build's name is the file's, where it makes one (GET /api/v1/app-builds?name=…).
          const name = APP_NAME.test(grant.fileName.slice(0, 100)) ? grant.fileName.slice(0, 100) : 'app';
          try {
            await insertAppBuild(db, {
              uuid: grant.uuid,
              projectId: grant.projectId,
              name,
              version: grant.uuid,
              fileName: grant.fileName,
              ...stored,
              createdBy: userId,
              createdAt: deps.queue.clock(),
            });
          } catch (e) {
            if (deps.store.cap.isUniqueViolation(e))
              throw new AppError('CONFLICT', 'this upload URL was used already: ask for a new one');
            throw e;
          }
          return { uploaded: true, storageKey: `uploads/${grant.uuid}`, fileSize: stored.size, sha256: stored.sha256 };
        },
      );
    });

    scope.post<{ Params: { projectId: string }; Body: Confirm }>(
      `${prefix}/projects/:projectId/mobile/upload/confirm`,
      {
        config: { auth: 'PLAN_RUN' },
        schema: {
          tags,
          summary: 'TesterArmy: confirm a mobile app upload (answers the app build as {app: {id}})',
          params: Type.Object({ projectId: Project }),
          body: Confirm,
        },
      },
      async (req, reply) => {
        const key = keyOf(req.principal);
        const project = await visibleProject(db, key, req.params.projectId);
        const m = STORAGE_KEY.exec(req.body.storageKey);
        if (!m)
          throw new AppError(
            'VALIDATION_FAILED',
            `storageKey: expected the storageKey that POST ${prefix}/projects/{project}/mobile/upload answered (uploads/<uuid>)`,
          );
        const build = await findAppBuild(db, m[1]!);
        if (!build || build.projectId !== project.id)
          throw new AppError(
            'VALIDATION_FAILED',
            `storageKey: nothing was uploaded for ${req.body.storageKey} in this project: PUT the file to the uploadUrl first`,
          );
        if (build.size !== req.body.fileSize)
          throw new AppError(
            'VALIDATION_FAILED',
            `fileSize: the upload holds ${build.size} bytes, not ${req.body.fileSize}`,
          );
        return reply.status(201).send({ app: appView(build, req.body.removeAfter ?? null) });
      },
    );

    scope.delete<{ Params: { projectId: string; appId: string } }>(
      `${prefix}/projects/:projectId/mobile/:appId`,
      {
        config: { auth: 'PLAN_RUN' },
        schema: {
          tags,
          summary: 'TesterArmy: delete a mobile app (an app build no active or kept run, and no plan, needs)',
          params: Type.Object({
            projectId: Project,
            appId: Type.String({ format: 'uuid', description: "The build's UUID." }),
          }),
        },
      },
      async (req) => {
        const key = keyOf(req.principal);
        const project = await visibleProject(db, key, req.params.projectId);
        const build = await findAppBuild(db, req.params.appId);
        if (!build || build.projectId !== project.id)
          throw new AppError('NOT_FOUND', `mobile app ${req.params.appId} does not exist in this project`);
        if ((await neededAppBuilds(db, project.id)).has(build.id) || !(await deleteAppBuild(db, build.id)))
          throw new AppError(
            'CONFLICT',
            `mobile app ${req.params.appId} is still needed (a queued, running or kept run, or a plan's mobile app setting): delete it once that run has ended`,
          );
        // The content goes once no other build holds it and its grace period is over (retention).
        if (build.sha256) await deps.blobs.release(build.sha256).catch(() => undefined);
        return { deleted: true };
      },
    );
  }
}

/**
 * Checks an upload URL: a well-formed grant for this build and project, not expired, signed for a
 * live key that may still run plans in that project. Every refusal says the same, as a storage
 * service's presigned URL does.
 */
async function checkGrant(
  deps: ServerDeps,
  params: { projectId: string; uuid: string },
  token: string,
): Promise<{ grant: UploadGrant; userId: number }> {
  const refused = new AppError(
    'FORBIDDEN',
    'this upload URL is not valid (expired, altered, or its key was revoked): ask for a new one with POST …/mobile/upload',
  );
  const read = readUploadGrant(token);
  if (!read || read.grant.uuid !== params.uuid.toLowerCase() || read.grant.expiresAt < deps.queue.clock())
    throw refused;
  const project = await findProject(deps.store.db, params.projectId);
  const signing = await apiKeyWithHash(deps.store.db, read.grant.keyId);
  if (!project || project.id !== read.grant.projectId || !signing || signing.key.revokedAt !== null) throw refused;
  const reaches = signing.key.projectIds === null || signing.key.projectIds.includes(project.id);
  if (!read.verify(signing.secretHash) || !hasAuthority(signing.key, 'PLAN_RUN') || !reaches) throw refused;
  return { grant: read.grant, userId: signing.key.userId };
}

function wrongSize(sent: number | 'more', declared: number): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    `the upload sent ${sent === 'more' ? 'more than' : sent} bytes where fileSize said ${declared}: ask for a new upload URL with the file's size`,
  );
}

/** The name the file gets on agents: the caller's, reduced to letters, digits, `.`, `_` and `-`. */
function fileNameOf(filename: string): string {
  const base = filename.split(/[/\\]/).pop() ?? '';
  const safe = base.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return (safe || 'app').slice(0, 200);
}

/** Where the caller reached this server, for the upload URL it is handed back. */
function origin(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

/** A build as TesterArmy's mobile app: Android for an APK or AAB, else an iOS simulator app. */
function appView(b: AppBuildRecord, removeAfter: number | null): Record<string, unknown> {
  return {
    id: b.uuid,
    platform: /\.(apk|aab)$/i.test(b.fileName) ? 'android' : 'ios',
    filename: b.fileName,
    bundleId: null,
    appVersion: null,
    buildVersion: null,
    fileSize: b.size,
    source: 'api_upload',
    expiresAt: null,
    removeAfter,
    createdAt: new Date(b.createdAt).toISOString(),
  };
}
