import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

/**
 * The CI integrations this repository ships run the CLI from this repository, never a bare
 * `npx proctor` (which would fetch whatever the npm registry has under that name). Their scripts
 * run here under bash with an `npx` that only records what it was asked to run.
 */
describe('the CI snippets', () => {
  const fakeNpx = () => {
    const bin = mkdtempSync(join(tmpdir(), 'proctor-npx-'));
    writeFileSync(join(bin, 'npx'), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
    chmodSync(join(bin, 'npx'), 0o755);
    return bin;
  };

  it("GitHub Actions: runs proctor from the action's own copy, with every input as an argument", () => {
    const action = parse(readFileSync(resolve('action.yml'), 'utf8')) as { runs: { steps: { run: string }[] } };
    const env = {
      PATH: `${fakeNpx()}:${process.env.PATH}`,
      GITHUB_ACTION_PATH: '/actions/proctor',
      IN_PLAN: 'unit',
      IN_ENV: 'chrome, firefox',
      IN_SCENARIOS: '',
      IN_PARAMS: 'A=1',
      IN_BUILD: '7',
      IN_REF: 'abc',
      IN_WAIT: 'true',
      IN_TIMEOUT: '30m',
      IN_JUNIT: 'j.xml',
      IN_CTRF: '',
      IN_FAIL_ON_FLAKY: 'false',
      IN_CANCEL: 'true',
      IN_PACKAGE: '',
      PROCTOR_URL_INPUT: '',
      PROCTOR_TOKEN_INPUT: '',
    };
    const args = execFileSync('bash', ['-c', action.runs.steps[0]!.run], { env, encoding: 'utf8' }).trim().split('\n');
    expect(args).toEqual([
      '--yes',
      '--package=/actions/proctor',
      'proctor',
      'run',
      'unit',
      '--env',
      'chrome',
      '--env',
      'firefox',
      '--param',
      'A=1',
      '--build',
      '7',
      '--ref',
      'abc',
      '--wait',
      '--timeout',
      '30m',
      '--junit',
      'j.xml',
      '--cancel-on-interrupt',
    ]);
  });

  it('GitLab CI: runs proctor from this repository by default', () => {
    const job = (
      parse(readFileSync(resolve('ci/gitlab-proctor.yml'), 'utf8')) as Record<
        string,
        { variables: Record<string, string>; script: string[] }
      >
    )['.proctor-run']!;
    const env = {
      ...job.variables,
      PATH: `${fakeNpx()}:${process.env.PATH}`,
      PROCTOR_PLAN: 'unit',
      CI_PIPELINE_IID: '3',
      CI_COMMIT_SHA: 'abc',
    };
    const args = execFileSync('bash', ['-c', job.script[0]!], { env, encoding: 'utf8' }).trim().split('\n');
    expect(args.slice(0, 4)).toEqual(['--yes', '--package=github:<owner>/proctor', 'proctor', 'run']);
    expect(args).toContain('--junit');
  });
});
