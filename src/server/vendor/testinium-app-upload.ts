import { PassThrough } from 'node:stream';
import multipart, { type Multipart } from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError, isAppError } from '../../protocol/errors.js';
import { insertAppBuild, type AppBuildRecord } from '../../storage/app-builds.js';
import type { ServerDeps } from '../deps.js';
import { keyOf } from '../principal.js';
import { visibleProject } from '../resolve.js';
import { mobileApp, mobileOsOf } from './testinium-view.js';

/** The form fields a file may come in: `files` (Testinium enterprise), `file` (Testinium's cloud). */
const FILE_FIELDS = new Set(['files', 'file']);
const MAX_FILES = 10;
const APPS = 'an Android (.apk, .aab) or iOS (.ipa, .app, .app.zip, .zip) app';
const HOW = 'send multipart/form-data with the app as a part named files (curl -F files=@app.apk)';

/**
 * Testinium's `POST /Testinium.RestApi/api/file/project/{projectId}`, the upload Appcircle's
 * "Testinium Upload App" step makes: each file of the form's `files` becomes an app build of the
 * project, which `…/setAndroidMobileApp/{id}` and `…/setIosMobileApp/{id}` then select by id. The
 * file streams to the blob store as the native upload's does (checksummed, refused past
 * PROCTOR_APP_BUILD_LIMIT), never whole in memory. Other fields (`isSignRequired`) are read and
 * ignored: Proctor does not re-sign apps.
 */
export async function testiniumAppUploadRoutes(scope: FastifyInstance, deps: ServerDeps): Promise<void> {
  const limit = deps.config.appBuildLimit;
  // Encapsulated, so the multipart parser serves this route only.
  await scope.register(async (upload) => {
    await upload.register(multipart, {
      // The blob store's meter refuses a file past the limit; busboy's limit, a byte above it, only
      // guarantees the meter sees that byte (busboy cuts a file at its limit and ends it quietly).
      limits: { fileSize: limit + 1, files: MAX_FILES, fields: 20, fieldSize: 64 * 1024, parts: MAX_FILES + 20 },
    });
    upload.post<{ Params: { project: string } }>(
      '/Testinium.RestApi/api/file/project/:project',
      {
        config: { auth: 'PLAN_RUN', testiniumNotFound: 'Project not found' },
        schema: {
          tags: ['compat: Testinium'],
          summary:
            "Testinium REST API: upload mobile apps to a project as multipart/form-data `files`; each becomes an app build, answered as Testinium's MobileApp",
          description:
            'Each file part (`files`, or `file`) is streamed to the blob store as an app build of the project: its name the file name without the extension, its version the first 12 hex digits of its SHA-256. The file name must end in .apk or .aab (Android) or .ipa, .app, .app.zip or .zip (iOS). Other fields are ignored. Answers the MobileApps, as `GET /Testinium.RestApi/api/projects/{id}` lists them.',
          consumes: ['multipart/form-data'],
          params: Type.Object({
            project: Type.String({ minLength: 1, maxLength: 100, description: 'Project id or name.' }),
          }),
        },
      },
      async (req) => {
        const key = keyOf(req.principal);
        const project = await visibleProject(deps.store.db, key, req.params.project);
        if (!req.isMultipart())
          throw new AppError('UNSUPPORTED_MEDIA_TYPE', `the body is not a multipart form: ${HOW}`);
        try {
          const builds = await storeAppFiles(req, deps, project.id, key.userId);
          return builds.map((b) => mobileApp(b, mobileOsOf(b.fileName)!));
        } catch (e) {
          // What is left of the body is read and dropped, so a client still sending gets the answer.
          req.raw.unpipe();
          req.raw.resume();
          throw e;
        }
      },
    );
  });
}

/**
 * Streams each file part into the blob store, then records them as app builds of the project: none
 * if any part is refused (a blob stored before is then unreferenced, and the retention sweep
 * removes it).
 */
async function storeAppFiles(
  req: FastifyRequest,
  deps: ServerDeps,
  projectId: number,
  userId: number,
): Promise<AppBuildRecord[]> {
  const files: { fileName: string; sha256: string; size: number }[] = [];
  for await (const part of formParts(req)) {
    if (part.type !== 'file') continue;
    if (!FILE_FIELDS.has(part.fieldname))
      throw invalid(`the form part "${part.fieldname.slice(0, 100)}" holds a file, which is not read here: ${HOW}`);
    const fileName = appFileName(part.filename);
    // Piped through a PassThrough that only errors with a client's mistake: an error of the store
    // stays the server's (500), a broken or oversized upload is the client's (4xx).
    const source = new PassThrough();
    part.file.on('error', (e) => source.destroy(formError(e)));
    part.file.pipe(source);
    files.push({ fileName, ...(await deps.blobs.put(source, { maxBytes: deps.config.appBuildLimit })) });
  }
  if (files.length === 0) throw invalid(`files: the form holds no file: ${HOW}`);
  const builds: AppBuildRecord[] = [];
  for (const f of files) {
    builds.push(
      await insertAppBuild(deps.store.db, {
        projectId,
        name: buildName(f.fileName),
        version: f.sha256.slice(0, 12),
        fileName: f.fileName,
        sha256: f.sha256,
        size: f.size,
        url: null,
        createdBy: userId,
        createdAt: deps.queue.clock(),
      }),
    );
  }
  return builds;
}

/** The form's parts; what cannot be read is the client's mistake, said in a sentence. */
async function* formParts(req: FastifyRequest): AsyncGenerator<Multipart> {
  const parts = req.parts();
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      next = await parts.next();
    } catch (e) {
      throw formError(e);
    }
    if (next.done) return;
    yield next.value;
  }
}

/** Errors of @fastify/multipart and busboy, which are all about what the client sent. */
function formError(e: unknown): AppError {
  if (isAppError(e)) return e;
  const code = (e as { code?: unknown }).code;
  const message = e instanceof Error ? e.message : String(e);
  if (code === 'FST_REQ_FILE_TOO_LARGE')
    return new AppError('PAYLOAD_TOO_LARGE', 'files: the file exceeds the limit (PROCTOR_APP_BUILD_LIMIT)');
  if (code === 'FST_FILES_LIMIT')
    return new AppError('PAYLOAD_TOO_LARGE', `files: at most ${MAX_FILES} files in one upload; send the others apart`);
  if (code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
    return new AppError('PAYLOAD_TOO_LARGE', `the form has too many parts: ${HOW}`);
  return new AppError('MALFORMED_REQUEST', `the multipart body could not be read (${message.slice(0, 200)}): ${HOW}`);
}

/**
 * The file name a build keeps (agents save it under that name): the client's, without a directory,
 * its characters outside letters, digits, `.`, `_` and `-` replaced by `_`, starting with a letter
 * or digit. Its ending must say
 * which OS the app is for: that is how Testinium's app selection tells them apart.
 */
export function appFileName(raw: string | undefined): string {
  const base = (raw ?? '').split(/[\\/]/).pop() ?? '';
  let name = base.replace(/[^A-Za-z0-9._-]/g, '_');
  // A name must start with a letter or digit; `😀.apk` keeps its ending as `app_.apk`.
  if (name !== '' && !/^[A-Za-z0-9]/.test(name)) name = `app${name}`;
  if (name.length > 200) {
    const ending = /\.(?:app\.zip|[A-Za-z0-9]{1,10})$/.exec(name)?.[0] ?? '';
    name = name.slice(0, 200 - ending.length) + ending;
  }
  if (name === '') throw invalid(`files: the file has no name, and its name must say it is ${APPS}`);
  if (mobileOsOf(name) === null) throw invalid(`files: "${name}" is not a mobile app: send ${APPS}`);
  return name;
}

/** A build's name: the file's without its ending (`app-release.apk` → `app-release`), never all digits. */
function buildName(fileName: string): string {
  const stem = fileName.replace(/\.(?:app\.zip|[A-Za-z0-9]+)$/i, '').slice(0, 96) || 'app';
  return /^\d+$/.test(stem) ? `app-${stem}` : stem;
}

function invalid(message: string): AppError {
  return new AppError('VALIDATION_FAILED', message);
}
