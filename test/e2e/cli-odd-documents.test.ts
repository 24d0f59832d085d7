import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { proctorCli } from '../support/processes.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

/** `proctor apply -f` with odd plan files: a usage error (exit 2) with the server's 400, never "the server failed". */
describe('proctor apply with odd plan files', () => {
  let s: TestServer;
  let dir: string;
  beforeAll(async () => {
    s = await startTestServer('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'proctor-cli-odd-'));
  });
  afterAll(() => s?.close());

  const apply = (file: string) =>
    proctorCli(['apply', '-f', file], { server: s.url, token: ADMIN_TOKEN, home: join(dir, 'no-profile') });

  const plan = (options: string) =>
    `environments:\n  e: {}\nplans:\n  p:\n    framework: command\n    environments: [e]\n    options: ${options}\n`;
  const cases: [name: string, yaml: string, message: string][] = [
    [
      'options that refer to themselves',
      plan('&o\n      x: *o'),
      'plans.p.options.x: refers to itself through a YAML alias',
    ],
    [
      'options nested 5,000 deep',
      plan(`${'{a: '.repeat(5000)}1${'}'.repeat(5000)}`),
      'plans.p.options: nested deeper than 32 levels',
    ],
    [
      'variables nested 5,000 deep',
      `environments:\n  v:\n    variables: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
      'environments.v.variables: nested deeper than 32 levels',
    ],
  ];

  for (const [name, yaml, message] of cases) {
    it(`exits 2 with the server's message for ${name}`, async () => {
      const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
      writeFileSync(file, yaml);
      const r = await apply(file);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toContain(message);
      expect(r.err).not.toContain('the server failed');
    });
  }
});
