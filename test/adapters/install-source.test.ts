import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installSource } from '../../src/adapters/install-source.js';

describe('installSource', () => {
  // Found by two JUnit 5 suites in queue mode on one agent: the second worker compiled the first
  // suite's sources, because the list of sources was cached by its file name alone.
  it('hands each content its own file, however many contents one agent installs under one name', () => {
    const a = installSource('proctor-install-source-test', 'list.txt', `a ${process.pid}`);
    const b = installSource('proctor-install-source-test', 'list.txt', `b ${process.pid}`);
    expect(b).not.toBe(a);
    expect(readFileSync(join(a, 'list.txt'), 'utf8')).toBe(`a ${process.pid}`);
    expect(readFileSync(join(b, 'list.txt'), 'utf8')).toBe(`b ${process.pid}`);
    expect(installSource('proctor-install-source-test', 'list.txt', `a ${process.pid}`)).toBe(a);
  });
});
