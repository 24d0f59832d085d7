import { afterAll, beforeAll, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';
let s: TestServer;
beforeAll(async () => { s = await startTestServer('sqlite'); });
afterAll(() => s?.close());
it('scratch', async () => {
  const doc = await s.api('GET', '/api/openapi.json', undefined, { token: null });
  console.log(doc.status, Object.keys(doc.body.paths ?? {}).filter((p) => !p.startsWith('/api/v1/') || p.includes('app-builds') || p.includes('rerun') || p.includes('execution')));
  for (const path of ['/Testinium.RestApi/api/plans/%E0%A4%A/run', '/Testinium.RestApi/api/plans/' + 'x'.repeat(5000) + '/run', '/api/v1/execution_results/abc', '/api/v1/execution_results/1e9', '/v1/tests/abc/runs?wait=0']) {
    const r = await fetch(`${s.url}${path}`, { method: path.startsWith('/v1') ? 'POST' : 'GET', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, ...(path.startsWith('/v1') ? { body: '{}' } : {}) });
    console.log(path.slice(0, 60), r.status, (await r.text()).slice(0, 200));
  }
  const q = await fetch(`${s.url}/queue`, { method: 'GET', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  console.log('GET /queue', q.status, await q.text());
});
