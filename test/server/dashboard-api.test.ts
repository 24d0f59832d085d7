import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AgentList } from '../../src/protocol/agent-view.js';
import type { PlanHistory } from '../../src/protocol/plan-history.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/server.js';

type Outcome = 'passed' | 'failed';
const KEYS = ['a.test.ts > a', 'b.test.ts > b', 'c.test.ts > c'];

/** Reads server-sent events from a fetch response, one `{ event, data }` at a time. */
async function* events(res: Response): AsyncGenerator<{ event: string; data: any }> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) yield { event, data: JSON.parse(data) };
    }
  }
}

describeEachDialect('dashboard API: live events, agents, plan history, runs filters, static pages', (dialect) => {
  let s: TestServer;
  let agent: ProtocolAgent;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    const file =
      'project: web\nenvironments:\n  e: {}\nplans:\n  p:\n    framework: command\n    max_parallel: 1\n    environments: [e]\n';
    expect((await s.api('POST', '/api/v1/apply', file)).status).toBe(200);
    expect((await s.api('POST', '/api/v1/apply', 'project: other\nenvironments:\n  x: {}\n')).status).toBe(200);
    agent = await ProtocolAgent.register(s, [], 4);
  });
  afterAll(() => s?.close());

  /** Plays the agent until the run has ended: discovery lists KEYS, executions report `outcomeOf`. */
  async function drive(runId: number, outcomeOf: (key: string) => Outcome): Promise<void> {
    await eventually(async () => {
      for (const job of await agent.claim(4)) {
        if (job.kind === 'discover') await agent.discover(job, KEYS);
        else await agent.execute(job, outcomeOf);
      }
      const run = (await s.api('GET', `/api/v1/runs/${runId}`)).body;
      return run.status === 'completed' ? run : undefined;
    });
  }

  async function runWith(outcomes: Record<string, Outcome>, ref: string): Promise<number> {
    const run = (await s.api('POST', '/api/v1/plans/p/runs', { ref })).body;
    await drive(run.id, (k) => outcomes[k]!);
    return run.id;
  }

  it('streams a run: a snapshot, the rows as they change, the run, and the end', async () => {
    const run = (await s.api('POST', '/api/v1/plans/p/runs', {})).body;
    const res = await fetch(`${s.url}/api/v1/runs/${run.id}/events`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const seen: { event: string; data: any }[] = [];
    const statuses = new Map<number, string>();
    let driving: Promise<void> | undefined;
    for await (const e of events(res)) {
      seen.push(e);
      if (e.event === 'snapshot') expect(e.data).toMatchObject({ run: { id: run.id, status: 'queued' }, results: [] });
      if (e.event === 'results') for (const r of e.data.items) statuses.set(r.id, r.status);
      driving ??= drive(run.id, (k) => (k.startsWith('a') ? 'failed' : 'passed'));
    }
    await driving;
    expect(seen[0]!.event).toBe('snapshot');
    expect(seen.at(-1)).toEqual({ event: 'end', data: { status: 'completed', result: 'failed' } });
    expect([...statuses.values()].sort()).toEqual(['failed', 'passed', 'passed']);
    const lastRun = seen.filter((e) => e.event === 'run').at(-1)!.data;
    expect(lastRun).toMatchObject({ id: run.id, status: 'completed', counts: { total: 3, failed: 1, passed: 2 } });
    expect(lastRun).not.toHaveProperty('projectId');
  });

  it('ends the stream of a finished run after its snapshot, and refuses a run the key may not see', async () => {
    const id = await runWith({ [KEYS[0]!]: 'passed', [KEYS[1]!]: 'passed', [KEYS[2]!]: 'passed' }, 'r0');
    const res = await fetch(`${s.url}/api/v1/runs/${id}/events`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const all: string[] = [];
    for await (const e of events(res)) all.push(e.event);
    expect(all).toEqual(['snapshot', 'end']);
    const other = (
      await s.api('POST', '/api/v1/keys', { name: 'elsewhere', authorities: ['PLAN_READ'], projects: ['other'] })
    ).body.token;
    expect(
      (await fetch(`${s.url}/api/v1/runs/${id}/events`, { headers: { authorization: `Bearer ${other}` } })).status,
    ).toBe(404);
  });

  it('finds scenarios that flip without a code change or pass on retry, and the slowest', async () => {
    const [a, b, c] = KEYS as [string, string, string];
    await runWith({ [a]: 'passed', [b]: 'passed', [c]: 'failed' }, 'A');
    await runWith({ [a]: 'failed', [b]: 'passed', [c]: 'failed' }, 'A');
    await runWith({ [a]: 'passed', [b]: 'passed', [c]: 'passed' }, 'B');
    const h = (await s.api<PlanHistory>('GET', '/api/v1/plans/p/history?runs=3')).body;
    expect(h.runs.map((r) => r.ref)).toEqual(['A', 'A', 'B']);
    expect(h.runs.map((r) => r.pass_rate)).toEqual([2 / 3, 1 / 3, 1]);
    expect(h.flaky.map((f) => [f.scenario.key, f.reasons, f.flips])).toEqual([[a, ['changed_without_code_change'], 1]]);
    expect(h.flaky[0]!.strip.map((x) => x.status)).toEqual(['passed', 'failed', 'passed']);
    expect(h.slowest.length).toBe(3);
    expect(h.slowest[0]).toMatchObject({ avg_ms: 5, max_ms: 5, samples: 3, environment: 'e' });
  });

  it('lists agents with their slots in use and current jobs', async () => {
    const run = (await s.api('POST', '/api/v1/plans/p/runs', {})).body;
    const [job] = await eventually(async () => {
      const jobs = await agent.claim(1);
      return jobs.length ? jobs : undefined;
    });
    const list = (await s.api<AgentList>('GET', '/api/v1/agents')).body.items;
    const me = list.find((x) => x.name === 'protocol-agent')!;
    expect(me).toMatchObject({
      live: true,
      slots: 4,
      busy_slots: 1,
      labels: [],
      jobs: [{ job_id: job!.job_id, run_id: run.id, plan: 'p', kind: 'discover', environment: 'e' }],
    });
    await agent.discover(job!, KEYS);
    await drive(run.id, () => 'passed');
  });

  it('filters runs by trigger source, creation time and project', async () => {
    const r = await s.api('POST', '/api/v1/plans/p/runs', {}, { headers: { 'x-proctor-client': 'dashboard' } });
    expect(r.body.trigger.source).toBe('dashboard');
    const ids = async (q: string) => {
      const res = await s.api('GET', `/api/v1/runs?${q}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.items.map((x: { id: number }) => x.id);
    };
    expect(await ids('source=dashboard')).toEqual([r.body.id]);
    expect((await ids('source=api')).includes(r.body.id)).toBe(false);
    expect(await ids(`created_from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).toEqual([]);
    expect((await ids('created_from=2000-01-01&project=web'))[0]).toBe(r.body.id);
    expect(await ids('project=other')).toEqual([]);
    expect((await s.api('GET', '/api/v1/runs?source=nope')).status).toBe(400);
    expect((await s.api('GET', '/api/v1/runs?created_from=yesterday')).status).toBe(400);
    await drive(r.body.id, () => 'passed');
  });

  it('serves the dashboard to browsers at any client route, and JSON 404s to API callers', async () => {
    for (const path of ['/', '/runs/12', '/plans/p/history']) {
      const res = await fetch(`${s.url}${path}`, { headers: { accept: 'text/html' } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(await res.text()).toMatch(/<div id="root"|npm run build/);
    }
    const api = await fetch(`${s.url}/api/v1/nope`, { headers: { accept: 'text/html' } });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect((await fetch(`${s.url}/runs/12`, { headers: { accept: 'application/json' } })).status).toBe(404);
    expect((await fetch(`${s.url}/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
  });
});
