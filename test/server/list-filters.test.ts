import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/server.js';

type Operation = {
  tags?: string[];
  parameters?: { in: string; name: string }[];
  responses?: Record<
    string,
    { content?: Record<string, { schema?: { properties?: Record<string, { type?: string }> } }> }
  >;
};

/** What the fixture stored: the ids and times the cases ask for. */
interface Fixture {
  s: TestServer;
  /** r1: pa main 101 api, failed; r2: pa feature 102 dashboard, passed; r3: pb main 103, cancelled; r4: pb cli, queued (the newest). */
  runs: { r1: number; r2: number; r3: number; r4: number };
  /** When r4 was created: r1 to r3 were created before. */
  r4CreatedAt: string;
  webhooks: { alpha: number; beta: number };
}

/**
 * One use of a filter: with `query`, the rows `includes` names are in the answer and the ones
 * `excludes` names are not (each of those is in the answer without the filter: only the filter
 * can have left it out).
 */
interface Check {
  query: string;
  includes: string[];
  excludes: string[];
}

interface ListRoute {
  /** The route's URL for the fixture (its path parameters filled in). */
  url: (f: Fixture) => string;
  /** How a row is named in a check. */
  name: (item: any) => string;
  /** Every query parameter of the route, with the checks that prove it narrows the answer. */
  filters: Record<string, (f: Fixture, rows: (query: string) => Promise<string[]>) => Promise<Check[]> | Check[]>;
}

/** `cursor`: the page after the first one holds the rest, without the first page's row. */
async function cursorChecks(rows: (query: string) => Promise<string[]>, page: (query: string) => Promise<any>) {
  const all = await rows('');
  const first = await page('limit=1');
  expect(first.next_cursor, 'a first page of one row has a next page').toBeTruthy();
  return [{ query: `cursor=${first.next_cursor}`, includes: all.slice(1), excludes: all.slice(0, 1) }];
}

/** `limit`: the first N rows, and not the one after them. */
async function limitChecks(rows: (query: string) => Promise<string[]>) {
  const all = await rows('');
  return [
    { query: 'limit=1', includes: all.slice(0, 1), excludes: all.slice(1, 2) },
    { query: 'limit=2', includes: all.slice(0, 2), excludes: all.slice(2, 3) },
  ].filter((c) => c.excludes.length > 0);
}

const key = (r: { scenario: { key: string }; environment: string }) => `${r.scenario.key}@${r.environment}`;

/**
 * Every list route of the OpenAPI document that takes query parameters, and for each parameter the
 * checks that prove it filters. A route or a parameter missing here fails the first test.
 */
const LISTS: Record<string, ListRoute> = {
  '/api/v1/runs': {
    url: () => '/api/v1/runs',
    name: (r) => `run ${r.id}`,
    filters: {
      plan: ({ runs: { r1, r2, r3, r4 } }) => [
        { query: 'plan=pa', includes: [`run ${r1}`, `run ${r2}`], excludes: [`run ${r3}`, `run ${r4}`] },
        { query: 'plan=pb', includes: [`run ${r3}`, `run ${r4}`], excludes: [`run ${r1}`, `run ${r2}`] },
      ],
      project: ({ runs: { r1, r3 } }) => [
        { query: 'project=alpha', includes: [`run ${r1}`], excludes: [`run ${r3}`] },
        { query: 'project=beta', includes: [`run ${r3}`], excludes: [`run ${r1}`] },
      ],
      status: ({ runs: { r1, r2, r3, r4 } }) => [
        { query: 'status=completed', includes: [`run ${r1}`, `run ${r2}`], excludes: [`run ${r3}`, `run ${r4}`] },
        { query: 'status=queued', includes: [`run ${r4}`], excludes: [`run ${r1}`, `run ${r3}`] },
        { query: 'status=cancelled,queued', includes: [`run ${r3}`, `run ${r4}`], excludes: [`run ${r1}`] },
      ],
      result: ({ runs: { r1, r2, r3, r4 } }) => [
        { query: 'result=failed', includes: [`run ${r1}`], excludes: [`run ${r2}`, `run ${r3}`, `run ${r4}`] },
        { query: 'result=passed', includes: [`run ${r2}`], excludes: [`run ${r1}`] },
        { query: 'result=stopped', includes: [`run ${r3}`], excludes: [`run ${r1}`, `run ${r2}`] },
      ],
      branch: ({ runs: { r1, r2, r3, r4 } }) => [
        { query: 'branch=main', includes: [`run ${r1}`, `run ${r3}`], excludes: [`run ${r2}`, `run ${r4}`] },
        { query: 'branch=feature', includes: [`run ${r2}`], excludes: [`run ${r1}`, `run ${r3}`] },
      ],
      build: ({ runs: { r1, r2, r3 } }) => [
        { query: 'build=101', includes: [`run ${r1}`], excludes: [`run ${r2}`, `run ${r3}`] },
        { query: 'build=102', includes: [`run ${r2}`], excludes: [`run ${r1}`] },
      ],
      source: ({ runs: { r1, r2, r4 } }) => [
        { query: 'source=api', includes: [`run ${r1}`], excludes: [`run ${r2}`, `run ${r4}`] },
        { query: 'source=dashboard', includes: [`run ${r2}`], excludes: [`run ${r1}`] },
        { query: 'source=cli,dashboard', includes: [`run ${r2}`, `run ${r4}`], excludes: [`run ${r1}`] },
      ],
      created_from: ({ runs: { r1, r3, r4 }, r4CreatedAt }) => [
        {
          query: `created_from=${encodeURIComponent(r4CreatedAt)}`,
          includes: [`run ${r4}`],
          excludes: [`run ${r1}`, `run ${r3}`],
        },
      ],
      created_before: ({ runs: { r1, r3, r4 }, r4CreatedAt }) => [
        {
          query: `created_before=${encodeURIComponent(r4CreatedAt)}`,
          includes: [`run ${r1}`, `run ${r3}`],
          excludes: [`run ${r4}`],
        },
      ],
      cursor: (f, rows) => cursorChecks(rows, async (q) => (await f.s.api('GET', `/api/v1/runs?${q}`)).body),
      limit: (_, rows) => limitChecks(rows),
    },
  },
  '/api/v1/runs/{run}/results': {
    url: (f) => `/api/v1/runs/${f.runs.r1}/results`,
    name: key,
    filters: {
      status: () => [
        { query: 'status=failed', includes: ['b.test > two@e1', 'b.test > two@e2'], excludes: ['a.test > one@e1'] },
        { query: 'status=passed', includes: ['a.test > one@e2'], excludes: ['b.test > two@e2'] },
      ],
      environment: () => [
        { query: 'environment=e2', includes: ['a.test > one@e2', 'b.test > two@e2'], excludes: ['a.test > one@e1'] },
        { query: 'environment=e1', includes: ['b.test > two@e1'], excludes: ['b.test > two@e2'] },
      ],
      cursor: (f, rows) =>
        cursorChecks(rows, async (q) => (await f.s.api('GET', `/api/v1/runs/${f.runs.r1}/results?${q}`)).body),
      limit: (_, rows) => limitChecks(rows),
    },
  },
  '/api/v1/app-builds': {
    url: () => '/api/v1/app-builds',
    name: (b) => `${b.name} ${b.version}`,
    filters: {
      project: () => [
        { query: 'project=alpha', includes: ['shop 1', 'bank 1'], excludes: ['shop 3'] },
        { query: 'project=beta', includes: ['shop 3'], excludes: ['shop 1', 'bank 1'] },
      ],
      name: () => [
        { query: 'name=shop', includes: ['shop 1', 'shop 2', 'shop 3'], excludes: ['bank 1'] },
        { query: 'name=bank', includes: ['bank 1'], excludes: ['shop 2'] },
      ],
      cursor: (f, rows) => cursorChecks(rows, async (q) => (await f.s.api('GET', `/api/v1/app-builds?${q}`)).body),
      limit: (_, rows) => limitChecks(rows),
    },
  },
  '/api/v1/plans': {
    url: () => '/api/v1/plans',
    name: (p) => p.name,
    filters: {
      project: () => [
        { query: 'project=alpha', includes: ['pa'], excludes: ['pb'] },
        { query: 'project=beta', includes: ['pb'], excludes: ['pa'] },
      ],
    },
  },
  '/api/v1/environments': {
    url: () => '/api/v1/environments',
    name: (e) => e.name,
    filters: {
      project: () => [
        { query: 'project=alpha', includes: ['e1', 'e2'], excludes: ['eb'] },
        { query: 'project=beta', includes: ['eb'], excludes: ['e1'] },
      ],
    },
  },
  '/api/v1/webhooks': {
    url: () => '/api/v1/webhooks',
    name: (w) => w.url,
    filters: {
      project: () => [
        { query: 'project=alpha', includes: ['https://alpha.example/hook'], excludes: ['https://beta.example/hook'] },
        { query: 'project=beta', includes: ['https://beta.example/hook'], excludes: ['https://alpha.example/hook'] },
      ],
    },
  },
  '/api/v1/admin/usage': {
    url: () => '/api/v1/admin/usage',
    name: (u) => `${u.project.name}/${u.plan?.name ?? '-'} ${u.kind}`,
    filters: {
      project: () => [
        { query: 'project=alpha', includes: ['alpha/pa runs', 'alpha/- app_builds'], excludes: ['beta/pb runs'] },
        { query: 'project=beta', includes: ['beta/pb runs', 'beta/- app_builds'], excludes: ['alpha/pa runs'] },
      ],
    },
  },
  '/api/v1/webhooks/{webhook}/deliveries': {
    url: (f) => `/api/v1/webhooks/${f.webhooks.alpha}/deliveries`,
    name: (d) => `delivery ${d.id}`,
    filters: { limit: (_, rows) => limitChecks(rows) },
  },
};

/**
 * Every list route honours each filter its OpenAPI entry names: rows on both sides of each filter,
 * a value that matches a row includes it, one that does not leaves it out. A list route or a filter
 * without a case here fails, so a new filter cannot go untested.
 */
describeEachDialect('list filters', (dialect) => {
  let f: Fixture;
  beforeAll(async () => {
    const s = await startTestServer(dialect, { start: { webhooks: { everyMs: 50 } } });
    const apply = async (yaml: string) => {
      const r = await s.api('POST', '/api/v1/apply', yaml);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    };
    await apply(
      'project: alpha\nenvironments:\n  e1: {}\n  e2: {}\nplans:\n  pa:\n    framework: command\n    workdir: .\n    environments: [e1, e2]\n',
    );
    await apply(
      'project: beta\nenvironments:\n  eb: {}\nplans:\n  pb:\n    framework: command\n    workdir: .\n    environments: [eb]\n',
    );
    const hook = async (project: string) => {
      const r = await s.api('POST', `/api/v1/webhooks?project=${project}`, { url: `https://${project}.example/hook` });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.webhook.id as number;
    };
    const webhooks = { alpha: await hook('alpha'), beta: await hook('beta') };

    const agent = await ProtocolAgent.register(s, [], 8);
    const trigger = async (plan: string, body: object, client?: string) => {
      const r = await s.api('POST', `/api/v1/plans/${plan}/runs`, body, {
        headers: client ? { 'x-proctor-client': client } : {},
      });
      expect(r.status, JSON.stringify(r.body)).toBe(202);
      return r.body as { id: number; created_at: string };
    };
    const drive = (id: number, failing: string[]) =>
      eventually(async () => {
        for (const job of await agent.claim(8)) {
          if (job.kind === 'discover') await agent.discover(job, ['a.test > one', 'b.test > two']);
          else await agent.execute(job, (k) => (failing.includes(k) ? 'failed' : 'passed'));
        }
        return (await s.api('GET', `/api/v1/runs/${id}`)).body.status === 'completed' ? true : undefined;
      });
    const r1 = await trigger('pa', { branch: 'main', build: '101' });
    await drive(r1.id, ['b.test > two']);
    const r2 = await trigger('pa', { branch: 'feature', build: '102' }, 'dashboard');
    await drive(r2.id, []);
    const r3 = await trigger('pb', { branch: 'main', build: '103' });
    expect((await s.api('POST', `/api/v1/runs/${r3.id}/cancel`)).status).toBe(200);
    // r4 is created in a later millisecond than r3, so a time between them divides the runs.
    const r3At = Date.parse(r3.created_at);
    await eventually(async () => (Date.now() > r3At + 1 ? true : undefined), 5000, 2);
    const r4 = await trigger('pb', {}, 'cli');
    expect(Date.parse(r4.created_at)).toBeGreaterThan(r3At);

    const upload = async (project: string, name: string, version: string) => {
      const res = await fetch(`${s.url}/api/v1/app-builds?project=${project}&name=${name}&version=${version}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
        body: Buffer.from(`${project} ${name} ${version}`),
      });
      expect(res.status, await res.clone().text()).toBe(201);
    };
    await upload('alpha', 'shop', '1');
    await upload('alpha', 'shop', '2');
    await upload('alpha', 'bank', '1');
    await upload('beta', 'shop', '3');
    // The alpha endpoint's deliveries: one per event of r1 and r2 once the webhook loop has fanned
    // them all out (no more come after: the cases compare answers taken at different moments).
    const events = await s.proctor.server.store.db
      .selectFrom('webhook_events')
      .select('id')
      .where('run_id', 'in', [r1.id, r2.id])
      .execute();
    expect(events.length).toBeGreaterThanOrEqual(3);
    await eventually(async () => {
      const items = (await s.api('GET', `/api/v1/webhooks/${webhooks.alpha}/deliveries`)).body.items;
      return items.length === events.length ? true : undefined;
    });
    f = { s, runs: { r1: r1.id, r2: r2.id, r3: r3.id, r4: r4.id }, r4CreatedAt: r4.created_at, webhooks };
  });
  afterAll(() => f?.s.close());

  it('has a case for every filter of every list route in the OpenAPI document', async () => {
    const doc = (await f.s.api('GET', '/api/openapi.json')).body as {
      paths: Record<string, Record<string, Operation>>;
    };
    const lists = new Map<string, string[]>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      const get = ops.get;
      if (!get || get.tags?.some((t) => t.startsWith('compat:'))) continue;
      const answer = get.responses?.['200']?.content?.['application/json']?.schema;
      if (answer?.properties?.items?.type !== 'array') continue;
      lists.set(
        path,
        (get.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      );
    }
    expect(lists.size, 'the document lists routes').toBeGreaterThan(8);
    for (const [path, filters] of lists) {
      const covered = Object.keys(LISTS[path]?.filters ?? {});
      expect(
        filters.filter((q) => !covered.includes(q)),
        `GET ${path}: a filter without a case in LISTS (add one that stores rows on both sides of it)`,
      ).toEqual([]);
      expect(
        covered.filter((q) => !filters.includes(q)),
        `GET ${path}: a case for a filter it does not take`,
      ).toEqual([]);
    }
    const taking = [...lists].filter(([, filters]) => filters.length > 0).map(([path]) => path);
    expect(Object.keys(LISTS).sort(), 'LISTS names exactly the list routes that take filters').toEqual(taking.sort());
  });

  for (const [path, route] of Object.entries(LISTS)) {
    it(`GET ${path}: each filter includes what matches and leaves out what does not`, async () => {
      const rows = async (query: string) => {
        const url = route.url(f);
        const r = await f.s.api('GET', query ? `${url}?${query}` : url);
        expect(r.status, `${url}?${query}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(200);
        return (r.body.items as unknown[]).map(route.name);
      };
      const all = await rows('');
      for (const [filter, cases] of Object.entries(route.filters)) {
        const checks = await cases(f, rows);
        expect(checks.length, `${filter}: no check`).toBeGreaterThan(0);
        for (const c of checks) {
          const what = `GET ${route.url(f)}?${c.query}`;
          expect(c.includes.length * c.excludes.length, `${what}: a check needs rows on both sides`).toBeGreaterThan(0);
          // Without the filter every row is there: only the filter can leave one out.
          for (const row of [...c.includes, ...c.excludes]) expect(all, `${what}: ${row} is stored`).toContain(row);
          const got = await rows(c.query);
          for (const row of c.includes) expect(got, `${what} includes ${row}`).toContain(row);
          for (const row of c.excludes) expect(got, `${what} leaves out ${row}`).not.toContain(row);
        }
      }
    });
  }
});
