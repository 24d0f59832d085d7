import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { startTestServer, type TestServer } from '../support/server.js';

const FILE = `
project: shop
environments:
  chrome: { platform: web, labels: [chromium], variables: { BROWSER: chromium } }
  firefox: { platform: web, labels: [firefox] }
plans:
  checkout:
    framework: command
    workdir: .
    environments: [chrome, firefox]
    timeout: 2m
  exclusive:
    framework: command
    environments: [chrome]
    concurrency: skip
  waiting:
    framework: command
    environments: [chrome]
    concurrency: queue
  newest:
    framework: command
    environments: [chrome]
    concurrency: cancel-previous
`;

describeEachDialect('native API', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    const r = await s.api('POST', '/api/v1/apply', FILE);
    expect(r.status).toBe(200);
  });
  afterAll(() => s?.close());

  describe('plans as code', () => {
    it('applies idempotently and reports what changed', async () => {
      const again = await s.api('POST', '/api/v1/apply', FILE);
      expect(again.status).toBe(200);
      expect(again.body.changes.every((c: { action: string }) => c.action === 'unchanged')).toBe(true);
      const changed = await s.api('POST', '/api/v1/apply', FILE.replace('timeout: 2m', 'timeout: 3m'));
      expect(changed.body.changes.find((c: { name: string }) => c.name === 'checkout').action).toBe('updated');
      const dry = await s.api('POST', '/api/v1/apply?dry_run=true', FILE.replace('timeout: 3m', 'timeout: 4m'));
      expect(dry.body).toMatchObject({ dry_run: true });
      expect((await s.api('GET', '/api/v1/plans/checkout')).body.definition.timeout).toBe('3m');
    });

    it('rejects an invalid file whole, listing every problem by path', async () => {
      const before = (await s.api('GET', '/api/v1/plans')).body.items.length;
      const bad = `${FILE.replace('timeout: 3m', 'timeout: soon').replace('[chrome, firefox]', '[chrome, safari]')}  brandnew:\n    framework: command\n    environments: [chrome]\n`;
      const r = await s.api('POST', '/api/v1/apply', bad.replace('timeout: 2m', 'timeout: soon'));
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('VALIDATION_FAILED');
      const paths = r.body.error.details.map((d: { path: string }) => d.path);
      expect(paths).toContain('plans.checkout.timeout');
      expect(paths).toContain('plans.checkout.environments');
      expect(r.body.error.message).toContain('plans.checkout.timeout: expected a duration like "10m"');
      expect((await s.api('GET', '/api/v1/plans')).body.items.length).toBe(before);
      expect((await s.api('GET', '/api/v1/plans/brandnew')).status).toBe(404);
    });

    it('finds a plan by id, UUID or name, and 404s an unknown one', async () => {
      const byName = await s.api('GET', '/api/v1/plans/checkout');
      expect(byName.status).toBe(200);
      expect((await s.api('GET', `/api/v1/plans/${byName.body.id}`)).body.name).toBe('checkout');
      expect((await s.api('GET', `/api/v1/plans/${byName.body.uuid}`)).body.name).toBe('checkout');
      const missing = await s.api('GET', '/api/v1/plans/nope');
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('NOT_FOUND');
      expect((await s.api('GET', '/api/v1/plans/999999')).status).toBe(404);
    });

    it('creates, replaces and deletes plans and environments one by one', async () => {
      const env = await s.api('PUT', '/api/v1/environments/edge?project=shop', { platform: 'web', labels: ['edge'] });
      expect(env.status).toBe(200);
      const put = await s.api('PUT', '/api/v1/plans/solo?project=shop', {
        framework: 'command',
        environments: ['edge'],
        retries: 1,
      });
      expect(put.status).toBe(200);
      expect(put.body.definition).toMatchObject({ retries: 1, environments: ['edge'] });
      const bad = await s.api('PUT', '/api/v1/plans/solo?project=shop', {
        framework: 'command',
        environments: ['edge'],
        retries: 'x',
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.details[0].path).toBe('plans.solo.retries');
      expect((await s.api('DELETE', '/api/v1/environments/edge?project=shop')).status).toBe(409);
      expect((await s.api('DELETE', '/api/v1/plans/solo?project=shop')).status).toBe(204);
      expect((await s.api('DELETE', '/api/v1/environments/edge?project=shop')).status).toBe(204);
      expect((await s.api('GET', '/api/v1/environments/edge?project=shop')).status).toBe(404);
    });
  });

  describe('runs', () => {
    it('triggers a run (202) with its trigger data and counts', async () => {
      const r = await s.api('POST', '/api/v1/plans/checkout/runs', {
        build: '42',
        ref: 'main',
        parameters: { BASE_URL: 'http://x' },
        environments: ['chrome'],
      });
      expect(r.status).toBe(202);
      expect(r.body).toMatchObject({
        status: 'queued',
        result: null,
        plan: { name: 'checkout' },
        trigger: {
          source: 'api',
          build: '42',
          ref: 'main',
          parameters: { BASE_URL: 'http://x' },
          environments: ['chrome'],
        },
        unavailable_environments: ['chrome'],
      });
      expect(r.body.counts).toEqual({
        total: 0,
        passed: 0,
        failed: 0,
        flaky: 0,
        skipped: 0,
        aborted: 0,
        stopped: 0,
        not_executed: 0,
        queued: 0,
        running: 0,
      });
      const got = await s.api('GET', `/api/v1/runs/${r.body.id}`);
      expect(got.body.id).toBe(r.body.id);
    });

    it('refuses environments outside the plan and unknown body fields', async () => {
      const r = await s.api('POST', '/api/v1/plans/checkout/runs', { environments: ['safari'] });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toContain('"safari" is not an environment of plan "checkout"');
      expect((await s.api('POST', '/api/v1/plans/checkout/runs', { colour: 'red' })).status).toBe(400);
      expect((await s.api('POST', '/api/v1/plans/checkout/runs', { build: 42 })).status).toBe(400);
      expect((await s.api('POST', '/api/v1/plans/nope/runs', {})).status).toBe(404);
    });

    it('makes exactly one run for 100 concurrent triggers with one Idempotency-Key', async () => {
      const headers = { 'idempotency-key': `ci-${dialect}-1` };
      const replies = await Promise.all(
        Array.from({ length: 100 }, () => s.api('POST', '/api/v1/plans/checkout/runs', { build: '7' }, { headers })),
      );
      expect(replies.every((r) => r.status === 202)).toBe(true);
      expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
      const list = await s.api('GET', '/api/v1/runs?plan=checkout&build=7');
      expect(list.body.items).toHaveLength(1);
      const other = await s.api('POST', '/api/v1/plans/checkout/runs', { build: '8' }, { headers });
      expect(other.status).toBe(422);
      expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    });

    it('lists runs with filters and cursor pagination', async () => {
      for (let i = 0; i < 5; i++)
        await s.api('POST', '/api/v1/plans/checkout/runs', { build: 'page', branch: 'feature/x' });
      const first = await s.api('GET', '/api/v1/runs?build=page&limit=2');
      expect(first.body.items).toHaveLength(2);
      const second = await s.api('GET', `/api/v1/runs?build=page&limit=2&cursor=${first.body.next_cursor}`);
      const third = await s.api('GET', `/api/v1/runs?build=page&limit=2&cursor=${second.body.next_cursor}`);
      expect(third.body.items).toHaveLength(1);
      expect(third.body.next_cursor).toBeNull();
      const ids = [...first.body.items, ...second.body.items, ...third.body.items].map((r: { id: number }) => r.id);
      expect(new Set(ids).size).toBe(5);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      expect((await s.api('GET', '/api/v1/runs?branch=feature/x&status=queued')).body.items).toHaveLength(5);
      expect((await s.api('GET', '/api/v1/runs?status=bogus')).status).toBe(400);
      expect((await s.api('GET', '/api/v1/runs?cursor=garbage')).status).toBe(400);
    });

    it('cancels a run once', async () => {
      const run = (await s.api('POST', '/api/v1/plans/checkout/runs', {})).body;
      const c = await s.api('POST', `/api/v1/runs/${run.id}/cancel`);
      expect(c.status).toBe(200);
      expect(c.body).toMatchObject({ status: 'cancelled', result: 'stopped', ended_by: 'user' });
      const again = await s.api('POST', `/api/v1/runs/${run.id}/cancel`);
      expect(again.status).toBe(409);
      const jobs = await s.api('GET', `/api/v1/runs/${run.id}/jobs`);
      expect(
        jobs.body.items.every(
          (j: { status: string; ended_by: string }) => j.status === 'cancelled' && j.ended_by === 'user',
        ),
      ).toBe(true);
    });

    it('applies each concurrency policy when a run of the plan is active', async () => {
      const first = (await s.api('POST', '/api/v1/plans/exclusive/runs', {})).body;
      const skipped = await s.api('POST', '/api/v1/plans/exclusive/runs', {});
      expect(skipped.status).toBe(409);
      expect(skipped.body.error).toMatchObject({ code: 'PLAN_ALREADY_RUNNING', details: { run_id: first.id } });

      const w1 = (await s.api('POST', '/api/v1/plans/waiting/runs', {})).body;
      const w2 = (await s.api('POST', '/api/v1/plans/waiting/runs', {})).body;
      expect((await s.api('GET', `/api/v1/runs/${w2.id}/jobs`)).body.items).toHaveLength(0);
      await s.api('POST', `/api/v1/runs/${w1.id}/cancel`);
      expect((await s.api('GET', `/api/v1/runs/${w2.id}/jobs`)).body.items).toHaveLength(1);

      const n1 = (await s.api('POST', '/api/v1/plans/newest/runs', {})).body;
      const n2 = await s.api('POST', '/api/v1/plans/newest/runs', {});
      expect(n2.status).toBe(202);
      expect((await s.api('GET', `/api/v1/runs/${n1.id}`)).body).toMatchObject({
        status: 'cancelled',
        ended_by: 'system',
      });
    });

    it('404s unknown runs and 400s non-numeric ids', async () => {
      expect((await s.api('GET', '/api/v1/runs/987654')).status).toBe(404);
      const bad = await s.api('GET', '/api/v1/runs/abc');
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toContain('run: expected a numeric id');
    });
  });

  describe('keys', () => {
    it('shows the caller and creates, lists and revokes keys without ever storing them in clear', async () => {
      const me = await s.api('GET', '/api/v1/me');
      expect(me.body).toMatchObject({ user: { name: 'admin' }, authorities: ['ADMIN'] });
      expect(typeof me.body.user.id).toBe('number');
      const created = await s.api('POST', '/api/v1/keys', {
        name: 'ci',
        authorities: ['PLAN_READ'],
        projects: ['shop'],
      });
      expect(created.status).toBe(201);
      const token: string = created.body.token;
      expect(token.startsWith(created.body.key.prefix)).toBe(true);
      const asCi = await s.api('GET', '/api/v1/me', undefined, { token });
      expect(asCi.body.projects.map((p: { name: string }) => p.name)).toEqual(['shop']);
      const list = await s.api('GET', '/api/v1/keys');
      expect(JSON.stringify(list.body)).not.toContain(token);
      const rows = await s.proctor.server.store.db.selectFrom('api_keys').selectAll().execute();
      // The secret is everything after `pk_<10 hex>_`; base64url may hold `_` itself.
      const secret = token.slice('pk_0123456789_'.length);
      expect(secret.length).toBeGreaterThanOrEqual(16);
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect((await s.api('DELETE', `/api/v1/keys/${created.body.key.id}`)).body.revoked_at).not.toBeNull();
      const revoked = await s.api('GET', '/api/v1/me', undefined, { token });
      expect(revoked.status).toBe(401);
      expect(revoked.body.error.message).toContain('revoked');
    });
  });

  it('serves the OpenAPI document and its docs page', async () => {
    const doc = await s.api('GET', '/api/openapi.json', undefined, { token: null });
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/api/v1/plans/{plan}/runs');
    expect(Object.keys(doc.body.paths)).toContain('/api/agent/v1/claim');
    const docs = await fetch(`${s.url}/api/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });
});
