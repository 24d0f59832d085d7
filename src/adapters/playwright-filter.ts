import { PATTERN_BUDGET, asciiRegex, titleRegex } from './title-pattern.js';
import type { ScenarioRef } from './types.js';

// Playwright appends a test's tags (`{ tag: '@slow' }`) to the titles it greps, after each title.
const TAGS = '(?: @\\S+)*';
// Linux allows 2 MiB of arguments and environment, macOS 1 MiB, Windows 32,767 characters of command line.
const FILES_BUDGET = process.platform === 'win32' ? 16_000 : 200_000;

/**
 * The command-line filters that run these tests of these files: one file argument per file and a
 * `--grep`. Both are regular expressions between slashes, which Playwright compiles without flags
 * (a bare string would be case-insensitive), in plain ASCII whatever the names hold (see
 * fullTitlePattern).
 *
 * Files: Playwright matches its arguments against absolute paths; `(?:^|/)file$` keeps a file
 * from matching another that merely contains its name. Titles: Playwright greps the project
 * name, the file (relative to its rootDir, unknown here), the describe titles and the title,
 * joined by spaces, with tags; the pattern matches the end of that string from a title boundary.
 * The grep is left out when a whole file is wanted or it would be too long for a command line,
 * the files when there are too many; the report is filtered instead.
 *
 * @example playwrightFilters(['a.spec.ts'], [{ key: 'a.spec.ts > x', file: 'a.spec.ts', path: ['x'] }])
 * // { files: ['/(?:^|\\/)a\\x2espec\\x2ets$/'], grep: '/(?:^| )(?:x)(?: @\\S+)*$/' }
 */
export function playwrightFilters(
  files: readonly string[],
  scenarios: readonly ScenarioRef[],
): { files: string[]; grep: string | undefined } {
  const fileArgs = files.map((f) => `/(?:^|\\/)${asciiRegex(f.replace(/^\.\//, ''))}$/`);
  const fitting = fileArgs.reduce((n, a) => n + a.length + 1, 0) > FILES_BUDGET ? [] : fileArgs;
  if (scenarios.some((s) => s.path.length === 0)) return { files: fitting, grep: undefined };
  const titles = [...new Set(scenarios.map((s) => titleRegex(s.path, `${TAGS} `)))];
  const grep = `/(?:^| )(?:${titles.join('|')})${TAGS}$/`;
  return { files: fitting, grep: grep.length > PATTERN_BUDGET ? undefined : grep };
}
