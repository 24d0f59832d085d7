import { cpSync, mkdtempSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Agent } from '../../src/agent/agent.js';
import { AgentClient } from '../../src/agent/http-client.js';
import { describeEachDialect } from '../support/dialects.js';
import { bareRepoOf, serveGitRepo, type GitHost } from '../support/git-http.js';
import { runEnded, startTestServer, type TestServer } from '../support/server.js';

type Held = { body: Buffer; res: ServerResponse };

/**
 * Sits between an agent and the server. While `holding`, heartbeats are kept back (not sent on);
 * once a completion's answer hands the agent the retry of the job it completed, the heartbeats
 * kept back go to the server, which answers them about the attempt they name: the first one,
 * whose lease ended. The answers are recorded.
 */
async function heartbeatHolder(target: string) {
  const held: Held[] = [];
  const answers: { lost: number[] }[] = [];
  let holding = true;
  const forward = (method: string, path: string, headers: IncomingMessage['headers'], body: Buffer) =>
    new Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }>((done, fail) => {
      const req = request(
        new URL(path, target),
        { method, headers: { ...headers, host: new URL(target).host } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            done({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  const relay = async (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const out = await forward(req.method ?? 'GET', req.url ?? '/', req.headers, body);
    res
      .writeHead(out.status, { 'content-type': String(out.headers['content-type'] ?? 'application/json') })
      .end(out.body);
    return out;
  };
  let release: Promise<void> | null = null;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      if (path === '/api/agent/v1/heartbeat' && holding) return void held.push({ body, res });
      // A claim long-poll cut short when the test closes the server is not part of the race.
      const out = await relay(req, body, res).catch(() => void res.destroy());
      if (!out) return;
      const completed = /^\/api\/agent\/v1\/jobs\/(\d+)\/complete$/.exec(path);
      if (!completed || !holding) return;
      const jobs = (JSON.parse(out.body.toString()) as { jobs?: { job_id: number }[] }).jobs ?? [];
      if (!jobs.some((j) => j.job_id === Number(completed[1]))) return;
      // The agent has the retry now; give it a moment to start it, then let the old heartbeats through.
      holding = false;
      release = (async () => {
        await new Promise((r) => setTimeout(r, 50));
        for (const h of held.splice(0)) {
          const answer = await forward(
            'POST',
            '/api/agent/v1/heartbeat',
            { 'content-type': 'application/json', authorization: req.headers.authorization },
            h.body,
          );
          answers.push(JSON.parse(answer.body.toString()));
          h.res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
        }
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    answers,
    get heldCount() {
      return held.length;
    },
    released: () => release,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describeEachDialect('a heartbeat about an attempt that ended', (dialect) => {
  let s: TestServer;
  let git: GitHost;
  let agent: Agent;
  let holder: Awaited<ReturnType<typeof heartbeatHolder>>;
  let failures = 0;

  beforeAll(async () => {
    const tree = mkdtempSync(join(tmpdir(), 'proctor-race-repo-'));
    cpSync(resolve('examples/demo/command'), tree, { recursive: true });
    // The git host is down for the first clone, slowly enough that heartbeats of that attempt go out.
    git = await serveGitRepo(bareRepoOf(tree), async () => {
      if (failures > 0) return undefined;
      failures++;
      await new Promise((r) => setTimeout(r, 1500));
      return 503;
    });
    s = await startTestServer(dialect, {
      env: { PROCTOR_WEBHOOK_ALLOW_PRIVATE: '127.0.0.0/8', PROCTOR_LEASE_MS: '4000' },
    });
    await s.api(
      'POST',
      '/api/v1/apply',
      `environments:\n  e: {}\nplans:\n  from-git: { framework: command, repo: { url: "${git.url}", ref: main }, environments: [e], options: { command: "node run-checks.mjs --report-dir {report_dir} {files}", discover: "checks/*.sh" } }\n`,
    );
    holder = await heartbeatHolder(s.url);
    const { token } = (await s.api('POST', '/api/agent/v1/register', { name: 'racer', labels: [], slots: 1 })).body;
    agent = new Agent({
      client: new AgentClient({ server: holder.url, token }),
      slots: 1,
      workRoot: mkdtempSync(join(tmpdir(), 'proctor-race-work-')),
      logger: pino({ level: 'silent' }),
      heartbeatMs: 100,
    });
    agent.start();
  });
  afterAll(async () => {
    await agent?.stop(0);
    await holder?.close();
    await git?.close();
    await s?.close();
  });

  it('does not stop the retry that the completion claimed', async () => {
    const run = (await s.api('POST', '/api/v1/plans/from-git/runs', {})).body;
    const done = await runEnded(s, run.id, 45_000);
    await holder.released();
    // The race happened: heartbeats of the first attempt reached the server after its retry was
    // claimed, and the server said that attempt's lease was gone.
    expect(holder.answers.length).toBeGreaterThan(0);
    const discovery = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items.find(
      (j: { kind: string }) => j.kind === 'discover',
    );
    expect(holder.answers.some((a) => a.lost.includes(discovery.id))).toBe(true);
    // And the retry ran to its end on the agent: two attempts, the second reported, nothing lost.
    const attempts = await s.proctor.server.store.db
      .selectFrom('attempts')
      .select(['attempt', 'status', 'error'])
      .where('job_id', '=', discovery.id)
      .orderBy('attempt')
      .execute();
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, 'errored'],
      [2, 'completed'],
    ]);
    expect(attempts[0]!.error).toContain('checkout of');
    expect(done.result).not.toBe('aborted');
    expect(done.status).toBe('completed');
  });
});
