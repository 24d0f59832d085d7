import { sliceWhole } from '../domain/text-cap.js';

/** How much of one test's message, stack or output a report reader keeps. */
export const DEFAULT_TEXT_CAP = 64 * 1024;

/** Appended to text that was cut; tells the reader the text went on. */
export function truncationMarker(cap: number): string {
  return `\n… [truncated to ${cap} characters]`;
}

/**
 * Accumulates text up to a cap and drops the rest, so one chatty test cannot grow a reader's
 * memory without bound. It keeps the start (a report is read as a stream); what an agent sends
 * is capped again to the protocol's limits keeping the end (`domain/cap-completion.ts`).
 */
export class CappedText {
  readonly #parts: string[] = [];
  #length = 0;
  #truncated = false;

  constructor(readonly cap: number = DEFAULT_TEXT_CAP) {}

  append(text: string): void {
    if (this.#truncated || text.length === 0) return;
    const room = this.cap - this.#length;
    if (text.length <= room) {
      this.#parts.push(text);
      this.#length += text.length;
      return;
    }
    this.#parts.push(sliceWhole(text, room));
    this.#length = this.cap;
    this.#truncated = true;
  }

  get isEmpty(): boolean {
    return this.#length === 0;
  }

  toString(): string {
    const text = this.#parts.join('');
    return this.#truncated ? text + truncationMarker(this.cap) : text;
  }
}

/** Caps a single string the way CappedText would. */
export function capText(text: string, cap: number = DEFAULT_TEXT_CAP): string {
  return text.length <= cap ? text : sliceWhole(text, cap) + truncationMarker(cap);
}
