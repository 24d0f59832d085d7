import { AGENT_REPORT_LIMITS } from '../protocol/agent-api.js';
import { STORED_ESCAPE, storedText } from './stored-text-rule.js';
import { keepEnd } from './text-cap.js';

/**
 * Scenario keys. A scenario's key is its file and its path (describe titles, then the test's own
 * title) joined by " > ": `cart.test.ts > cart > totals > sums prices`. Two tests with the same
 * file and path are two scenarios: the second, third… in the order the framework defines them get
 * ` #2`, ` #3`… after the title, so each keeps its history as long as the tests before it in that
 * file keep theirs. The path stays the framework's own titles (what a name filter matches).
 *
 * The server holds a key as an agent reported it, cut to `AGENT_REPORT_LIMITS.key` keeping its end
 * and with NUL and lone surrogates escaped (`storedKey`); that is the key a job hands back to the
 * agent, so an adapter compares what its framework reported in that form too (`sameScenarioKey`).
 */

/** The separator of a key's parts. */
export const KEY_SEPARATOR = ' > ';

/** The key of the first test with this file and path. */
export function scenarioKey(file: string, path: readonly string[]): string {
  return [file, ...path].join(KEY_SEPARATOR);
}

/** The key of the `occurrence`-th test (1-based) with the same file and path. */
export function occurrenceKey(base: string, occurrence: number): string {
  return occurrence <= 1 ? base : `${base} #${occurrence}`;
}

/**
 * The keys of tests listed in their framework's order: a test sharing its file and path with
 * earlier ones gets its occurrence (`… > title #2`).
 *
 * @example occurrenceKeys([{ file: 'a.js', path: ['t'] }, { file: 'a.js', path: ['t'] }]) // ['a.js > t', 'a.js > t #2']
 */
export function occurrenceKeys(tests: readonly { file: string; path: readonly string[] }[]): string[] {
  const seen = new Map<string, number>();
  return tests.map((t) => {
    const base = scenarioKey(t.file, t.path);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return occurrenceKey(base, n);
  });
}

/** A key as the server holds it once an agent reported it: its end kept, NUL and lone surrogates escaped. */
export function storedKey(key: string): string {
  return storedText(keepEnd(key, AGENT_REPORT_LIMITS.key));
}

/**
 * Whether `sent`, a scenario key as a job names it (the server's stored form, or the discovered
 * key itself), is the key `raw` of a test as its framework reported it.
 */
export function sameScenarioKey(sent: string, raw: string): boolean {
  return sent === raw || sent === storedKey(raw);
}

/** A part of a scenario's path (a describe title, a test title) as the server holds it. */
export function storedPathPart(part: string): string {
  return storedText(keepEnd(part, AGENT_REPORT_LIMITS.pathPart));
}

/** Whether `sent`, a part of a path as a job names it, is the title `raw` its framework reported. */
export function samePathPart(sent: string, raw: string): boolean {
  return sent === raw || sent === storedPathPart(raw);
}

/** What the server writes in place of the start of a text it cut (`droppedStartMarker` in text-cap.ts). */
export const CUT_START = /^…\[\d+ characters truncated\]…\n/;

/**
 * Whether a path, as a job names it, is for certain the framework's own titles: no part was cut,
 * none holds a stored escape (which may stand for NUL or a lone surrogate, or be the six
 * characters themselves), and it is shorter than the number of parts the server keeps.
 */
export function isExactPath(path: readonly string[]): boolean {
  return path.length < AGENT_REPORT_LIMITS.pathParts && path.every((p) => !CUT_START.test(p) && !STORED_ESCAPE.test(p));
}
