/**
 * Cutting text to a length, shared by whoever caps text: the agent before it reports, the server
 * when it records, the report readers while they read. Lengths are UTF-16 units (`.length`), and
 * a cut never separates the two halves of a surrogate pair.
 */

/** The marker that opens text whose start was dropped. */
export function droppedStartMarker(dropped: number): string {
  return `…[${dropped} characters truncated]…\n`;
}

/**
 * What a reader of a job's log sees where the server dropped part of it (a long log keeps its start
 * and its end, `queue/append-log.ts`).
 */
export function droppedFromLog(dropped: number): string {
  return `\n…[${dropped} characters truncated: a long log keeps its start and its end]…\n`;
}

/**
 * The text of a log's stored chunks from `from` on, with a marker wherever chunks do not meet (what
 * was dropped between them). Offsets and lengths count the characters as the agent sent them.
 */
export function joinLogChunks(
  chunks: readonly { offset: number | bigint; length: number | bigint; data: string }[],
  from: number,
): string {
  let at = from;
  let text = '';
  for (const c of chunks) {
    const offset = Number(c.offset);
    if (offset > at) text += droppedFromLog(offset - at);
    text += offset < from ? c.data.slice(from - offset) : c.data;
    at = Math.max(at, offset + Number(c.length));
  }
  return text;
}

/**
 * At most `cap` characters of `text`, keeping its end: a test's failure, a crash's cause, the
 * last lines of output are at the end. Text that was cut starts with a marker saying how much was
 * dropped, and the marker counts within `cap` (a cap too small for the marker keeps the end unmarked).
 *
 * @example keepEnd('x'.repeat(100) + 'boom', 40) === '…[93 characters truncated]…\n' + 'xxxxxxxboom'
 */
export function keepEnd(text: string, cap: number): string {
  if (text.length <= cap) return text;
  // The number of characters dropped is at most text.length, so its marker is no longer than this one.
  const longest = droppedStartMarker(text.length).length;
  const marked = cap > longest;
  let start = text.length - (marked ? cap - longest : Math.max(0, cap));
  const first = text.charCodeAt(start);
  if (first >= 0xdc00 && first <= 0xdfff) start += 1;
  return (marked ? droppedStartMarker(start) : '') + text.slice(start);
}

/** The first `end` UTF-16 units of `text` at most, without ending on the first half of a surrogate pair. */
export function sliceWhole(text: string, end: number): string {
  if (text.length <= end) return text;
  if (end <= 0) return '';
  const last = text.charCodeAt(end - 1);
  return last >= 0xd800 && last <= 0xdbff ? text.slice(0, end - 1) : text.slice(0, end);
}

/**
 * At most `cap` characters of `text`, keeping its start and ending in `…` when cut: for a sentence
 * that says why something ended, whose start is the gist.
 */
export function keepStart(text: string, cap: number): string {
  return text.length <= cap ? text : `${sliceWhole(text, Math.max(0, cap - 1))}…`;
}
