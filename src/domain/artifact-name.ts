/**
 * Makes an artifact name safe to store and serve: `/`-separated, no absolute path, no `.` or `..`
 * segment, no control characters, at most 300 characters. Returns null when nothing usable is left.
 *
 * @example artifactName('../../etc/passwd') === 'etc/passwd'
 */
export function artifactName(raw: string): string | null {
  const segments = raw
    .replace(/\\/g, '/')
    .split('/')
    .map((s) => s.replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '_').trim())
    .filter((s) => s !== '' && s !== '.' && s !== '..');
  const name = segments.join('/').slice(-300);
  return name === '' ? null : name;
}

/** A content type for a file name, for the common artifact kinds; octet-stream otherwise. */
export function contentTypeOf(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? '';
  const types: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    webp: 'image/webp',
    webm: 'video/webm',
    mp4: 'video/mp4',
    zip: 'application/zip',
    json: 'application/json',
    txt: 'text/plain',
    log: 'text/plain',
    html: 'text/html',
    xml: 'application/xml',
  };
  return types[ext] ?? 'application/octet-stream';
}
