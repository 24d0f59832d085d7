// RFC 9110 §8.3.1: media-type = type "/" subtype parameters; type, subtype and names are tokens.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[\\t\\x20-\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\t\\x20-\\x7e])*"';
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})((?:[ \\t]*;[ \\t]*${TOKEN}=(?:${TOKEN}|${QUOTED}))*)[ \\t]*$`);

/**
 * A media type as HTTP allows it (`type/subtype` with optional `; name=value` parameters), with
 * type and subtype in lower case; null for anything else, control characters included. A value
 * that passes is safe to put into a header.
 *
 * @example mediaType('Image/PNG') === 'image/png'; mediaType('text/html\r\nx: y') === null
 */
export function mediaType(raw: string): string | null {
  // A line break is refused wherever it is, even where trimming would remove it.
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(raw)) return null;
  const m = MEDIA_TYPE.exec(raw.trim());
  if (!m) return null;
  return `${m[1]!.toLowerCase()}/${m[2]!.toLowerCase()}${m[3]!.trim()}`;
}

/** `type/subtype` of a media type, without parameters: `text/plain; charset=utf-8` → `text/plain`. */
export function essence(type: string): string {
  return type.split(';')[0]!.trim().toLowerCase();
}

/**
 * Types a browser only ever renders as a picture or a video, never as a document that runs script
 * (SVG, HTML, XHTML and XML can; so can PDF viewers and anything unknown). Only these are served
 * inline.
 */
const INLINE = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'video/mp4',
  'video/webm',
  'video/ogg',
]);

/** Whether a file of this type may show inline (a screenshot, a video) instead of downloading. */
export function showsInline(type: string): boolean {
  return INLINE.has(essence(type));
}
