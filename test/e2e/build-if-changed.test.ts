import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain script of the repository, without types
import { fingerprint, stamp, upToDate } from '../../scripts/build-if-changed.mjs';

/** `npm start` builds only when a source changed since the last build (a restart starts at once). */
describe("npm start's build step", () => {
  it('finds a build up to date until a source changes, is added or removed', () => {
    const root = mkdtempSync(join(tmpdir(), 'proctor-build-'));
    for (const d of ['src', 'web', 'dist/web']) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, 'src', 'main.ts'), 'export {};\n');
    writeFileSync(join(root, 'dist', 'main.js'), '');
    writeFileSync(join(root, 'dist', 'web', 'index.html'), '');
    expect(upToDate(root)).toBe(false);
    stamp(root);
    expect(upToDate(root)).toBe(true);
    const before = fingerprint(root);
    utimesSync(join(root, 'src', 'main.ts'), new Date(), new Date(Date.now() + 5000));
    expect(upToDate(root)).toBe(false);
    stamp(root);
    writeFileSync(join(root, 'web', 'page.tsx'), 'x');
    expect(upToDate(root)).toBe(false);
    expect(fingerprint(root)).not.toBe(before);
  });

  it("says the repository's own build is up to date right after npm run build", () => {
    // `npm test` builds first; nothing under src/ or web/ changes while the tests run.
    const out = execFileSync(process.execPath, [resolve('scripts/build-if-changed.mjs')], { encoding: 'utf8' });
    expect(out).toBe('proctor: build up to date\n');
  });
});
