/**
 * Control characters (C0, DEL, C1), the characters Windows refuses in file names, and the
 * invisible characters that reorder text (`invoice\u202Etxt.exe` would show as `invoiceexe.txt`).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f"<>|:*?\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Makes an artifact name safe to store and serve: `/`-separated, no absolute path, no `.` or `..`
 * segment, no control or text-reordering characters, at most 300 characters (the end of the name is
 * kept, never half of a character). Returns null when nothing usable is left.
 *
 * @example artifactName('../../etc/passwd') === 'etc/passwd'
 */
export function artifactName(raw: string): string | null {
  const segments = raw
    .replace(/\\/g, '/')
    .split('/')
    .map((s) => s.replace(UNSAFE, '_').trim())
    .filter((s) => s !== '' && s !== '.' && s !== '..');
  let kept = segments.join('/').slice(-300);
  // A cut between the two halves of a surrogate pair leaves half a character at the start.
  if (/^[\udc00-\udfff]/.test(kept)) kept = kept.slice(1);
  // The cut may also leave a `/` or a `.` segment at the start.
  const name = kept
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .join('/');
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
