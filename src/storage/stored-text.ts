import { escapeUnit, needsEscape, storedText, UNSAFE_TEXT } from '../domain/stored-text-rule.js';
import { sliceWhole } from '../domain/text-cap.js';

/**
 * The one rule for text that goes into the database, the same on both dialects: NUL (U+0000) and
 * lone UTF-16 surrogates are replaced by their escape written out, `\u0000` and `\ud800` (six
 * characters, lowercase hex). PostgreSQL refuses NUL in text (a 500 for whoever sent it) and both
 * drivers turn a lone surrogate into U+FFFD while encoding UTF-8; the escape keeps what a test
 * printed readable. Everything else is stored as it is.
 *
 * Since the rule is applied to every parameter of every statement (the drivers are wrapped in
 * `database.ts`), a lookup by a name holding NUL finds what was stored under that name. The
 * escape is not reversed on reading: `a\u0000b` sent as six characters and `a<NUL>b` are stored
 * alike.
 */

/** The text as it is stored (the rule lives in `domain/stored-text-rule.ts`, which the agent uses too). */
export { storedText };

/**
 * The first `max` characters of `text` as it will be stored, for a column of that width: cut after
 * the escape (which makes text longer) and between whole characters.
 */
export function storedPrefix(text: string, max: number): string {
  return sliceWhole(storedText(text), max);
}

/**
 * A statement's parameters as they are stored: `storedText` on every string (and on the strings
 * of an array parameter). Returns `params` itself when nothing changes, which is the common case
 * on the queue's hot path.
 */
export function storedParams<T>(params: readonly T[]): readonly T[] {
  let out: T[] | undefined;
  for (let i = 0; i < params.length; i++) {
    const v = params[i];
    let stored: unknown = v;
    if (typeof v === 'string') {
      if (needsEscape(v)) stored = v.replace(UNSAFE_TEXT, escapeUnit);
    } else if (Array.isArray(v)) {
      const inner = storedParams(v);
      if (inner !== v) stored = inner;
    }
    if (stored !== v) {
      out ??= params.slice();
      out[i] = stored as T;
    }
  }
  return out ?? params;
}

// In JSON text from JSON.stringify, NUL is written `\u0000` and a lone surrogate `\udXXX`
// (lowercase; a paired surrogate is written as itself); a backslash before them is part of the
// escape only when the run of backslashes is odd.
const JSON_ESCAPE = /(\\+)(u(?:0000|d[89a-f][0-9a-f]{2}))/g;

/**
 * A JSON document (`JSON.stringify` output) as it is stored: strings inside it follow the same
 * rule as `storedText`, so a value reads back the same from a column and from a document.
 * `storedJson('{"a":"x\\u0000"}')` is `'{"a":"x\\\\u0000"}'`, which parses to `{ a: 'x\\u0000' }`.
 */
export function storedJson(json: string): string {
  if (!json.includes('\\u0000') && !json.includes('\\ud')) return json;
  return json.replace(JSON_ESCAPE, (all, slashes: string, unit: string) =>
    slashes.length % 2 === 1 ? `${slashes}\\${unit}` : all,
  );
}
