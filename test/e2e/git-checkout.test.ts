import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestServer, type TestServer } from '../support/server.js';

/** A plan whose tests live in a git repository at a ref: the agent checks it out and runs it there. */
describe('plans from a git repository', () => {
  let s: TestServer;
  let repo: string;
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo, stdio: 'pipe' });

  beforeAll(async () => {
    repo = mkdtempSync(join(tmpdir(), 'proctor-repo-'));
    cpSync(resolve('examples/demo/command'), repo, { recursive: true });
    git('init', '-q', '-b', 'main');
    git('add', '.');
    git('commit', '-qm', 'checks');
    git('tag', 'v1');
    // A later commit on main breaks the arithmetic check; the tag still has the good one.
    writeFileSync(join(repo, 'checks', 'arithmetic.sh'), '#!/bin/sh\necho "2 + 2 is not 5" >&2\nexit 1\n');
    git('commit', '-qam', 'break arithmetic');
    s = await startTestServer('sqlite', { localAgent: true, slots: 2, workdir: mkdtempSync(join(tmpdir(), 'proctor-agent-')) });
    const plan = (ref: string) => `{ framework: command, repo: { url: "${repo}", ref: ${ref} }, environments: [e], options: { command: "node run-checks.mjs --report-dir {report_dir} {files}", discover: "checks/*.sh" } }`;
    await s.api('POST', '/api/v1/apply', `environments:\n  e: {}\nplans:\n  at-main: ${plan('main')}\n  at-tag: ${plan('v1')}\n  nowhere: { framework: command, repo: { url: "${repo}-missing", ref: main }, environments: [e], options: { command: "true" } }\n`);
  });
  afterAll(() => s?.close());

  const finished = (id: number) =>
    eventually(async () => {
      const r = (await s.api('GET', `/api/v1/runs/${id}`)).body;
      return r.status === 'completed' ? r : undefined;
    }, 60_000);
  const statusOf = async (id: number, file: string) =>
    ((await s.api('GET', `/api/v1/runs/${id}/results`)).body.items as { scenario: { file: string }; status: string }[]).find((r) => r.scenario.file === file)?.status;

  it('runs the suite as of the plan ref', async () => {
    const main = (await s.api('POST', '/api/v1/plans/at-main/runs', {})).body;
    await finished(main.id);
    expect(await statusOf(main.id, 'checks/arithmetic.sh')).toBe('failed');
    const tag = (await s.api('POST', '/api/v1/plans/at-tag/runs', {})).body;
    await finished(tag.id);
    expect(await statusOf(tag.id, 'checks/arithmetic.sh')).toBe('passed');
  });

  it('aborts the run with git’s own words when the checkout fails', async () => {
    const run = (await s.api('POST', '/api/v1/plans/nowhere/runs', {})).body;
    const done = await eventually(async () => {
      const r = (await s.api('GET', `/api/v1/runs/${run.id}`)).body;
      return r.status === 'completed' ? r : undefined;
    }, 60_000);
    expect(done).toMatchObject({ result: 'aborted', ended_by: 'system' });
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items;
    expect(jobs[0].error).toContain('checkout of');
    expect(jobs[0].end_reason).toBe('checkout_failed');
  });
});
