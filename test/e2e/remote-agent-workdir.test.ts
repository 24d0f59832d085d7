import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminApi, spawnAgent, spawnServer, type SpawnedServer } from '../support/processes.js';
import { eventually } from '../support/server.js';

/**
 * A real `proctor agent --workdir W` and plans that try to work, or take files, outside W: by
 * climbing, by an absolute path, and through symlinks inside W that lead out.
 */
describe('a remote agent’s work directory', () => {
  let server: SpawnedServer;
  let agent: ReturnType<typeof spawnAgent>;
  let work: string;
  let outside: string;

  beforeAll(async () => {
    const base = mkdtempSync(join(tmpdir(), 'proctor-remote-workdir-'));
    work = join(base, 'work');
    outside = join(base, 'outside');
    mkdirSync(join(work, 'checks'), { recursive: true });
    mkdirSync(outside);
    chmodSync(outside, 0o777);
    writeFileSync(join(outside, 'check.sh'), '#!/bin/sh\necho "ran outside the work directory"\n');
    // A link in the work directory to a directory outside it: a workdir through it escapes.
    symlinkSync(outside, join(work, 'linked-out'));
    // The check leaves three "screenshots": its own, a link to a file outside W, a link to /etc/passwd.
    writeFileSync(
      join(work, 'checks', 'leak.sh'),
      [
        '#!/bin/sh',
        'mkdir -p shots',
        'echo "a screenshot" > shots/own.png',
        `echo "not the job's" > "${outside}/planted.txt"`,
        `ln -sf "${outside}/planted.txt" shots/outside.png`,
        'mkdir -p "$1"',
        `printf '<testsuites><testsuite name="s"><testcase classname="leak" name="leak.sh" file="checks/leak.sh"/></testsuite></testsuites>' > "$1/r.xml"`,
        '',
      ].join('\n'),
    );
    server = await spawnServer({ dataDir: mkdtempSync(join(tmpdir(), 'proctor-remote-workdir-data-')) });
    const token = (await adminApi(server.url, 'POST', '/api/v1/agents/tokens', { name: 'remote box' })).body.secret;
    agent = spawnAgent({ server: server.url, token, labels: ['box'], slots: 1, workdir: work, name: 'box' });
    const command = (discover: string) =>
      `options: { command: "sh {files} {report_dir}", discover: "${discover}", artifacts: ["shots/*.png"] }`;
    const plan = (name: string, workdir: string, discover = 'checks/leak.sh') =>
      `  ${name}: { framework: command, workdir: "${workdir}", environments: [box], ${command(discover)} }`;
    const file = [
      'environments:\n  box: { labels: [box] }',
      'plans:',
      plan('leak', '.'),
      plan('climb', '../outside', 'check.sh'),
      plan('absolute', outside, 'check.sh'),
      plan('linked', 'linked-out', 'check.sh'),
    ].join('\n');
    expect((await adminApi(server.url, 'POST', '/api/v1/apply', `${file}\n`)).status).toBe(200);
    await eventually(async () =>
      (await adminApi(server.url, 'GET', '/api/v1/agents')).body.items.some((a: { live: boolean }) => a.live)
        ? true
        : undefined,
    );
  }, 60_000);
  afterAll(async () => {
    agent?.kill('SIGTERM');
    await server?.stop();
  });

  const finished = (id: number) =>
    eventually(async () => {
      const r = (await adminApi(server.url, 'GET', `/api/v1/runs/${id}`)).body;
      return r.status === 'completed' ? r : undefined;
    }, 60_000);

  it('refuses a workdir outside --workdir, by climbing, by an absolute path or through a link, saying why', async () => {
    for (const plan of ['climb', 'absolute', 'linked']) {
      const run = (await adminApi(server.url, 'POST', `/api/v1/plans/${plan}/runs`, {})).body;
      const done = await finished(run.id);
      const [job] = (await adminApi(server.url, 'GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
        id: number;
        error: string;
        end_reason: string;
      }[];
      expect(done.result, `${plan}: ${JSON.stringify(job)}`).toBe('aborted');
      expect(job!.end_reason, plan).toBe('bad_options');
      expect(job!.error, plan).toMatch(/resolves to .*outside, outside the agent's work directory/);
      const log = (await adminApi<string>(server.url, 'GET', `/api/v1/runs/${run.id}/jobs/${job!.id}/log`)).body;
      expect(String(log), plan).not.toContain('ran outside the work directory');
    }
  });

  it('uploads the files a job made, but not a link to a file outside its directories', async () => {
    const run = (await adminApi(server.url, 'POST', '/api/v1/plans/leak/runs', {})).body;
    const done = await finished(run.id);
    expect(done.result).toBe('passed');
    const artifacts = (await adminApi(server.url, 'GET', `/api/v1/runs/${run.id}/artifacts`)).body.items as {
      name: string;
    }[];
    expect(artifacts.map((a) => a.name)).toEqual(['shots/own.png']);
    const jobs = (await adminApi(server.url, 'GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
      id: number;
      kind: string;
    }[];
    const job = jobs.find((j) => j.kind === 'execute')!;
    const log = String((await adminApi<string>(server.url, 'GET', `/api/v1/runs/${run.id}/jobs/${job.id}/log`)).body);
    expect(log).toMatch(
      /artifact shots\/outside\.png was not uploaded: it resolves to .*planted\.txt, outside the job's directories/,
    );
  });
});
