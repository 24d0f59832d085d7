/** Where blobs live: the data directory (the default) or an S3-compatible bucket. */
export type BlobLocation =
  | { kind: 'local' }
  | {
      kind: 's3';
      bucket: string;
      /** Key prefix without slashes at either end; '' for the bucket's root. */
      prefix: string;
      /** Another S3-compatible server (MinIO, Ceph, Garage…); unset: AWS. */
      endpoint: string | undefined;
      region: string | undefined;
      /** Path-style addressing (`endpoint/bucket/key`), which most S3-compatible servers need. */
      pathStyle: boolean;
      /** Downloads answer with a redirect to a presigned URL instead of passing the bytes through. */
      presign: boolean;
    };

const OPTIONS = ['endpoint', 'region', 'path_style', 'presign'] as const;
// S3's own bucket naming rules (3–63 of lowercase letters, digits, dots and dashes).
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Reads `PROCTOR_BLOB_URL`: unset or empty is the data directory; `s3://bucket/prefix?endpoint=…&region=…`
 * a bucket. Returns the location or a sentence saying what is wrong. Credentials never go here: the
 * S3 client reads them from the usual AWS variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, a profile, a role).
 *
 * @example parseBlobUrl('s3://proctor/blobs?endpoint=http://127.0.0.1:9000&region=us-east-1')
 */
export function parseBlobUrl(raw: string | undefined): BlobLocation | string {
  if (raw === undefined || raw.trim() === '' || raw.trim() === 'local') return { kind: 'local' };
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return `expected s3://bucket/prefix?endpoint=…&region=… (or nothing for the data directory), got ${JSON.stringify(raw.slice(0, 100))}`;
  }
  if (url.protocol !== 's3:')
    return `expected an s3:// URL, got ${url.protocol}// (leave it unset for <data-dir>/blobs)`;
  if (url.username || url.password)
    return 'credentials do not belong in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile or role) instead';
  if (!BUCKET.test(url.hostname))
    return `"${url.hostname}" is not a bucket name (3 to 63 lowercase letters, digits, dots and dashes)`;
  const unknown = [...url.searchParams.keys()].filter((k) => !(OPTIONS as readonly string[]).includes(k));
  if (unknown.length)
    return `unknown option ${unknown.map((k) => JSON.stringify(k)).join(', ')}; expected ${OPTIONS.join(', ')}`;
  const endpoint = url.searchParams.get('endpoint') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint))
    return `endpoint: expected an http(s) URL like http://127.0.0.1:9000, got ${JSON.stringify(endpoint)}`;
  const flag = (name: string, fallback: boolean): boolean | string => {
    const v = url.searchParams.get(name);
    if (v === null) return fallback;
    if (['1', 'true', 'yes'].includes(v)) return true;
    if (['0', 'false', 'no'].includes(v)) return false;
    return `${name}: expected true or false, got ${JSON.stringify(v)}`;
  };
  // Only AWS itself serves virtual-hosted buckets reliably; another server most likely wants paths.
  const pathStyle = flag('path_style', endpoint !== undefined);
  const presign = flag('presign', false);
  if (typeof pathStyle === 'string') return pathStyle;
  if (typeof presign === 'string') return presign;
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  return {
    kind: 's3',
    bucket: url.hostname,
    prefix,
    endpoint,
    region: url.searchParams.get('region') ?? undefined,
    pathStyle,
    presign,
  };
}
