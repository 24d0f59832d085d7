import type { ScenarioRef } from './types.js';

// One argv string may not exceed 128 KiB on Linux; past this, run whole files and filter after.
const MAX_PATTERN_LENGTH = 100_000;

/**
 * A regular expression that matches exactly the full titles of these tests: their suite titles
 * and own title joined by single spaces, without the file. That is how Vitest's and Jest's
 * `--testNamePattern` and Mocha's `--grep` see a test. Undefined (no filter) when a whole file is
 * wanted or the pattern would be too long; callers then filter the report instead.
 *
 * @example fullTitlePattern([{ key: 'a.js > math > adds', file: 'a.js', path: ['math', 'adds'] }]) // '^(?:math adds)$'
 */
export function fullTitlePattern(scenarios: readonly ScenarioRef[]): string | undefined {
  if (scenarios.some((s) => s.path.length === 0)) return undefined;
  const names = [...new Set(scenarios.map((s) => escapeRegExp(s.path.join(' '))))];
  const pattern = `^(?:${names.join('|')})$`;
  return pattern.length > MAX_PATTERN_LENGTH ? undefined : pattern;
}

/**
 * Escapes regular expression syntax. "/" and "-" are escaped too, which patterns compiled
 * without the `u` flag allow, so the result also fits between slashes (`/…/`).
 */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
