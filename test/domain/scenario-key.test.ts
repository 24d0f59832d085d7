import { describe, expect, it } from 'vitest';
import { fullTitlePattern, titleRegex } from '../../src/adapters/title-pattern.js';
import {
  isExactPath,
  occurrenceKeys,
  sameScenarioKey,
  storedKey,
  storedPathPart,
} from '../../src/domain/scenario-key.js';
import { asServerHolds } from '../support/odd-titles.js';

describe('scenario keys', () => {
  it('number the second and later tests that share a file and path, in order, and nothing else', () => {
    const keys = occurrenceKeys([
      { file: 'a.js', path: ['d', 't'] },
      { file: 'a.js', path: ['d', 't'] },
      { file: 'b.js', path: ['d', 't'] },
      { file: 'a.js', path: ['d', 'u'] },
      { file: 'a.js', path: ['d', 't'] },
    ]);
    expect(keys).toEqual(['a.js > d > t', 'a.js > d > t #2', 'b.js > d > t', 'a.js > d > u', 'a.js > d > t #3']);
  });

  it('compare a framework’s raw key with the key a job names, as discovered or as the server stores it', () => {
    const raw = `a.js > nul \u0000 and lone \ud800 > ${'x'.repeat(5000)}`;
    const stored = storedKey(raw);
    expect(stored).toMatch(/^…\[\d+ characters truncated\]…\n/);
    expect(stored).not.toContain('\u0000');
    expect(sameScenarioKey(stored, raw)).toBe(true);
    expect(sameScenarioKey(raw, raw)).toBe(true);
    expect(sameScenarioKey(storedKey(`${raw}y`), raw)).toBe(false);
    expect(storedPathPart('a\u0000b')).toBe('a\\u0000b');
  });

  it('tell a path that is surely the framework’s own from one the server cut or escaped', () => {
    expect(isExactPath(['d', 'it’s "odd" > 🎉'])).toBe(true);
    expect(isExactPath(['nul \\u0000'])).toBe(false);
    expect(isExactPath(asServerHolds([{ key: 'a > x', file: 'a', path: ['x'.repeat(3000)], tags: [] }])[0]!.path)).toBe(
      false,
    );
    expect(isExactPath(Array.from({ length: 50 }, (_, i) => `d${i}`))).toBe(false);
  });
});

describe('title patterns', () => {
  const matches = (pattern: string | undefined, title: string, flags = ''): boolean =>
    new RegExp(pattern ?? '(?!)', flags).test(title);

  it('are plain ASCII and match exactly the chosen titles, whatever they hold', () => {
    const titles = [
      'nul \u0000 byte',
      'line\nbreak',
      'quote \' " `',
      'regex .*+?^${}()|[]\\/-',
      'a > b',
      'emoji 🎉 中文',
      'lone \ud800',
    ];
    const pattern = fullTitlePattern(titles.map((t) => ({ key: `f > d > ${t}`, file: 'f', path: ['d', t] })));
    expect(pattern).toMatch(/^[\x20-\x7e]+$/);
    for (const t of titles) expect(matches(pattern, `d ${t}`), t).toBe(true);
    for (const t of titles) expect(matches(pattern, `d ${t}x`), t).toBe(false);
    expect(matches(pattern, 'd nul  byte')).toBe(false);
    // Jest compiles it ignoring case, Playwright between slashes: both read it the same.
    expect(matches(pattern, 'D EMOJI 🎉 中文', 'i')).toBe(true);
  });

  it('match a title the server stored as either what it stands for or the text itself, and a cut one by its end', () => {
    const [stored] = asServerHolds([
      { key: 'k', file: 'f', path: ['d', `nul \u0000 ${'x'.repeat(3000)} end`], tags: [] },
    ]);
    const re = new RegExp(`^${titleRegex(stored!.path, ' ')}$`);
    expect(re.test(`d nul \u0000 ${'x'.repeat(3000)} end`)).toBe(true);
    expect(re.test(`d whatever came first ${'x'.repeat(1990)} end`)).toBe(true);
    expect(re.test(`d ${'x'.repeat(3000)} different end`)).toBe(false);
    const escaped = new RegExp(`^${titleRegex(['a\\u0000b'], ' ')}$`);
    expect([escaped.test('a\u0000b'), escaped.test('a\\u0000b'), escaped.test('ab')]).toEqual([true, true, false]);
  });

  it('stay within the budget: a long title is matched by its start, too many titles by no pattern at all', () => {
    const long = fullTitlePattern([{ key: 'k', file: 'f', path: ['t'.repeat(5000)] }]);
    expect(long!.length).toBeLessThan(1000);
    expect(matches(long, 't'.repeat(5000))).toBe(true);
    const many = Array.from({ length: 2000 }, (_, i) => ({
      key: `f > test number ${i}`,
      file: 'f',
      path: [`test number ${i}`],
    }));
    expect(fullTitlePattern(many)).toBeUndefined();
    expect(fullTitlePattern(many, Infinity)).toBeDefined();
    expect(fullTitlePattern([{ key: 'f', file: 'f', path: [] }])).toBeUndefined();
  });
});
