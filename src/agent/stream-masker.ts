import { makeMasker } from './mask.js';

/**
 * Masks secrets in a stream of text chunks, also when a secret is split across two chunks: the last
 * (longest secret − 1) characters of each chunk are held back until the next chunk or the end, so a
 * secret is always seen whole before anything of it is released.
 */
export class StreamMasker {
  private readonly mask: (text: string) => string;
  private readonly holdBack: number;
  private pending = '';

  constructor(secrets: readonly string[]) {
    const values = secrets.filter((s) => s.length >= 4);
    this.mask = makeMasker(values);
    this.holdBack = Math.max(0, ...values.map((s) => s.length - 1));
  }

  /** Takes a chunk; returns the masked text that is safe to release now. */
  push(chunk: string): string {
    const text = this.pending + chunk;
    if (this.holdBack === 0) return text;
    // Mask what we have, then keep back a tail that could be the start of a secret. Masking first
    // means a whole secret inside the text is replaced before the cut can split it.
    const masked = this.mask(text);
    const cut = Math.max(0, masked.length - this.holdBack);
    this.pending = masked.slice(cut);
    return masked.slice(0, cut);
  }

  /** Releases what was held back, at the end of the stream. */
  end(): string {
    const rest = this.mask(this.pending);
    this.pending = '';
    return rest;
  }
}
