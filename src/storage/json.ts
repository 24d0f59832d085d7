import { storedJson } from './stored-text.js';

/** Structured columns are JSON text on both dialects; these two functions are the only codec. */
export function toJson(value: unknown): string {
  // Strings inside a document are stored by the rule of every other text (NUL, lone surrogates).
  const json = JSON.stringify(value) as string | undefined;
  return json === undefined ? (json as unknown as string) : storedJson(json);
}

export function fromJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}
