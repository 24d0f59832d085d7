import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ADMIN_TOKEN, eventually } from '../support/server.js';
import { adminApi, freshPostgresDatabase, spawnServer, type SpawnedServer } from '../support/processes.js';

const SERVER_SECRET = 'not-for-plans-7c1e9a';

/**
 * What a plan author tries on the embedded agent of a real `proctor serve`: print its environment,
 * every ancestor's `/proc/<pid>/environ` and command line, and the data directory, and work outside
 * `--workdir`.
 * The check script is the attacker; its log is what they would read.
 */
const PROBE = `#!/bin/sh
echo "uid=$(id -u)"
env
p=$PPID
while [ "$p" -gt 1 ]; do
  echo "== environ of $p"
  tr '\\000' '\\n' < /proc/$p/environ 2>&1
  echo "== command line of $p"
  tr '\\000' ' ' < /proc/$p/cmdline 2>&1
  echo
  p=$(sed 's/.*) //' /proc/$p/stat | cut -d' ' -f2)
done
echo "== data dir"
ls -la "$DATA_DIR" 2>&1
cat "$DATA_DIR/proctor.db" > /dev/null 2>&1 && echo "database READ" || echo "database not readable"
cat "$BLOB" > /dev/null 2>&1 && echo "blob READ" || echo "blob not readable"
mkdir -p "$1"
printf '<testsuites><testsuite name="s"><testcase classname="probe" name="probe.sh" file="checks/probe.sh"/></testsuite></testsuites>' > "$1/r.xml"
`;

/**
 * A check that leaves a screenshot of its own and links to files it should not hand over: one it
 * wrote outside the work directory, one it planted in the server's data directory.
 */
const LEAK = `#!/bin/sh
echo "a screenshot" > shots/own.png
echo "not the job's" > "$OUTSIDE/planted.txt"
ln -sf "$OUTSIDE/planted.txt" shots/outside.png
echo "planted" > "$DATA_DIR/planted.txt" 2>/dev/null && ln -sf "$DATA_DIR/planted.txt" shots/data.png
mkdir -p "$1"
printf '<testsuites><testsuite name="s"><testcase classname="leak" name="leak.sh" file="checks/leak.sh"/></testsuite></testsuites>' > "$1/r.xml"
`;

function suite(user: string | undefined, dialect: 'sqlite' | 'postgres') {
  let server: SpawnedServer;
  let work: string;
  let dataDir: string;
  let blob: string;
  let outside: string;
  let database: Awaited<ReturnType<typeof freshPostgresDatabase>> | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'proctor-isolation-'));
    chmodSync(work, 0o755);
    mkdirSync(join(work, 'checks'));
    writeFileSync(join(work, 'checks', 'probe.sh'), PROBE);
    chmodSync(join(work, 'checks', 'probe.sh'), 0o755);
    writeFileSync(join(work, 'checks', 'leak.sh'), LEAK);
    chmodSync(join(work, 'checks', 'leak.sh'), 0o755);
    // Where the leak check leaves its files, writable by the job whoever it runs as.
    mkdirSync(join(work, 'shots'));
    chmodSync(join(work, 'shots'), 0o777);
    // A directory outside the work directory, and a link to it inside: a workdir through the link escapes.
    outside = mkdtempSync(join(tmpdir(), 'proctor-isolation-outside-'));
    chmodSync(outside, 0o777);
    symlinkSync(outside, join(work, 'linked-out'));
    // The data directory inside the workdir, as `./.proctor` is by default.
    dataDir = join(work, 'data');
    // PostgreSQL's URL, with a password, in the environment: a command line is readable by every user of the machine.
    if (dialect === 'postgres') database = await freshPostgresDatabase();
    const env: Record<string, string> = { SERVER_SECRET, PGPASSWORD: SERVER_SECRET };
    if (database) env.PROCTOR_DATABASE_URL = withPassword(database.url, SERVER_SECRET);
    server = await spawnServer({
      dataDir,
      args: ['--local-slots', '1', '--workdir', work, ...(user ? ['--local-agent-user', user] : [])],
      env,
    });
    // A file the server keeps in its data directory on both dialects: an app build's blob.
    const content = Buffer.from(`app build of ${dialect}`);
    const sha = createHash('sha256').update(content).digest('hex');
    blob = join(dataDir, 'blobs', sha.slice(0, 2), sha);
    const plan = (name: string, workdir: string) =>
      `  ${name}: { framework: command, workdir: "${workdir}", environments: [e], options: { command: "sh {files} {report_dir}", discover: "checks/probe.sh" } }`;
    const file = [
      `environments:\n  e: { variables: { DATA_DIR: "${dataDir}", BLOB: "${blob}", OUTSIDE: "${outside}" } }`,
      'plans:',
      plan('probe', '.'),
      plan('climb', '../../../../etc'),
      plan('absolute', '/etc'),
      plan('into-data', 'data'),
      plan('linked', 'linked-out'),
      `  leak: { framework: command, workdir: ".", environments: [e], options: { command: "sh {files} {report_dir}", discover: "checks/leak.sh", artifacts: ["shots/*.png"] } }`,
    ].join('\n');
    expect((await adminApi(server.url, 'POST', '/api/v1/apply', `${file}\n`)).status).toBe(200);
    const upload = await fetch(`${server.url}/api/v1/app-builds?name=app&version=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
      body: content,
    });
    expect(upload.status, await upload.clone().text()).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  const finished = (id: number) =>
    eventually(async () => {
      const r = (await adminApi(server.url, 'GET', `/api/v1/runs/${id}`)).body;
      return r.status === 'completed' ? r : undefined;
    }, 60_000);

  /** The probe's log, from one run of it. */
  let probed: Promise<string> | undefined;
  const probeLog = () =>
    (probed ??= (async () => {
      const run = (await adminApi(server.url, 'POST', '/api/v1/plans/probe/runs', {})).body;
      const done = await finished(run.id);
      const jobs = (await adminApi(server.url, 'GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
        id: number;
        kind: string;
      }[];
      const job = jobs.find((j) => j.kind === 'execute');
      expect(job, JSON.stringify([done, jobs])).toBeDefined();
      const log = (await adminApi<string>(server.url, 'GET', `/api/v1/runs/${run.id}/jobs/${job!.id}/log`)).body;
      expect(done.result, log).toBe('passed');
      if (process.env.SHOW_LOG) console.log(log);
      return log;
    })());

  it("gives a job none of the server's environment, in its own or any ancestor's environ or command line", async () => {
    const log = await probeLog();
    expect(log).toContain('== environ of');
    expect(log).toContain('== command line of');
    expect(log).toContain('PATH=');
    expect(log).not.toContain(ADMIN_TOKEN);
    expect(log).not.toContain(SERVER_SECRET);
    if (user) expect(log).not.toContain('uid=0');
  });

  it(
    user
      ? 'keeps the data directory from a job run as another user'
      : "lets a job of the server's own user read the data directory, 0700 as it is (as the README says)",
    async () => {
      const log = await probeLog();
      // 0700 keeps the machine's other users out; a job of the server's own user is not one of them.
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      if (user) {
        expect(log).toMatch(/Permission denied/);
        expect(log).toContain('database not readable');
        expect(log).toContain('blob not readable');
        expect(log).not.toMatch(/ blobs\n/);
        expect(log).not.toContain('proctor.db-wal');
      } else {
        expect(log).toMatch(/ blobs\n/);
        expect(log).toContain('blob READ');
        // SQLite's database is a file there; PostgreSQL's is not.
        expect(log).toContain(dialect === 'sqlite' ? 'database READ' : 'database not readable');
      }
    },
  );

  it('refuses a workdir outside --workdir or in the data directory, saying why', async () => {
    for (const [plan, why] of [
      ['climb', 'outside the agent'],
      ['absolute', 'outside the agent'],
      ['into-data', "the server's data directory"],
      ['linked', 'outside the agent'],
    ] as const) {
      const run = (await adminApi(server.url, 'POST', `/api/v1/plans/${plan}/runs`, {})).body;
      const done = await finished(run.id);
      expect(done.result, plan).toBe('aborted');
      const [job] = (await adminApi(server.url, 'GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
        error: string;
        end_reason: string;
      }[];
      expect(job!.end_reason, plan).toBe('bad_options');
      expect(job!.error, plan).toContain(why);
    }
  });

  it('uploads the files a job made, but not links it made to a file outside its directories or in the data directory', async () => {
    const run = (await adminApi(server.url, 'POST', '/api/v1/plans/leak/runs', {})).body;
    const done = await finished(run.id);
    const jobs = (await adminApi(server.url, 'GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
      id: number;
      kind: string;
    }[];
    const job = jobs.find((j) => j.kind === 'execute');
    expect(job, JSON.stringify([done, jobs])).toBeDefined();
    const log = String((await adminApi<string>(server.url, 'GET', `/api/v1/runs/${run.id}/jobs/${job!.id}/log`)).body);
    expect(done.result, log).toBe('passed');
    const artifacts = (await adminApi(server.url, 'GET', `/api/v1/runs/${run.id}/artifacts`)).body.items as {
      name: string;
    }[];
    expect(artifacts.map((a) => a.name)).toEqual(['shots/own.png']);
    expect(log).toMatch(
      /artifact shots\/outside\.png was not uploaded: it resolves to .*, outside the job's directories/,
    );
    // Only the server's own user can plant a file in the data directory to link to.
    if (!user) expect(log).toContain("artifact shots/data.png was not uploaded: it is in the server's data directory");
  });
}

describeEachDialect('the embedded agent, as the server’s own user', (dialect) => suite(undefined, dialect));

const root = process.getuid?.() === 0;
if (root)
  describeEachDialect('the embedded agent with --local-agent-user nobody', (dialect) => suite('nobody', dialect));
else it.skip('the embedded agent with --local-agent-user nobody (needs root: skipped)', () => undefined);

/** The URL with a password in it (a test PostgreSQL that trusts local connections ignores it). */
function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}
