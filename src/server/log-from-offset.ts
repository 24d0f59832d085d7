import { StringDecoder } from 'node:string_decoder';
import { Transform, type Readable } from 'node:stream';

/**
 * An ended log (UTF-8 in the blob store) from `from` on, where offsets count UTF-16 code units as
 * the log endpoint always has (`x-log-next-offset` is a JavaScript string length). Decoded as it
 * streams; nothing holds the whole log.
 */
export function logFromOffset(blob: Readable, from: number): Readable {
  const decoder = new StringDecoder('utf8');
  let skip = from;
  const cut = (text: string): string => {
    if (skip === 0) return text;
    const n = Math.min(skip, text.length);
    skip -= n;
    return text.slice(n);
  };
  const out = new Transform({
    transform(chunk: Buffer, _enc, done) {
      const text = cut(decoder.write(chunk));
      done(null, text.length ? Buffer.from(text, 'utf8') : undefined);
    },
    flush(done) {
      const text = cut(decoder.end());
      done(null, text.length ? Buffer.from(text, 'utf8') : undefined);
    },
  });
  blob.on('error', (e) => out.destroy(e));
  return blob.pipe(out);
}
