import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { proctorCli } from '../support/processes.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

/** The real `proctor` binary against a real server; SQLite is enough here, the API is dialect-tested. */
describe('proctor CLI', () => {
  let s: TestServer;
  let dir: string;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { localAgent: true, slots: 2 });
    dir = mkdtempSync(join(tmpdir(), 'proctor-cli-'));
  });
  afterAll(() => s?.close());

  const proctor = (args: string[], env: Record<string, string | undefined> = {}) =>
    proctorCli(args, { server: s.url, token: ADMIN_TOKEN, home: join(dir, 'no-profile') }, env);

  it('applies a plan file, idempotently, and names every problem of an invalid one (exit 2)', async () => {
    const file = join(dir, 'proctor.yaml');
    writeFileSync(
      file,
      `environments:\n  node: {}\nplans:\n  demo:\n    framework: vitest\n    workdir: ${resolve('examples/demo/vitest')}\n    environments: [node]\n`,
    );
    const first = await proctor(['apply', '-f', file]);
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain('plan demo: created');
    expect((await proctor(['apply', '-f', file])).out).toContain('plan demo: unchanged');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'plans:\n  demo:\n    framework: vitest\n    environments: [nowhere]\n    timeout: soon\n');
    const r = await proctor(['apply', '-f', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('plans.demo.timeout: expected a duration like "10m"');
    expect(r.err).toContain('plans.demo.environments: environment "nowhere" is not declared');
    expect((await proctor(['apply', '-f', join(dir, 'missing.yaml')])).err).toContain('cannot read');
  });

  it('runs a plan and exits with its verdict', async () => {
    const r = await proctor(['run', 'demo', '--wait', '--build', '99']);
    expect(r.code, r.err).toBe(1);
    expect(r.out).toMatch(/failed — 7 passed, 2 failed/);
    const only = await proctor(['run', 'demo', '--wait', '--scenario', 'checkout.test.ts']);
    expect(only.code, only.err + only.out).toBe(0);
    expect((await proctor(['runs', 'list'])).out).toContain('demo');
    expect((await proctor(['plans', 'list'])).out).toContain('vitest');
  });

  it('creates, lists and revokes keys', async () => {
    const created = await proctor(['keys', 'create', '--name', 'ci', '--authority', 'PLAN_READ,PLAN_RUN']);
    expect(created.code, created.err).toBe(0);
    const token = /Token \(shown once\): (\S+)/.exec(created.out)![1]!;
    expect((await proctor(['plans', 'list'], { PROCTOR_TOKEN: token })).code).toBe(0);
    expect((await proctor(['keys', 'list'])).out).toContain('ci');
    expect((await proctor(['keys', 'list'])).out).not.toContain(token);
    const id = /Created key (\d+)/.exec(created.out)![1]!;
    expect((await proctor(['keys', 'revoke', id])).code).toBe(0);
    const refused = await proctor(['plans', 'list'], { PROCTOR_TOKEN: token });
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('revoked');
  });

  it('says what to do when the token or server is missing, or a flag is wrong', async () => {
    const noToken = await proctor(['plans', 'list'], { PROCTOR_TOKEN: undefined });
    expect(noToken.code).toBe(2);
    expect(noToken.err).toContain('no token: set PROCTOR_TOKEN');
    const down = await proctor(['plans', 'list'], { PROCTOR_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(4);
    expect(down.err).toContain('cannot reach the Proctor server');
    expect((await proctor(['run', 'demo', '--param', 'nokey'])).err).toContain('expected NAME=value');
    expect((await proctor(['keys', 'create', '--name', 'x', '--authority', 'GOD'])).err).toContain('unknown GOD');
    expect((await proctor(['frobnicate'])).code).toBe(2);
    expect((await proctor(['serve', '--port', 'abc'])).err).toContain('--port / PROCTOR_PORT: expected a whole number');
    expect((await proctor(['agent', '--server', s.url, '--token', 'x', '--slots', '0'])).err).toContain(
      '--slots "0": expected a whole number ≥ 1',
    );
    expect((await proctor(['agent', '--server', s.url, '--token', 'x', '--drain', 'soon'])).err).toContain(
      '--drain "soon": expected seconds ≥ 0',
    );
  });
});
