import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentClient } from '../../src/agent/http-client.js';
import { LogShipper } from '../../src/agent/log-shipper.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { startTestServer, type TestServer } from '../support/server.js';

describeEachDialect('log shipper', (dialect) => {
  let s: TestServer;
  let client: AgentClient;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await s.api(
      'POST',
      '/api/v1/apply',
      'environments:\n  e: {}\nplans:\n  p: { framework: command, environments: [e] }\n',
    );
    // Registered by hand; the agent's own HTTP client is what is tested.
    client = new AgentClient({ server: s.url, token: (await ProtocolAgent.register(s, [], 1)).token });
  });
  afterAll(() => s?.close());

  it('cuts chunks between whole characters, so an emoji on a chunk boundary is stored whole', async () => {
    const run = (await s.api('POST', '/api/v1/plans/p/runs', {})).body;
    const [job] = (await client.claim(1, 0)).jobs;
    const shipper = new LogShipper(client, job!.job_id, job!.lease_token, [], 10);
    // A chunk holds 64 Ki characters: the emoji's two halves fall on either side of the first cut.
    const text = `${'a'.repeat(64 * 1024 - 1)}😀 then 👩‍👩‍👧 and more\n`;
    shipper.write(text.slice(0, 64 * 1024));
    shipper.write(text.slice(64 * 1024));
    await shipper.end();
    const log = (await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job!.job_id}/log`)).body as string;
    expect(log.length).toBe(text.length);
    expect(log === text).toBe(true);
    const chunks = await s.proctor.server.store.db
      .selectFrom('log_chunks')
      .select('data')
      .where('job_id', '=', job!.job_id)
      .execute();
    expect(chunks.length).toBeGreaterThan(1);
  });
});
