import { spawn } from 'node:child_process';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain script of the repository, without types
import { upToDate } from '../../scripts/build-if-changed.mjs';
import { freePort } from '../support/processes.js';
import { eventually } from '../support/server.js';

// As the scripts name it (with its trailing slash): the fingerprint names files relative to it.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * `npm start` (what it runs: `node scripts/start.mjs`) a second time, with nothing changed since the
 * last build: it builds nothing and serves. It runs on the repository's own build, so it never may
 * build: on a tree whose build is behind its sources it is skipped (npm test builds first).
 */
describe('npm start with nothing changed since the last build', () => {
  it('says the build is up to date, builds nothing, and serves', async (ctx) => {
    ctx.skip(
      !upToDate(ROOT),
      "dist/ was not built from the sources as they are now: run npm run build first (this test never builds the repository's own dist/)",
    );
    const built = (file: string) => statSync(join(ROOT, 'dist', file)).mtimeMs;
    const before = { stamp: built('.build-fingerprint'), main: built('main.js'), page: built('web/index.html') };
    const port = await freePort();
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !k.startsWith('PROCTOR_') && !k.startsWith('VITEST')),
    );
    const child = spawn(
      process.execPath,
      [
        'scripts/start.mjs',
        '--port',
        String(port),
        '--data-dir',
        mkdtempSync(join(tmpdir(), 'proctor-npm-start-')),
        '--no-local-agent',
        '--log-level',
        'warn',
      ],
      { cwd: ROOT, env: { ...env, npm_lifecycle_event: 'start' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      await eventually(async () =>
        out.includes('Proctor is running at') || child.exitCode !== null ? true : undefined,
      );
      expect(out.startsWith('proctor: build up to date\n'), out).toBe(true);
      expect(out).not.toContain('building');
      expect(out).toContain(`Proctor is running at http://127.0.0.1:${port}`);
      expect((await fetch(`http://127.0.0.1:${port}/api/health`)).status).toBe(200);
      // Nothing was built: the output and the stamp are the ones from before.
      expect({
        stamp: built('.build-fingerprint'),
        main: built('main.js'),
        page: built('web/index.html'),
      }).toEqual(before);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
