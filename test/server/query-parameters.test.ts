import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { startTestServer, type TestServer } from '../support/server.js';

type Operation = { tags?: string[]; parameters?: { in: string; name: string }[] };

/**
 * Every native GET route takes exactly the query parameters its OpenAPI entry names: an unknown one
 * is a 400 naming it (with the ones it takes), never silently ignored; and the list filters do filter.
 */
describeEachDialect('query parameters', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    const file = (p: string) =>
      `project: ${p}\nenvironments:\n  env-${p}: {}\nplans:\n  plan-${p}:\n    framework: command\n    workdir: .\n    environments: [env-${p}]\n`;
    await s.api('POST', '/api/v1/apply', file('alpha'));
    await s.api('POST', '/api/v1/apply', file('beta'));
  });
  afterAll(() => s?.close());

  it('lists one project with ?project=, and answers an unknown project with a 404', async () => {
    const names = async (path: string) =>
      ((await s.api('GET', path)).body.items as { name: string }[]).map((x) => x.name);
    expect(await names('/api/v1/plans?project=alpha')).toEqual(['plan-alpha']);
    expect(await names('/api/v1/environments?project=beta')).toEqual(['env-beta']);
    expect((await names('/api/v1/plans')).sort()).toEqual(['plan-alpha', 'plan-beta']);
    for (const path of ['/api/v1/plans?project=typos', '/api/v1/environments?project=typos']) {
      const r = await s.api('GET', path);
      expect(r.status, path).toBe(404);
      expect(r.body.error.message).toBe('project "typos" does not exist');
    }
  });

  it('refuses an unknown query parameter on every native GET route, naming it and what the route takes', async () => {
    const doc = (await s.api('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    const plan = (await s.api('GET', '/api/v1/plans/plan-alpha')).body;
    const run = (await s.api('POST', `/api/v1/plans/${plan.id}/runs`, {})).body;
    const ids: Record<string, string> = {
      plan: String(plan.id),
      run: String(run.id),
      environment: 'env-alpha',
      job: '1',
      id: '1',
      webhook: '1',
      project: 'alpha',
      build: '1',
    };
    const agent = (await s.api('POST', '/api/agent/v1/register', { name: 'q', labels: [], slots: 1 })).body
      .token as string;
    let checked = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      const get = ops.get;
      if (!get || get.tags?.some((t) => t.startsWith('compat:'))) continue;
      const url = path.replace(/\{(\w+)\}/g, (_, n: string) => ids[n] ?? '1');
      const r = await s.api(
        'GET',
        `${url}${url.includes('?') ? '&' : '?'}bogus=1`,
        undefined,
        path.startsWith('/api/agent/') ? { token: agent } : {},
      );
      expect(r.status, `${path}: ${JSON.stringify(r.body).slice(0, 200)}`).toBe(400);
      expect(r.body.error.message, path).toContain('querystring.bogus: unknown parameter');
      const named = (get.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
      expect(r.body.error.message, path).toContain(
        named.length ? `expected one of ${named.join(', ')}` : 'this route takes no parameters',
      );
      checked++;
    }
    expect(checked).toBeGreaterThan(15);
    const typo = await s.api('GET', '/api/v1/plans?projct=alpha');
    expect(typo.body.error.message).toContain('querystring.projct: unknown parameter (did you mean project?)');
  });
});
