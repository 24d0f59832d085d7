/** One server-sent event: its name and its raw `data` text. */
export interface RawEvent {
  event: string;
  data: string;
}

/**
 * Reads a text/event-stream body and calls `onEvent` for each complete event, until the stream ends
 * or the request is aborted. Comment lines (keep-alives) are skipped.
 */
export async function readEventStream(body: ReadableStream<Uint8Array>, onEvent: (e: RawEvent) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const e = parseBlock(block);
      if (e) onEvent(e);
      end = buffer.indexOf('\n\n');
    }
  }
}

function parseBlock(block: string): RawEvent | null {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length ? { event, data: data.join('\n') } : null;
}
