import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proctorCli } from '../support/processes.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { ADMIN_TOKEN, runEnded, startTestServer, type TestServer } from '../support/server.js';

/**
 * A newcomer's first hour with the real `proctor` binary: every mistake caught when it is made and
 * named with the file, the line and what to write; no stack trace; words that say only what is known.
 */
describe("a newcomer's first hour with the CLI", () => {
  let s: TestServer;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'proctor-first-hour-'));
    // The tests a newcomer keeps next to their plan file: examples/demo/command, in a folder `app`.
    mkdirSync(join(dir, 'project'));
    cpSync(resolve('examples/demo/command'), join(dir, 'project', 'app'), { recursive: true });
    s = await startTestServer('sqlite', { localAgent: true, slots: 2, workdir: dir });
  });
  afterAll(() => s?.close());

  const proctor = (args: string[], env: Record<string, string | undefined> = {}) =>
    proctorCli(args, { server: s.url, token: ADMIN_TOKEN, home: join(dir, 'no-profile') }, env);
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const plan = (body: string) => `environments:\n  node: {}\nplans:\n  broken:\n${body}`;

  it('refuses a plan that cannot run, naming the file, the line and what to write instead', async () => {
    const path = file(
      'p-typo.yaml',
      plan('    framework: vitset\n    workdir: .\n    environments: [node]\n    timeout: 90\n    retires: 2\n'),
    );
    const r = await proctor(['apply', '-f', path]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${path} is invalid (3 problems); nothing was applied:`);
    expect(r.err).toContain(
      `${path}:5: plans.broken.framework: unknown framework "vitset" (did you mean vitest?); expected one of`,
    );
    expect(r.err).toContain(
      `${path}:8: plans.broken.timeout: expected a duration like "10m", got number 90 (a number has no unit: write "90s" or "90m")`,
    );
    expect(r.err).toContain(`${path}:9: plans.broken.retires: unknown key (did you mean retries?)`);
    expect(r.err).not.toContain('proctor.yaml');
    expect(r.err).not.toMatch(/\n\s+at /);
    expect((await s.api('GET', '/api/v1/plans/broken')).status).toBe(404);
  });

  it('ends a value it quotes only in part with …', async () => {
    const path = file(
      'p-long.yaml',
      plan(`    framework: command\n    workdir: .\n    environments: [node]\n    timeout: "${'x'.repeat(200)}"\n`),
    );
    const r = await proctor(['apply', '-f', path]);
    expect(r.code).toBe(2);
    // 60 characters of what it got, the last of them the sign that there was more.
    expect(r.err).toContain(`plans.broken.timeout: expected a duration like "10m", got string "${'x'.repeat(51)}…`);
    expect(r.err).not.toContain('x'.repeat(52));
  });

  it("refuses options the framework's adapter does not take, or in a shape it cannot read, naming what to write", async () => {
    const path = file(
      'p-options.yaml',
      plan(
        '    framework: pytest\n    workdir: .\n    environments: [node]\n    options:\n      pythn: python3\n      args: "-x"\n',
      ),
    );
    const r = await proctor(['apply', '-f', path]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${path} is invalid (2 problems); nothing was applied:`);
    expect(r.err).toContain(
      `${path}:9: plans.broken.options.pythn: unknown option of pytest; did you mean python? (pytest takes python, args, worker, artifacts, artifacts_max_mb)`,
    );
    expect(r.err).toContain(
      `${path}:10: plans.broken.options.args: expected a list of strings like ["-x"], got string "-x"`,
    );
    expect(r.err).not.toMatch(/\n\s+at /);
    expect((await s.api('GET', '/api/v1/plans/broken')).status).toBe(404);
  });

  it('applies a command plan without the command it runs, and warns with what to write', async () => {
    const path = file(
      'p-nocmd.yaml',
      plan(
        '    framework: command\n    workdir: .\n    environments: [node]\n    options: { discover: "checks/*.sh" }\n',
      ),
    );
    const r = await proctor(['apply', '-f', path]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      `warning: ${path}:8: plans.broken.options.command: not set, and the command adapter cannot run without it`,
    );
    expect(r.err).toContain('write command: "sh {files}"');
  });

  it('reports a YAML syntax error whole: where, what, and the line it points at', async () => {
    const path = file('p-syntax.yaml', 'plans:\n  broken: { framework: command\n  other: 1\n');
    const r = await proctor(['apply', '-f', path]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/line 3, column \d+: .+ \(line 3 reads " {2}other: 1"\)/);
    expect(r.err).not.toMatch(/column \d+:\s*$/m);
  });

  it('applies a plan without a workdir, and says what that means', async () => {
    const r = await proctor([
      'apply',
      '-f',
      file('p-nowd.yaml', plan('    framework: command\n    environments: [node]\n    options: { command: "true" }\n')),
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(
      /warning: .*p-nowd\.yaml:\d+: plans\.broken\.workdir: not set: the plan runs in the agent's work directory itself/,
    );
  });

  it('reads one string where a list belongs as a list of one, and says what to write', async () => {
    const path = file(
      'p-glob.yaml',
      `environments:\n  node: {}\nplans:\n  globbed:\n    framework: command\n    workdir: .\n    environments: [node]\n    options: { command: "true" }\n    scenarios: { include: "test/*.js" }\n`,
    );
    const r = await proctor(['apply', '-f', path]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      `warning: ${path}:9: plans.globbed.scenarios.include: expected a list, got one string: read as a list of one; write include: ["test/*.js"]`,
    );
    expect((await s.api('GET', '/api/v1/plans/globbed')).body.definition.scenarios.include).toEqual(['test/*.js']);
  });

  it('resolves a relative workdir against the plan file, and the run passes', async () => {
    const path = join(dir, 'project', 'p-rel.yaml');
    writeFileSync(
      path,
      `environments:\n  node: {}\nplans:\n  rel:\n    framework: command\n    workdir: app\n    environments: [node]\n    options: { command: "node run-checks.mjs --report-dir {report_dir} {files}", discover: "checks/*.sh" }\n`,
    );
    const applied = await proctor(['apply', '-f', path]);
    expect(applied.code, applied.err).toBe(0);
    expect(applied.out).toContain(`plan rel: workdir app is ${join(dir, 'project', 'app')}`);
    expect((await s.api('GET', '/api/v1/plans/rel')).body.definition.workdir).toBe(join(dir, 'project', 'app'));
    const run = await proctor(['run', 'rel', '--wait']);
    expect(run.out).not.toContain('infrastructure');
    expect([0, 1], run.out + run.err).toContain(run.code);
  });

  it('exits 2, not 4, when a run is aborted by its own configuration', async () => {
    await s.api(
      'POST',
      '/api/v1/apply',
      plan(
        '    framework: command\n    workdir: no-such-folder\n    environments: [node]\n    options: { command: "true", discover: "*.sh" }\n',
      ),
    );
    const r = await proctor(['run', 'broken', '--wait']);
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.out).toContain('exit 2: usage or configuration error');
    expect(r.out).toContain('does not exist on this agent');
  });

  it('records CLI runs as such, names the dashboard page, counts in words that fit', async () => {
    const r = await proctor(['run', 'rel', '--wait']);
    const id = Number(/run (\d+) of plan rel triggered/.exec(r.out)![1]);
    expect(r.out).toContain(`${s.url}/runs/${id}`);
    expect(r.out).not.toMatch(/started: 0 scenario runs/);
    expect(r.out).toMatch(/run \d+: \d+ scenario runs? to do/);
    expect((await s.api('GET', `/api/v1/runs/${id}`)).body.trigger.source).toBe('cli');
  });

  it('records a rerun the CLI asks for as cli, like its runs', async () => {
    const parent = (await s.api('POST', '/api/v1/plans/rel/runs', {})).body;
    await runEnded(s, parent.id);
    const [row] = (await s.api('GET', `/api/v1/runs/${parent.id}/results`)).body.items;
    const r = await proctor(['rerun', String(parent.id), '--pair', `${row.scenario.key}@${row.environment}`]);
    expect(r.code, r.err).toBe(0);
    const id = Number(/run (\d+) of plan rel triggered/.exec(r.out)![1]);
    expect((await s.api('GET', `/api/v1/runs/${id}`)).body).toMatchObject({
      rerun_parent_id: parent.id,
      trigger: { source: 'cli' },
    });
    // The same rule as a trigger's: the dashboard names itself, any other caller is the API.
    const pairs = [{ scenario: row.scenario.key, environment: row.environment }];
    expect(
      (
        await s.api(
          'POST',
          `/api/v1/runs/${parent.id}/rerun`,
          { pairs },
          { headers: { 'x-proctor-client': 'dashboard' } },
        )
      ).body.trigger.source,
    ).toBe('dashboard');
    expect((await s.api('POST', `/api/v1/runs/${parent.id}/rerun`, { pairs })).body.trigger.source).toBe('api');
  });

  it.skipIf(!HAS_SCRIPT)('tells a person at a terminal why a run ended early', async () => {
    const r = await inTerminal(['run', 'broken', '--wait'], {
      PROCTOR_URL: s.url,
      PROCTOR_TOKEN: ADMIN_TOKEN,
      XDG_CONFIG_HOME: join(dir, 'no-profile'),
    });
    expect(r.code, r.out).toBe(2);
    // The reason in full, wrapped to the terminal's width.
    const why = r.out.slice(r.out.indexOf('\nended by ')).replace(/\n/g, ' ');
    expect(why).toMatch(
      /^ ended by system: discovery failed: workdir "no-such-folder" does not exist on this agent \(looked in .*\); fix the plan's workdir or start the agent with --workdir /,
    );
    expect(r.out).toContain('exit 2: usage or configuration error');
  });

  it.skipIf(!HAS_SCRIPT)('never shows a header of 0/0 at a terminal once it has printed a failure', async () => {
    const app = join(dir, 'project', 'app');
    const applied = await s.api(
      'POST',
      '/api/v1/apply',
      `environments:\n  node: {}\nplans:\n  tty-fails:\n    framework: command\n    workdir: ${app}\n    environments: [node]\n    options: { command: "node run-checks.mjs --report-dir {report_dir} {files}", discover: "checks/*.sh" }\n`,
    );
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    // Polls far apart: the run fails between two of them, the case the header once lagged behind in.
    const r = await inTerminal(['run', 'tty-fails', '--wait', '--poll-interval', '3s'], {
      PROCTOR_URL: s.url,
      PROCTOR_TOKEN: ADMIN_TOKEN,
      XDG_CONFIG_HOME: join(dir, 'no-profile'),
    });
    expect(r.code, r.out).toBe(1);
    const lines = r.out.split('\n');
    const failure = lines.findIndex((l) => l.startsWith('FAILED '));
    expect(failure, r.out).toBeGreaterThan(0);
    // Every block drawn from the failure on: the run's own status and counts, never the queued 0/0 of before.
    const after = lines.slice(failure);
    const bars = after.map((l) => /^\[[#-]+\]\s+(\d+)\/(\d+)\s+\d+%$/.exec(l)).filter((m) => m !== null);
    const heads = after.map((l) => /^run \d+ tty-fails\s+(\w+)\s/.exec(l)?.[1]).filter((h) => h !== undefined);
    expect(bars.length, r.out).toBeGreaterThan(0);
    expect(heads.length, r.out).toBe(bars.length);
    for (const [, done, total] of bars) {
      expect(Number(total), r.out).toBeGreaterThan(0);
      expect(Number(done), r.out).toBeGreaterThan(0);
    }
    expect(heads, r.out).not.toContain('queued');
  });

  it('cancels a run, and says so when it had already ended', async () => {
    await s.api(
      'POST',
      '/api/v1/apply',
      `environments:\n  slow-env: { labels: [nobody-has-this] }\nplans:\n  waits:\n    framework: command\n    workdir: .\n    environments: [slow-env]\n    options: { command: "true" }\n`,
    );
    const run = (await s.api('POST', '/api/v1/plans/waits/runs', {})).body;
    const cancelled = await proctor(['cancel', String(run.id)]);
    expect(cancelled.code, cancelled.err).toBe(0);
    expect(cancelled.out).toContain(`Cancelled run ${run.id} of plan waits`);
    expect((await runEnded(s, run.id)).status).toBe('cancelled');
    const again = await proctor(['cancel', String(run.id)]);
    expect(again.code).toBe(2);
    expect(again.err).toContain('has already ended');
  });

  it('points at proctor plans list for a plan that does not exist', async () => {
    const r = await proctor(['run', 'no-such-plan']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('proctor plans list');
  });

  it('ends every usage mistake with exit 2 and a sentence, never a stack trace', async () => {
    const rerun = await proctor(['rerun', '1', '--wait']);
    expect(rerun.code).toBe(2);
    expect(rerun.err).toContain('pass either --failed or one or more --pair');
    const noFile = await proctor(['apply']);
    expect(noFile.code).toBe(2);
    expect(noFile.err).toContain("required option '-f, --file <path>' not specified");
    for (const r of [rerun, noFile]) expect(r.err).not.toMatch(/TypeError|\n\s+at /);
  });

  it('marks a retry in the logs, and strips colour codes when its output is not a terminal', async () => {
    await s.api(
      'POST',
      '/api/v1/apply',
      `environments:\n  manual: { labels: [by-hand] }\nplans:\n  colours:\n    framework: command\n    workdir: .\n    environments: [manual]\n    options: { command: "true" }\n`,
    );
    const run = (await s.api('POST', '/api/v1/plans/colours/runs', {})).body;
    const agent = await ProtocolAgent.register(s, ['by-hand'], 1);
    const [first] = await agent.claim(1);
    await agent.complete(first!, {
      outcome: 'errored',
      reason: 'crashed',
      retryable: true,
      error: 'the machine went away',
    });
    const [retry] = await agent.claim(1);
    expect(retry!.attempt).toBe(2);
    await s.api(
      'POST',
      `/api/agent/v1/jobs/${retry!.job_id}/log`,
      { lease_token: retry!.lease_token, offset: 0, data: '\x1b[31mred\x1b[39m and \x1b[1mbold\x1b[22m\n' },
      { token: agent.token },
    );
    await agent.discover(retry!, ['a.sh']);
    const r = await proctor(['logs', String(run.id)]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /==> job \d+ \(discover, manual, 0 scenarios, completed; attempt 2, a retry: attempt 1 errored \(crashed\)\) <==/,
    );
    expect(r.out).toContain('red and bold');
    expect(r.out).not.toContain('\x1b');
  });

  it('stops quietly when the reader of its output goes away (| head)', async () => {
    for (const args of [
      ['runs', 'list'],
      ['logs', '1'],
      ['plans', 'list'],
    ]) {
      const child = spawn(process.execPath, [resolve('dist/main.js'), ...args], {
        env: {
          ...process.env,
          PROCTOR_URL: s.url,
          PROCTOR_TOKEN: ADMIN_TOKEN,
          XDG_CONFIG_HOME: join(dir, 'no-profile'),
          VITEST: undefined,
          VITEST_POOL_ID: undefined,
          VITEST_WORKER_ID: undefined,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      // The reader is gone before the command writes a byte: every write hits a closed pipe.
      child.stdout.destroy();
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const code = await new Promise<number | null>((done) => child.on('close', done));
      expect(err, args.join(' ')).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
      expect(code, args.join(' ')).toBe(0);
    }
  });

  it('says how to choose another port when its port is taken, under npm start too', async () => {
    const busy = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => busy.once('listening', r));
    const port = (busy.address() as { port: number }).port;
    try {
      const serve = [
        'serve',
        '--port',
        String(port),
        '--data-dir',
        join(dir, 'busy-data'),
        '--no-local-agent',
        '--log-level',
        'silent',
      ];
      // npm start runs `node scripts/start.mjs` with npm_lifecycle_event=start, as npm does for every script.
      const underNpm = await proctor(serve, { npm_lifecycle_event: 'start' });
      expect(underNpm.code).toBe(2);
      expect(underNpm.err).toContain(
        `port ${port} is in use: stop the other server, or choose another port with npm start -- --port N or PROCTOR_PORT=N npm start`,
      );
      const direct = await proctor(serve, { npm_lifecycle_event: undefined });
      expect(direct.code).toBe(2);
      expect(direct.err).toContain(
        `port ${port} is in use: stop the other server, or choose another port with --port N or PROCTOR_PORT=N\n`,
      );
      for (const r of [underNpm, direct]) expect(r.err).not.toMatch(/\n\s+at /);
    } finally {
      busy.close();
    }
  });

  it('reports a setting it cannot start with in one line that says what to do', async () => {
    const badToken = await proctor(['serve', '--port', '0', '--data-dir', join(dir, 'bad-token'), '--no-local-agent'], {
      PROCTOR_ADMIN_TOKEN: 'not-a-key',
    });
    expect(badToken.code).toBe(2);
    expect(badToken.err).toMatch(/^proctor: PROCTOR_ADMIN_TOKEN must look like pk_/);
    const noDatabase = await proctor([
      'serve',
      '--port',
      '0',
      '--database-url',
      'postgres://nobody@127.0.0.1:1/none',
      '--no-local-agent',
    ]);
    expect(noDatabase.code).toBe(4);
    expect(noDatabase.err).toContain('cannot open the database');
    expect(noDatabase.err).toContain('PROCTOR_DATABASE_URL');
    for (const r of [badToken, noDatabase]) {
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).not.toMatch(/unexpected error|\n\s+at /);
    }
  });
});

/** Whether `script` (util-linux) is there to give the CLI a terminal of its own. */
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

/** The `proctor` binary at a terminal (`script` allocates one): the live view, not plain lines. */
function inTerminal(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; out: string }> {
  const command = [process.execPath, resolve('dist/main.js'), ...args]
    .map((a) => `'${a.replace(/'/g, `'\\''`)}'`)
    .join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], {
    env: {
      ...process.env,
      CI: undefined,
      GITHUB_ACTIONS: undefined,
      VITEST: undefined,
      VITEST_POOL_ID: undefined,
      VITEST_WORKER_ID: undefined,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  // Colours and cursor moves out, line ends as a terminal writes them made plain.
  const plain = () => out.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/\r/g, '');
  return new Promise((done) => child.on('close', (code) => done({ code, out: plain() })));
}

type Answer = { status?: number; type: string; body: string };
const json = (body: unknown): Answer => ({ type: 'application/json; charset=utf-8', body: JSON.stringify(body) });
const PAGE: Answer = {
  type: 'text/html; charset=utf-8',
  body: '<!doctype html>\n<html><head><title>Welcome to nginx!</title></head><body>It works</body></html>',
};
const counts = (over: Record<string, number> = {}) => ({
  total: 0,
  queued: 0,
  running: 0,
  passed: 0,
  failed: 0,
  flaky: 0,
  skipped: 0,
  aborted: 0,
  stopped: 0,
  not_executed: 0,
  ...over,
});
const endedRun = (over: Record<string, unknown> = {}) => ({
  id: 7,
  plan: { id: 1, name: 'unit' },
  status: 'completed',
  result: 'passed',
  counts: counts(),
  ended_by: null,
  end_reason: null,
  duration_ms: 1000,
  unavailable_environments: [],
  ...over,
});

/**
 * The CLI against a local HTTP server that is not Proctor (a web server, another API) or that
 * answers exactly what a test needs: one sentence and exit 4, never a TypeError with a stack.
 */
describe('the CLI against a server that answers something else', () => {
  let fake: Server;
  let url: string;
  let answer: (req: IncomingMessage) => Answer = () => PAGE;
  beforeAll(async () => {
    fake = createHttpServer((req, res) => {
      const a = answer(req);
      res.writeHead(a.status ?? 200, { 'content-type': a.type }).end(a.body);
    });
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(fake.address() as { port: number }).port}`;
  });
  afterAll(() => fake?.close());

  const proctor = (args: string[]) =>
    proctorCli(args, { server: url, token: ADMIN_TOKEN, home: join(tmpdir(), 'proctor-no-profile') });
  const oneLine = (r: { err: string }) => {
    expect(r.err.trim().split('\n'), r.err).toHaveLength(1);
    expect(r.err).not.toMatch(/TypeError|unexpected error|\n\s+at /);
  };

  it("refuses a web page where Proctor's JSON belongs, naming the URL, the status and what came", async () => {
    answer = () => PAGE;
    const expected: [string[], string][] = [
      [['runs', 'list'], 'GET /api/v1/runs?limit=20'],
      [['plans', 'list'], 'GET /api/v1/plans'],
      [['run', 'unit', '--wait'], 'POST /api/v1/plans/unit/runs'],
    ];
    for (const [args, call] of expected) {
      const r = await proctor(args);
      expect(r.code, args.join(' ')).toBe(4);
      expect(r.err).toBe(
        `proctor: the server at ${url} answered 200 to ${call} with text/html ("<!doctype html> <html><head><title>Welcome to nginx!</title>…"), not Proctor's JSON: is --server / PROCTOR_URL a Proctor server?\n`,
      );
      oneLine(r);
    }
    answer = () => ({ ...PAGE, status: 404 });
    const notFound = await proctor(['runs', 'list']);
    expect(notFound.code).toBe(4);
    expect(notFound.err).toContain(`answered 404 to GET /api/v1/runs?limit=20 with text/html`);
    oneLine(notFound);
  });

  it('refuses JSON of another shape, saying what it expected', async () => {
    answer = () => json({ status: 'ok', items: 'none' });
    for (const [args, what] of [
      [['runs', 'list'], 'a list of runs'],
      [['plans', 'list'], 'a list of plans'],
      [['run', 'unit', '--wait'], 'a run'],
    ] as const) {
      const r = await proctor([...args]);
      expect(r.code, args.join(' ')).toBe(4);
      expect(r.err).toContain(`with JSON that is not ${what} ("{"status":"ok","items":"none"}"), not Proctor's JSON`);
      oneLine(r);
    }
  });

  it('ends on an error nobody foresaw with one line, no stack', async () => {
    // A run that failed, and a result row without the scenario every view reads.
    answer = (req) =>
      req.url!.startsWith('/api/v1/runs/7/results')
        ? json({ items: [{ id: 1, status: 'failed' }], next_cursor: null })
        : json(endedRun({ result: 'failed', counts: counts({ total: 1, failed: 1 }) }));
    const r = await proctor(['run', 'unit', '--wait', '--token', ADMIN_TOKEN, '--param', 'PASSWORD=hunter2']);
    expect(r.code).toBe(4);
    // Whose fault it is, what to do, and the command that caused it, without the key it was given.
    expect(r.err).toMatch(
      /^proctor: unexpected error: TypeError: [^\n]+\. This is a bug in Proctor, not a mistake of yours: please report it to Proctor's maintainers with this line \(command: proctor run unit --wait --token … --param PASSWORD=…; proctor \d+\.\d+\.\d+\)\n$/,
    );
    expect(r.err).not.toContain(ADMIN_TOKEN.slice(14));
    expect(r.err).not.toContain('hunter2');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('counts in words that fit one: run, result, day, blob', async () => {
    answer = (req) =>
      req.url === '/api/v1/admin/retention'
        ? json({ runs: 1, results: 1, logs: 1, artifacts: 1, app_builds: 1, blobs: 1, statements: 3, duration_ms: 5 })
        : json({
            items: [],
            policies: [
              {
                project: { id: 1, name: 'web' },
                policy: { run_days: 1, run_last: null, log_days: 2, artifact_days: 1, app_build_last: null },
              },
            ],
            blobs: { rows: 1, bytes: 10, unreferenced: { rows: 0, bytes: 0 } },
          });
    const retention = await proctor(['admin', 'retention']);
    expect(retention.code, retention.err).toBe(0);
    expect(retention.out).toBe('Deleted 1 run (1 result), 1 log, 1 artifact, 1 app build, 1 blob in 5 ms\n');
    const usage = await proctor(['admin', 'usage']);
    expect(usage.code, usage.err).toBe(0);
    expect(usage.out).toContain('web: runs 1 day, last all per plan; logs 2 days; artifacts 1 day;');
    expect(usage.out).toContain('blob store: 1 blob, 10 B;');
  });

  it.skipIf(!HAS_SCRIPT)('says "1 more environment" under the live matrix', async () => {
    const envs = Array.from({ length: 9 }, (_, i) => `env-${i + 1}`);
    const rows = envs.map((environment, i) => ({
      id: i + 1,
      status: 'passed',
      environment,
      message: null,
      scenario: { id: 1, key: 'a.sh', file: 'a.sh', path: [] },
    }));
    answer = (req) =>
      req.url!.startsWith('/api/v1/runs/7/results')
        ? json({ items: rows, next_cursor: null })
        : json(endedRun({ counts: counts({ total: 9, passed: 9 }) }));
    const r = await inTerminal(['run', 'unit', '--wait'], {
      PROCTOR_URL: url,
      PROCTOR_TOKEN: ADMIN_TOKEN,
      XDG_CONFIG_HOME: join(tmpdir(), 'proctor-no-profile'),
    });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/… 1 more environment\n/);
  });
});
