import type { FastifyReply } from 'fastify';

/**
 * What a file the server hands out may do when a browser opens it: nothing. A sandboxed document
 * with no sources runs no script and loads nothing, whatever it holds; pictures and videos may
 * still show themselves when opened on their own.
 */
export const DOWNLOAD_CSP = "sandbox; default-src 'none'; img-src 'self'; media-src 'self'";

// RFC 8187 attr-char: what `filename*` may carry unencoded.
const ATTR_CHAR = /^[A-Za-z0-9!#$&+\-.^_`|~]$/;

/**
 * A `Content-Disposition` value (RFC 6266) for any file name: a plain-ASCII `filename` for old
 * clients (other characters, `"` and `\` become `_`) and the exact name as UTF-8 in `filename*`
 * (RFC 8187), which current browsers and parsers prefer. The value is always a valid header.
 *
 * @example contentDisposition('attachment', 'ログ.png') === `attachment; filename="__.png"; filename*=UTF-8''%E3%83%AD%E3%82%B0.png`
 */
export function contentDisposition(kind: 'inline' | 'attachment', fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\]/gu, '_');
  let encoded = '';
  // Buffer.from writes a lone surrogate as U+FFFD, so any string encodes.
  for (const byte of Buffer.from(fileName, 'utf8')) {
    const c = String.fromCharCode(byte);
    encoded += byte < 0x80 && ATTR_CHAR.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * Sets the headers of a download: its type, how it opens (with its file name), and what it may do
 * once open (`nosniff`, so a browser never guesses a type, and DOWNLOAD_CSP). Every route that
 * sends a file, a log or a report goes through here; `type` must be one of ours or a validated
 * media type, never a client's text.
 */
export function downloadHeaders(
  reply: FastifyReply,
  opts: { type: string; disposition?: { kind: 'inline' | 'attachment'; fileName: string } },
): FastifyReply {
  reply.type(opts.type).header('x-content-type-options', 'nosniff').header('content-security-policy', DOWNLOAD_CSP);
  if (opts.disposition)
    reply.header('content-disposition', contentDisposition(opts.disposition.kind, opts.disposition.fileName));
  return reply;
}
