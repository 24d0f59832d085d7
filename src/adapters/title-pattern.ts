import { CUT_START } from '../domain/scenario-key.js';
import { STORED_ESCAPE as STORED_TEXT_ESCAPE } from '../domain/stored-text-rule.js';
import { AGENT_REPORT_LIMITS } from '../protocol/agent-api.js';
import type { ScenarioRef } from './types.js';

/**
 * The longest name pattern put on a command line: well under Windows' 32,767 characters for the
 * whole command line and Linux's 128 KiB for one argument. Past it, the caller selects otherwise
 * (whole files, a filter file, the framework's API) and keeps only the chosen results.
 */
export const PATTERN_BUDGET = 16_000;
// Title characters matched exactly; the rest of a longer title is matched by anything. A 5,000
// character title would otherwise take a third of the budget, and the results are filtered anyway.
const EXACT_CHARACTERS = 512;
const STORED_ESCAPE = new RegExp(STORED_TEXT_ESCAPE.source, 'y');
const ANYTHING = '[\\s\\S]*';

/**
 * A regular expression source that matches the full title of each of these tests: their describe
 * titles and own title joined by single spaces, without the file, which is how Vitest's and Jest's
 * `--testNamePattern` and Mocha's `--grep` see a test. Undefined (no filter) when a whole file is
 * wanted or the pattern would exceed `budget`; callers then keep only the chosen tests of the report.
 *
 * The pattern is plain ASCII whatever the titles hold (NUL, newlines, quotes, emoji: every
 * character but letters, digits, `_` and space is written `\xHH` or `\uHHHH`), so it survives any
 * command line and any regular expression flags. It may match more than the chosen tests, never
 * fewer: a long title is matched by its start, a part the server cut by its end, a stored escape
 * (`\u0000`) as either the escape or the character it stands for.
 *
 * @example fullTitlePattern([{ key: 'a.js > math > adds', file: 'a.js', path: ['math', 'adds'] }]) // '^(?:math adds)$'
 */
export function fullTitlePattern(scenarios: readonly ScenarioRef[], budget = PATTERN_BUDGET): string | undefined {
  if (scenarios.some((s) => s.path.length === 0)) return undefined;
  const names = [...new Set(scenarios.map((s) => titleRegex(s.path, ' ')))];
  const pattern = `^(?:${names.join('|')})$`;
  return pattern.length > budget ? undefined : pattern;
}

/**
 * The regular expression of one test's title path as a job names it, its parts joined by
 * `separator` (a regular expression too). See {@link fullTitlePattern} for what it matches.
 */
export function titleRegex(path: readonly string[], separator: string): string {
  let out = '';
  let exact = 0;
  for (const [i, part] of path.entries()) {
    if (i > 0) out += separator;
    const cut = CUT_START.exec(part);
    let units = unitRegexes(cut === null ? part : part.slice(cut[0].length));
    // Of a part the server cut, only the end is known: match that end, after anything.
    if (cut !== null) {
      out += ANYTHING;
      units = units.slice(-EXACT_CHARACTERS);
    }
    for (const unit of units) {
      if (exact >= EXACT_CHARACTERS) return `${out}${ANYTHING}`;
      out += unit;
      exact += 1;
    }
  }
  // The server keeps the first parts of a longer path only.
  return path.length >= AGENT_REPORT_LIMITS.pathParts ? `${out}${ANYTHING}` : out;
}

/** A regular expression per character of `text`, a stored escape (`\u0000`) matching either what it stands for or itself. */
function unitRegexes(text: string): string[] {
  const units: string[] = [];
  for (let at = 0; at < text.length; ) {
    STORED_ESCAPE.lastIndex = at;
    const stored = STORED_ESCAPE.exec(text)?.[0];
    if (stored !== undefined) {
      units.push(`(?:\\u${stored.slice(2)}|${asciiRegex(stored)})`);
      at += stored.length;
    } else {
      units.push(unitRegex(text.charCodeAt(at)));
      at += 1;
    }
  }
  return units;
}

/** `text` as a regular expression that matches exactly it, in plain ASCII (see {@link fullTitlePattern}). */
export function asciiRegex(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += unitRegex(text.charCodeAt(i));
  return out;
}

function unitRegex(code: number): string {
  const c = String.fromCharCode(code);
  if (/[A-Za-z0-9_ ]/.test(c)) return c;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Escapes regular expression syntax. "/" and "-" are escaped too, which patterns compiled
 * without the `u` flag allow, so the result also fits between slashes (`/…/`).
 */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
