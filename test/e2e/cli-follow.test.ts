import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJUnitFile } from '../../src/reports/junit-parse.js';
import { ctrfErrors } from '../support/ctrf-schema.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

type Result = { code: number | null; out: string; err: string };

/**
 * `proctor run --wait` as a CI pipeline runs it: the real binary (no terminal) against a real server
 * with its local agent, on the demo vitest suite (7 pass, 2 fail).
 */
describe('proctor run --wait, rerun and logs in CI', () => {
  let s: TestServer;
  let dir: string;
  beforeAll(async () => {
    s = await startTestServer('sqlite', { localAgent: true, slots: 2 });
    dir = mkdtempSync(join(tmpdir(), 'proctor-follow-'));
    const empty = mkdtempSync(join(tmpdir(), 'proctor-empty-'));
    const yaml = `environments:\n  node: {}\n  nowhere: { labels: [no-agent-has-this] }\nplans:\n  demo:\n    framework: vitest\n    workdir: ${resolve('examples/demo/vitest')}\n    environments: [node]\n  empty:\n    framework: vitest\n    workdir: ${empty}\n    environments: [node]\n  stuck:\n    framework: vitest\n    workdir: ${empty}\n    environments: [nowhere]\n  unserved:\n    framework: vitest\n    workdir: ${empty}\n    environments: [nowhere]\n    on_unavailable: fail\n`;
    const applied = await s.api('POST', '/api/v1/apply', yaml);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  });
  afterAll(() => s?.close());

  // Asynchronous on purpose: the server runs in this process and must keep answering.
  function proctor(
    args: string[],
    env: Record<string, string | undefined> = {},
    onOut?: (all: string, kill: (signal: NodeJS.Signals) => void) => void,
  ): Promise<Result> {
    const child = spawn(process.execPath, [resolve('dist/main.js'), ...args], {
      env: {
        ...process.env,
        PROCTOR_URL: s.url,
        PROCTOR_TOKEN: ADMIN_TOKEN,
        XDG_CONFIG_HOME: join(dir, 'no-profile'),
        CI: 'true',
        GITHUB_ACTIONS: undefined,
        GITHUB_STEP_SUMMARY: undefined,
        VITEST: undefined,
        VITEST_POOL_ID: undefined,
        VITEST_WORKER_ID: undefined,
        ...env,
      } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      onOut?.(out, (signal) => child.kill(signal));
    });
    child.stderr.on('data', (d) => (err += d));
    return new Promise((done) => child.on('close', (code) => done({ code, out, err })));
  }

  const lastRunId = async (): Promise<number> => (await s.api('GET', '/api/v1/runs?limit=1')).body.items[0].id;

  it('exits 1 on failed tests, writes one plain line per event, and valid JUnit and CTRF files', async () => {
    const junit = join(dir, 'out', 'junit.xml');
    const ctrf = join(dir, 'out', 'ctrf.json');
    const r = await proctor(['run', 'demo', '--wait', '--junit', junit, '--ctrf', ctrf]);
    expect(r.code, r.err + r.out).toBe(1);
    expect(r.out).not.toContain('\x1b');
    const lines = r.out.trimEnd().split('\n');
    for (const l of lines) expect(l).toMatch(/^\[\d\d:\d\d:\d\d\] \S/);
    expect(lines.some((l) => /run \d+ started/.test(l))).toBe(true);
    const failed = lines.filter((l) => l.includes('] FAILED '));
    expect(failed).toHaveLength(2);
    for (const l of failed) expect(l).toMatch(/FAILED \w+\.test\.ts > .+ \(node\): .+/);
    expect(r.out).toMatch(/failed — 7 passed, 2 failed/);
    expect(lines.at(-1)).toContain('exit 1: tests failed');

    const cases = await readJUnitFile(junit);
    expect(cases).toHaveLength(11);
    expect(cases.filter((c) => c.outcome === 'failed')).toHaveLength(2);
    const report = JSON.parse(readFileSync(ctrf, 'utf8'));
    expect(ctrfErrors(report)).toEqual([]);
    expect(report.results.summary).toMatchObject({ tests: 11, passed: 7, failed: 2, skipped: 2 });
  });

  it('exits 0 when all pass, and --json prints only JSON events, one per line', async () => {
    const r = await proctor(['run', 'demo', '--scenario', 'checkout.test.ts', '--wait', '--json']);
    expect(r.code, r.err).toBe(0);
    const events = r.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; run?: { result: string }; exit_code?: number });
    expect(events[0]!.event).toBe('triggered');
    expect(events.map((e) => e.event)).toContain('started');
    expect(events.at(-1)).toMatchObject({ event: 'finished', exit_code: 0, run: { result: 'passed' } });
    const failedRun = await proctor(['run', 'demo', '--wait', '--json']);
    expect(failedRun.code).toBe(1);
    const failures = failedRun.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.event === 'failed');
    expect(failures.map((e) => e.result.status)).toEqual(['failed', 'failed']);
  });

  it('exits 3 when --timeout passes first, 4 when the system aborts the run, 2 when its plan does and on a bad flag before triggering', async () => {
    const timedOut = await proctor(['run', 'demo', '--wait', '--timeout', '1s']);
    expect(timedOut.code, timedOut.err + timedOut.out).toBe(3);
    expect(timedOut.out).toContain('did not finish within --timeout');
    // No agent can serve the plan's environment: nothing the plan can change.
    const aborted = await proctor(['run', 'unserved', '--wait']);
    expect(aborted.code, aborted.err + aborted.out).toBe(4);
    expect(aborted.out).toMatch(/run \d+ unserved: aborted/);
    // A workdir the agent cannot use: the plan's mistake, to fix there.
    const misconfigured = await proctor(['run', 'empty', '--wait']);
    expect(misconfigured.code, misconfigured.err + misconfigured.out).toBe(2);
    expect(misconfigured.out).toMatch(/run \d+ empty: aborted/);
    const before = await lastRunId();
    const bad = await proctor(['run', 'demo', '--wait', '--timeout', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--timeout "soon": expected a duration');
    expect(await lastRunId()).toBe(before);
  });

  it('annotates failures and writes a step summary in GitHub Actions', async () => {
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '');
    const r = await proctor(['run', 'demo', '--wait'], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(r.code).toBe(1);
    const annotations = r.out.split('\n').filter((l) => l.startsWith('::error '));
    expect(annotations).toHaveLength(2);
    for (const a of annotations) expect(a).toMatch(/^::error file=\w+\.test\.ts,title=.+ \(node\)::.+/);
    const md = readFileSync(summary, 'utf8');
    expect(md).toMatch(/### Proctor run \d+ of demo: failed/);
    expect(md).toContain('| 11 | 7 | 2 | 0 | 2 | 0 | 0 |');
    expect(md).toMatch(/#### Failed scenarios \(2\)\n\n- `\w+\.test\.ts > .+` \(node, failed\): .+/);
  });

  it('reruns only the failed scenarios, and prints the logs of a run', async () => {
    const first = await proctor(['run', 'demo', '--wait']);
    expect(first.code).toBe(1);
    const parent = Number(/run (\d+) of plan demo triggered/.exec(first.out)![1]);
    const rerun = await proctor(['rerun', String(parent), '--failed', '--wait']);
    expect(rerun.code, rerun.err + rerun.out).toBe(1);
    const child = Number(/run (\d+) of plan demo triggered/.exec(rerun.out)![1]);
    const rows = (await s.api('GET', `/api/v1/runs/${child}/results`)).body.items as {
      status: string;
      scenario: { key: string };
    }[];
    expect(rows).toHaveLength(2);
    expect(rows.every((x) => x.status === 'failed')).toBe(true);
    const pair = await proctor(['rerun', String(parent), '--pair', 'checkout.test.ts@node', '--pair', 'nope']);
    expect(pair.code).toBe(2);
    expect(pair.err).toContain('expected SCENARIO@ENVIRONMENT');

    const logs = await proctor(['logs', String(parent)]);
    expect(logs.code, logs.err).toBe(0);
    expect(logs.out).toMatch(/==> job \d+ \(discover, node/);
    expect(logs.out).toMatch(/==> job \d+ \(execute, node, \d+ scenarios?, completed\) <==/);
    const job = Number(/==> job (\d+) \(execute/.exec(logs.out)![1]);
    const one = await proctor(['logs', String(parent), '--job', String(job), '--follow']);
    expect(one.code, one.err).toBe(0);
    expect(one.out.length).toBeGreaterThan(0);
    expect(logs.out).toContain(one.out.trim().split('\n')[0]!);

    // Following a run that has just been triggered: every job's log as it comes, until the run ends.
    const live = (await s.api('POST', '/api/v1/plans/demo/runs', {})).body.id as number;
    const followed = await proctor(['logs', String(live), '--follow']);
    expect(followed.code, followed.err).toBe(0);
    expect(followed.out).toMatch(/==> job \d+ \(discover, node/);
    expect(followed.out).toMatch(/==> job \d+ \(execute, node, \d+ scenarios?, (running|completed)\) <==/);
    expect(followed.out).toContain('Test Files');
    expect((await s.api('GET', `/api/v1/runs/${live}`)).body.status).toBe('completed');
  });

  it('resumes after the server was unreachable mid-run, missing and repeating no failure', async () => {
    const proxy = await startProxy(new URL(s.url));
    let cut = false;
    const r = await proctor(
      ['run', 'demo', '--wait', '--poll-interval', '300ms'],
      { PROCTOR_URL: proxy.url },
      (out) => {
        if (cut || !/run \d+ started/.test(out)) return;
        cut = true;
        void proxy
          .stop()
          .then(() => new Promise((t) => setTimeout(t, 3000)))
          .then(() => proxy.start());
      },
    );
    await proxy.stop();
    expect(r.code, r.err + r.out).toBe(1);
    expect(r.err).toMatch(/server unreachable .*retrying in/);
    expect(r.err).toMatch(/server reachable again after \d+s; resuming/);
    expect(r.out.split('\n').filter((l) => l.includes('] FAILED '))).toHaveLength(2);
    expect(r.out).toMatch(/failed — 7 passed, 2 failed/);

    const gone = await proctor(['status', '1'], { PROCTOR_URL: proxy.url });
    expect(gone.code).toBe(4);
  });

  it('on SIGINT in CI exits 130 and cancels the remote run only with --cancel-on-interrupt', async () => {
    const interruptOnce = () => {
      let sent = false;
      return (all: string, kill: (signal: NodeJS.Signals) => void) => {
        if (sent || !/triggered/.test(all)) return;
        sent = true;
        kill('SIGINT');
      };
    };
    const kept = await proctor(['run', 'stuck', '--wait'], {}, interruptOnce());
    expect(kept.code, kept.err + kept.out).toBe(130);
    expect(kept.out).toMatch(/interrupted; run (\d+) goes on on the server/);
    const keptId = /run (\d+) goes on/.exec(kept.out)![1];
    expect((await s.api('GET', `/api/v1/runs/${keptId}`)).body.status).toBe('queued');
    const cancelled = await proctor(['run', 'stuck', '--wait', '--cancel-on-interrupt'], {}, interruptOnce());
    expect(cancelled.code).toBe(130);
    const id = /run (\d+) cancelled on the server/.exec(cancelled.out)![1];
    expect((await s.api('GET', `/api/v1/runs/${id}`)).body.status).toBe('cancelled');
    await s.api('POST', `/api/v1/runs/${keptId}/cancel`, {});
  });

  it('saves a login profile (mode 0600) that later commands use', async () => {
    const home = mkdtempSync(join(tmpdir(), 'proctor-home-'));
    const login = await proctor(['login', '--server', s.url, '--token', ADMIN_TOKEN], { XDG_CONFIG_HOME: home });
    expect(login.code, login.err).toBe(0);
    const file = join(home, 'proctor', 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const listed = await proctor(['plans', 'list'], {
      XDG_CONFIG_HOME: home,
      PROCTOR_URL: undefined,
      PROCTOR_TOKEN: undefined,
    });
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toContain('demo');
    const none = await proctor(['plans', 'list'], {
      XDG_CONFIG_HOME: join(home, 'nothing'),
      PROCTOR_URL: undefined,
      PROCTOR_TOKEN: undefined,
    });
    expect(none.code).toBe(2);
    expect(none.err).toContain('proctor login --server URL --token KEY');
    const refused = await proctor(['login', '--server', s.url, '--token', 'pk_wrong'], {
      XDG_CONFIG_HOME: join(home, 'other'),
    });
    expect(refused.code).toBe(2);
  });
});

/** A TCP-level stand-in for a server that goes away: a forwarding HTTP proxy that can be stopped and started on one port. */
async function startProxy(target: URL): Promise<{ url: string; stop(): Promise<void>; start(): Promise<void> }> {
  let server: Server;
  let port = 0;
  const sockets = new Set<Socket>();
  const start = () =>
    new Promise<void>((done) => {
      server = createServer((req, res) => {
        const upstream = request(
          { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
          (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        req.pipe(upstream);
      });
      server.on('connection', (c) => {
        sockets.add(c);
        c.on('close', () => sockets.delete(c));
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as { port: number }).port;
        done();
      });
    });
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    start,
    stop: () =>
      new Promise<void>((done) => {
        for (const c of sockets) c.destroy();
        if (!server.listening) return done();
        server.close(() => done());
      }),
  };
}
