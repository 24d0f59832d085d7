import type { ScenarioRef } from './types.js';
import { escapeRegExp } from './title-pattern.js';

// One argv string may not exceed 128 KiB on Linux; past this, run whole files and filter after.
const MAX_PATTERN_LENGTH = 100_000;
// Playwright appends a test's tags (`{ tag: '@slow' }`) to the titles it greps, after each title.
const TAGS = '(?: @\\S+)*';

/**
 * The command-line filters that run these tests of these files: one file argument per file and a
 * `--grep`. Both are regular expressions between slashes, which Playwright compiles without flags
 * (a bare string would be case-insensitive).
 *
 * Files: Playwright matches its arguments against absolute paths; `(?:^|/)file$` keeps a file
 * from matching another that merely contains its name. Titles: Playwright greps the project
 * name, the file (relative to its rootDir, unknown here), the describe titles and the title,
 * joined by spaces, with tags; the pattern matches the end of that string from a title boundary.
 * The grep is left out when a whole file is wanted or it would be too long; the report is
 * filtered instead.
 *
 * @example playwrightFilters(['a.spec.ts'], [{ key: 'a.spec.ts > x', file: 'a.spec.ts', path: ['x'] }])
 * // { files: ['/(?:^|\\/)a\\.spec\\.ts$/'], grep: '/(?:^| )(?:x)(?: @\\S+)*$/' }
 */
export function playwrightFilters(files: readonly string[], scenarios: readonly ScenarioRef[]): { files: string[]; grep: string | undefined } {
  const fileArgs = files.map((f) => `/(?:^|\\/)${escapeRegExp(f.replace(/^\.\//, ''))}$/`);
  if (scenarios.some((s) => s.path.length === 0)) return { files: fileArgs, grep: undefined };
  const titles = [...new Set(scenarios.map((s) => s.path.map(escapeRegExp).join(`${TAGS} `)))];
  const grep = `/(?:^| )(?:${titles.join('|')})${TAGS}$/`;
  return { files: fileArgs, grep: grep.length > MAX_PATTERN_LENGTH ? undefined : grep };
}
