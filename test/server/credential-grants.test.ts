import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { runEnded, startTestServer, type TestServer } from '../support/server.js';

/**
 * A key limited to one project (here an ADMIN key of project beta) creates credentials: never one
 * with more authorities or wider projects than its own, and it sees, revokes and registers only
 * within its projects. Agents registered through it claim only its projects' jobs.
 */
describeEachDialect('credential grants', (dialect) => {
  let s: TestServer;
  let betaAdmin: string;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    s = await startTestServer(dialect);
    const file = (p: string, extra = '') =>
      `project: ${p}\nenvironments:\n  e: { labels: [linux] }\nplans:\n  plan-${p}:\n    framework: command\n    environments: [e]\n${extra}`;
    await s.api('POST', '/api/v1/apply', file('alpha', '    on_unavailable: fail\n'));
    await s.api('POST', '/api/v1/apply', file('beta'));
    const created = await s.api('POST', '/api/v1/keys', {
      name: 'beta-admin',
      authorities: ['ADMIN'],
      projects: ['beta'],
    });
    expect(created.status).toBe(201);
    betaAdmin = created.body.token;
    ids.beta = created.body.key.project_ids[0];
    ids.alphaKey = (
      await s.api('POST', '/api/v1/keys', { name: 'alpha-reader', authorities: ['PLAN_READ'], projects: ['alpha'] })
    ).body.key.id;
    ids.globalToken = (await s.api('POST', '/api/v1/agents/tokens', { name: 'everywhere' })).body.token.id;
  });
  afterAll(() => s?.close());

  const asBeta = (method: string, path: string, body?: unknown) => s.api(method, path, body, { token: betaAdmin });

  it('never mints a key wider than its own: no project given means its own projects', async () => {
    const escalated = await asBeta('POST', '/api/v1/keys', { name: 'escalated', authorities: ['ADMIN'] });
    expect(escalated.status).toBe(201);
    expect(escalated.body.key.project_ids).toEqual([ids.beta]);
    const alphaRuns = await s.api('GET', '/api/v1/runs', undefined, { token: escalated.body.token });
    expect(alphaRuns.body.items).toEqual([]);
    const other = await s.api('GET', '/api/v1/plans/plan-alpha', undefined, { token: escalated.body.token });
    expect(other.status).toBe(404);
    const own = await asBeta('POST', '/api/v1/keys', { name: 'own', authorities: ['PLAN_RUN'], projects: ['beta'] });
    expect(own.body.key.project_ids).toEqual([ids.beta]);
  });

  it('answers a project it may not grant exactly like one that does not exist', async () => {
    const alpha = await asBeta('POST', '/api/v1/keys', { name: 'x', authorities: ['PLAN_READ'], projects: ['alpha'] });
    const none = await asBeta('POST', '/api/v1/keys', { name: 'x', authorities: ['PLAN_READ'], projects: ['zeta'] });
    expect(alpha.status).toBe(400);
    expect(none.status).toBe(400);
    expect(alpha.body.error.message.replace('alpha', 'P')).toBe(none.body.error.message.replace('zeta', 'P'));
    const both = await asBeta('POST', '/api/v1/keys', {
      name: 'x',
      authorities: ['PLAN_READ'],
      projects: ['beta', 'alpha'],
    });
    expect(both.status).toBe(400);
    const keys = (await s.api('GET', '/api/v1/keys')).body.items as { name: string }[];
    expect(keys.filter((k) => k.name === 'x')).toEqual([]);
  });

  it('lists and revokes only keys within its projects; another key is "not found"', async () => {
    const listed = (await asBeta('GET', '/api/v1/keys')).body.items as { name: string; project_ids: number[] | null }[];
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((k) => JSON.stringify(k.project_ids) === JSON.stringify([ids.beta]))).toBe(true);
    expect(listed.map((k) => k.name)).not.toContain('alpha-reader');
    const adminKeyId = (
      (await s.api('GET', '/api/v1/keys')).body.items as { id: number; project_ids: null | number[] }[]
    ).find((k) => k.project_ids === null)!.id;
    for (const id of [adminKeyId, ids.alphaKey]) {
      const r = await asBeta('DELETE', `/api/v1/keys/${id}`);
      expect(r.status).toBe(404);
      expect(r.body.error.message).toBe(`API key ${id} does not exist`);
    }
    expect((await s.api('GET', '/api/v1/me')).status).toBe(200);
    const own = (await asBeta('POST', '/api/v1/keys', { name: 'short-lived', authorities: ['PLAN_READ'] })).body.key.id;
    expect((await asBeta('DELETE', `/api/v1/keys/${own}`)).status).toBe(200);
  });

  it('creates registration tokens of its projects only, and sees and revokes only those', async () => {
    const token = await asBeta('POST', '/api/v1/agents/tokens', { name: 'beta-machines' });
    expect(token.status).toBe(201);
    expect(token.body.token.project_ids).toEqual([ids.beta]);
    expect((await asBeta('POST', '/api/v1/agents/tokens', { name: 'wide', projects: ['alpha'] })).status).toBe(400);
    const listed = (await asBeta('GET', '/api/v1/agents/tokens')).body.items as { id: number }[];
    expect(listed.map((t) => t.id)).toEqual([token.body.token.id]);
    const r = await asBeta('DELETE', `/api/v1/agents/tokens/${ids.globalToken}`);
    expect(r.status).toBe(404);
    expect(
      ((await s.api('GET', '/api/v1/agents/tokens')).body.items as { id: number; revoked_at: string | null }[]).find(
        (t) => t.id === ids.globalToken,
      )!.revoked_at,
    ).toBeNull();
  });

  it("registers agents that claim only its projects' jobs, whether through its token or its key", async () => {
    const secret = (await asBeta('POST', '/api/v1/agents/tokens', { name: 'beta-runners' })).body.secret;
    const byToken = await ProtocolAgent.register(s, ['linux'], 8, secret);
    const byKey = await ProtocolAgent.register(s, ['linux'], 8, betaAdmin);
    const agents = (await s.api('GET', '/api/v1/agents')).body.items as { project_ids: number[] | null }[];
    expect(agents.map((a) => a.project_ids)).toEqual([[ids.beta], [ids.beta]]);
    const alphaRun = (await s.api('POST', '/api/v1/plans/plan-alpha/runs', {})).body;
    const betaRun = (await s.api('POST', '/api/v1/plans/plan-beta/runs', {})).body;
    const claimed = [...(await byToken.claim(8)), ...(await byKey.claim(8))];
    expect(claimed.map((j) => j.run_id)).toEqual([betaRun.id]);
    const alphaJobs = (await s.api('GET', `/api/v1/runs/${alphaRun.id}/jobs`)).body.items as { status: string }[];
    // alpha's plan fails when no agent can serve it: beta's agents do not count.
    const alpha = await runEnded(s, alphaRun.id);
    expect(alpha.result).toBe('aborted');
    expect(alpha.end_reason).toContain('no live agent');
    expect(alphaJobs.every((j) => j.status !== 'running')).toBe(true);
  });

  it('shows a limited key only the agents that serve its projects', async () => {
    const alphaSecret = (await s.api('POST', '/api/v1/agents/tokens', { name: 'alpha-runners', projects: ['alpha'] }))
      .body.secret;
    await ProtocolAgent.register(s, ['linux'], 1, alphaSecret);
    const everywhere = await ProtocolAgent.register(s, ['linux'], 1);
    expect(everywhere).toBeDefined();
    const seenByBeta = (await asBeta('GET', '/api/v1/agents')).body.items as { project_ids: number[] | null }[];
    expect(seenByBeta.map((a) => a.project_ids)).toEqual([[ids.beta], [ids.beta], null]);
    const seenByAdmin = (await s.api('GET', '/api/v1/agents')).body.items as unknown[];
    expect(seenByAdmin).toHaveLength(4);
  });
});
