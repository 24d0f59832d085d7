import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no types (its @types package describes the original, older API)
import S3rver from '@20minutes/s3rver';

/**
 * A real S3-compatible server for tests: s3rver (the @20minutes fork, maintained for Node 20+), in
 * this process, on a free port, keeping objects in a temporary directory. It speaks the API the AWS
 * SDK uses here, multipart uploads and presigned URLs included. Its signature check differs from
 * the SDK's on some query strings (`?delete`, a `prefix` with `/`), so it is told not to enforce
 * signatures; what is tested is Proctor's use of the API, not S3's authentication.
 */
export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** PROCTOR_BLOB_URL for a server using this bucket under `prefix`. */
  blobUrl(prefix: string, opts?: { presign?: boolean }): string;
  /** The AWS variables a server process needs to reach it. */
  env: Record<string, string>;
  dir: string;
  close(): Promise<void>;
}

export async function startTestS3(bucket = 'proctor-test'): Promise<TestS3> {
  const dir = mkdtempSync(join(tmpdir(), 'proctor-s3-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    allowMismatchedSignatures: true,
    directory: dir,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = (await server.run()) as { port: number };
  const endpoint = `http://127.0.0.1:${port}`;
  const env = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
  Object.assign(process.env, env);
  return {
    endpoint,
    bucket,
    env,
    dir,
    blobUrl: (prefix, opts = {}) =>
      `s3://${bucket}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1${opts.presign ? '&presign=true' : ''}`,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
