import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { AddressPolicy } from '../domain/address-policy.js';
import { OutboundRefusedError } from '../domain/outbound-target.js';
import type { AppBuildRef, ClaimedJob } from '../protocol/agent-api.js';
import { jobPolicy } from './job-policy.js';
import { vettedDownload } from './vetted-download.js';

/** Where builds come from: the server's agent API (AgentClient implements it). */
export interface AppBuildSource {
  download(path: string, signal?: AbortSignal): Promise<Response>;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

/**
 * The variables a job's tests get for its app build: `PROCTOR_APP_PATH`, the path of a verified
 * local copy, or nothing when the job has no build.
 *
 * @example env = { ...env, ...(await appBuildEnv(job, { workRoot, signal, appBuilds: client })) }
 */
export async function appBuildEnv(
  job: ClaimedJob,
  opts: { workRoot: string; signal: AbortSignal; appBuilds?: AppBuildSource | undefined },
): Promise<Record<string, string>> {
  if (!job.app_build) return {};
  return {
    PROCTOR_APP_PATH: await fetchAppBuild(
      job.app_build,
      { source: opts.appBuilds, policy: jobPolicy(job) },
      opts.workRoot,
      opts.signal,
    ),
  };
}

/** Where a build may come from: the server (`source`), or its URL under the server's outbound `policy`. */
export interface AppBuildOrigins {
  source?: AppBuildSource | undefined;
  policy: AddressPolicy;
}

/**
 * Makes a build available under `<workRoot>/.proctor/app-builds/<sha256>/<name>` and returns that
 * path. A build already there is used as is: it was verified when it was put there, and the
 * directory is named by its content. Otherwise it is downloaded (from the server, or from its URL
 * under the outbound policy and without our credentials, see {@link vettedDownload}), hashed while
 * written to a temporary file, and moved into place only when its checksum and size match: a
 * corrupt or partial download is never used.
 */
export async function fetchAppBuild(
  build: AppBuildRef,
  from: AppBuildOrigins,
  workRoot: string,
  signal: AbortSignal,
): Promise<string> {
  const root = join(workRoot, '.proctor', 'app-builds');
  const name = SAFE_NAME.test(build.name) ? build.name : 'app';
  if (build.sha256) {
    const cached = join(root, build.sha256, name);
    if (
      await stat(cached).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return cached;
  }
  const body = await open(build, from, signal);
  await mkdir(join(root, 'tmp'), { recursive: true });
  const tmp = join(root, 'tmp', randomBytes(8).toString('hex'));
  try {
    const { sha256, size } = await writeHashed(body, tmp);
    if (build.sha256 && sha256 !== build.sha256)
      throw new Error(
        `app build ${build.id}: checksum mismatch: the download hashes to ${sha256}, not ${build.sha256}; it was not used`,
      );
    if (build.size !== null && size !== build.size)
      throw new Error(`app build ${build.id}: size mismatch: ${size} bytes downloaded, ${build.size} expected`);
    await mkdir(join(root, sha256), { recursive: true });
    const final = join(root, sha256, name);
    // Two jobs fetching one build at once both end with the same content here; rename is atomic.
    await rename(tmp, final);
    return final;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function open(build: AppBuildRef, from: AppBuildOrigins, signal: AbortSignal): Promise<Readable> {
  if (build.url) {
    try {
      return await vettedDownload(build.url, from.policy, signal);
    } catch (e) {
      const message = `app build ${build.id}: ${(e as Error).message}`;
      throw e instanceof OutboundRefusedError ? new OutboundRefusedError(message) : new Error(message, { cause: e });
    }
  }
  if (!from.source) throw new Error(`app build ${build.id}: this agent has no server to download it from`);
  const res = await from.source.download(`/api/agent/v1/app-builds/${build.id}/content`, signal);
  if (!res.body) throw new Error(`app build ${build.id}: the download has no body`);
  return Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
}

async function writeHashed(body: Readable, file: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(body, meter, createWriteStream(file));
  return { sha256: hash.digest('hex'), size };
}
