import { describe, expect, it } from 'vitest';
import { parsePlanFile } from '../../src/domain/plan-file.js';

const VALID = `
project: web
environments:
  chrome:
    platform: web
    labels: [chromium, linux]
    variables: { BROWSER: chromium, TOKEN: s3cret-value }
    secrets: [TOKEN]
  node: {}
plans:
  unit:
    framework: vitest
    workdir: packages/app
    scenarios: { include: ["src/**/*.test.ts"], tags: ["@smoke"] }
    environments: [chrome, node]
    timeout: 10m
    run_timeout: 1h
    retries: 2
    max_parallel: 4
    fail_fast: 3
    concurrency: cancel-previous
`;

describe('parsePlanFile', () => {
  it('reads a complete file into normalised definitions', () => {
    const r = parsePlanFile(VALID);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.file.project).toBe('web');
    expect(r.file.environments.map((e) => e.name)).toEqual(['chrome', 'node']);
    expect(r.file.environments[0]).toMatchObject({ platform: 'web', labels: ['chromium', 'linux'], secrets: ['TOKEN'] });
    const plan = r.file.plans[0]!;
    expect(plan).toMatchObject({
      name: 'unit',
      framework: 'vitest',
      jobTimeoutMs: 600_000,
      runTimeoutMs: 3_600_000,
      retries: 2,
      maxParallel: 4,
      failFast: 3,
      concurrency: 'cancel-previous',
      scenarios: { include: ['src/**/*.test.ts'], exclude: [], tags: ['smoke'], names: [] },
    });
  });

  it('lists every problem by path and yields no definitions', () => {
    const r = parsePlanFile(`
environments:
  chrome: { platform: tv, labels: 3 }
plans:
  unit:
    framework: vitest
    environments: [chrome, safari]
    timeout: soon
    retries: -1
    concurrency: sometimes
    colour: blue
  "123": { framework: vitest, environments: [chrome] }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.problems.list.map((p) => `${p.path}: ${p.message}`);
    expect(lines).toContain('plans.unit.timeout: expected a duration like "10m"');
    expect(lines.some((l) => l.startsWith('environments.chrome.platform: expected one of web, ios'))).toBe(true);
    expect(lines.some((l) => l.startsWith('environments.chrome.labels: expected a list of strings'))).toBe(true);
    expect(lines.some((l) => l.includes('environment "safari" is not declared'))).toBe(true);
    expect(lines.some((l) => l.startsWith('plans.unit.retries: expected a whole number from 0 to 10'))).toBe(true);
    expect(lines.some((l) => l.startsWith('plans.unit.concurrency: expected one of allow, skip, queue, cancel-previous'))).toBe(true);
    expect(lines.some((l) => l.startsWith('plans.unit.colour: unknown key'))).toBe(true);
    expect(lines.some((l) => l.startsWith('plans.123: expected a name'))).toBe(true);
  });

  it('reports YAML syntax errors with their line', () => {
    const r = parsePlanFile('plans:\n  unit: [unclosed\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.list[0]!.path).toMatch(/^line \d+/);
  });

  it('accepts plans naming environments that already exist in the project', () => {
    expect(parsePlanFile('plans:\n  p: { framework: vitest, environments: [old] }\n', ['old']).ok).toBe(true);
    expect(parsePlanFile('plans:\n  p: { framework: vitest, environments: [old] }\n', []).ok).toBe(false);
  });

  it('takes options.worker only where the framework has a worker, in the form it takes', () => {
    const problems = (framework: string, worker: string): string[] => {
      const r = parsePlanFile(`plans:\n  p: { framework: ${framework}, environments: [old], options: { worker: ${worker} } }\n`, ['old']);
      return r.ok ? [] : r.problems.list.map((p) => `${p.path}: ${p.message}`);
    };
    expect(problems('mocha', 'true')).toEqual([expect.stringMatching(/^plans\.p\.options\.worker: framework mocha has no worker mode \(frameworks with one: command, jest, junit5, pytest, vitest\)/)]);
    expect(problems('jest', 'true')).toEqual([]);
    expect(problems('command', '"node worker.mjs"')).toEqual([]);
    expect(problems('command', 'true')).toEqual([expect.stringMatching(/^plans\.p\.options\.worker: expected the shell command that starts the worker .*got boolean true$/)]);
    expect(problems('pytest', 'true')).toEqual([]);
    expect(problems('pytest', 'yes')).toEqual(['plans.p.options.worker: expected true (pytest runs batches in one process), got string "yes"']);
    expect(problems('pytest', '"python3 -m pytest"')).toEqual(['plans.p.options.worker: expected true (pytest runs batches in one process), got string "python3 -m pytest"']);
    expect(problems('pytest', 'false')).toEqual([]);
    expect(problems('vitest', 'true')).toEqual([]);
    expect(problems('vitest', '"npx vitest"')).toEqual(['plans.p.options.worker: expected true (vitest runs batches in one process), got string "npx vitest"']);
  });

  it('refuses a secret that is not a variable and an empty file', () => {
    expect(parsePlanFile('environments:\n  e: { secrets: [NOPE] }\n').ok).toBe(false);
    expect(parsePlanFile('{}').ok).toBe(false);
    expect(parsePlanFile('- a list').ok).toBe(false);
  });
});
