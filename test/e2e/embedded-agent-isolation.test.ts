import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, eventually } from '../support/server.js';
import { adminApi, spawnServer, type SpawnedServer } from '../support/processes.js';

const SERVER_SECRET = 'not-for-plans-7c1e9a';

/**
 * What a plan author tries on the embedded agent of a real `proctor serve`: print its environment,
 * every ancestor's `/proc/<pid>/environ`, and the data directory, and work outside `--workdir`.
 * The check script is the attacker; its log is what they would read.
 */
const PROBE = `#!/bin/sh
echo "uid=$(id -u)"
env
p=$PPID
while [ "$p" -gt 1 ]; do
  echo "== environ of $p"
  tr '\\000' '\\n' < /proc/$p/environ 2>&1
  p=$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f2)
done
echo "== data dir"
ls -la "$DATA_DIR" 2>&1
cat "$DATA_DIR/proctor.db" > /dev/null 2>&1 && echo "database READ" || echo "database not readable"
mkdir -p "$1"
printf '<testsuites><testsuite name="s"><testcase classname="probe" name="probe.sh" file="checks/probe.sh"/></testsuite></testsuites>' > "$1/r.xml"
`;

function suite(user: string | undefined) {
  let server: SpawnedServer;
  let work: string;
  let dataDir: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'proctor-isolation-'));
    chmodSync(work, 0o755);
    mkdirSync(join(work, 'checks'));
    writeFileSync(join(work, 'checks', 'probe.sh'), PROBE);
    chmodSync(join(work, 'checks', 'probe.sh'), 0o755);
    // The data directory inside the workdir, as `./.proctor` is by default.
    dataDir = join(work, 'data');
    server = await spawnServer({
      dataDir,
      args: ['--local-slots', '1', '--workdir', work, ...(user ? ['--local-agent-user', user] : [])],
      env: { SERVER_SECRET, PGPASSWORD: SERVER_SECRET },
    });
    const plan = (name: string, workdir: string) =>
      `  ${name}: { framework: command, workdir: "${workdir}", environments: [e], options: { command: "sh {files} {report_dir}", discover: "checks/probe.sh" } }`;
    const file = [
      `environments:\n  e: { variables: { DATA_DIR: "${dataDir}" } }`,
      'plans:',
      plan('probe', '.'),
      plan('climb', '../../../../etc'),
      plan('absolute', '/etc'),
      plan('into-data', 'data'),
    ].join('\n');
    expect((await adminApi(server.url, 'POST', '/api/v1/apply', `${file}\n`)).status).toBe(200);
  }, 60_000);
  afterAll(() => server?.stop());

  const finished = (id: number) =>
    eventually(async () => {
      const r = (await adminApi(server.url, 'GET', `/api/v1/runs/${id}`)).body;
      return r.status === 'completed' ? r : undefined;
    }, 60_000);

  it("gives a job none of the server's environment, in its own or any ancestor's environ", async () => {
    const run = (await adminApi(server.url, 'POST', '/api/v1/plans/probe/runs', {})).body;
    const done = await finished(run.id);
    const jobs = (await adminApi(server.url, 'GET', `/api/v1/runs/${run.id}/jobs`)).body.items as { id: number; kind: string }[];
    const job = jobs.find((j) => j.kind === 'execute');
    expect(job, JSON.stringify([done, jobs])).toBeDefined();
    const log = (await adminApi<string>(server.url, 'GET', `/api/v1/runs/${run.id}/jobs/${job!.id}/log`)).body;
    expect(done.result, log).toBe("passed");
    if (process.env.SHOW_LOG) console.log(log);
    expect(log).toContain('== environ of');
    expect(log).toContain('PATH=');
    expect(log).not.toContain(ADMIN_TOKEN);
    expect(log).not.toContain(SERVER_SECRET);
    if (user) {
      expect(log).not.toContain('uid=0');
      expect(log).toMatch(/Permission denied/);
      expect(log).toContain('database not readable');
      expect(log).not.toContain('proctor.db-wal');
    }
  });

  it('refuses a workdir outside --workdir or in the data directory, saying why', async () => {
    for (const [plan, why] of [
      ['climb', 'outside the agent'],
      ['absolute', 'outside the agent'],
      ['into-data', "the server's data directory"],
    ] as const) {
      const run = (await adminApi(server.url, 'POST', `/api/v1/plans/${plan}/runs`, {})).body;
      const done = await finished(run.id);
      expect(done.result, plan).toBe('aborted');
      const [job] = (await adminApi(server.url, 'GET', `/api/v1/runs/${run.id}/jobs`)).body.items as { error: string; end_reason: string }[];
      expect(job!.end_reason, plan).toBe('bad_options');
      expect(job!.error, plan).toContain(why);
    }
  });
}

describe('the embedded agent, as the server’s own user', () => suite(undefined));

const root = process.getuid?.() === 0;
(root ? describe : describe.skip)(`the embedded agent with --local-agent-user nobody${root ? '' : ' (needs root: skipped)'}`, () => suite('nobody'));
