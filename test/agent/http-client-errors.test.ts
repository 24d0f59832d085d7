import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentClient, ServerError } from '../../src/agent/http-client.js';
import { describeEachDialect } from '../support/dialects.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );

describeEachDialect("the agent's reading of a server error", (dialect) => {
  let s: TestServer;
  let client: AgentClient;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    client = new AgentClient({ server: s.url, token: ADMIN_TOKEN, retryForMs: 0 });
  });
  afterAll(() => s?.close());

  it('keeps the code, message and details of a refused download, as it does for a refused call', async () => {
    const download = await rejection(client.download('/api/v1/runs?colour=blue'));
    expect(download).toBeInstanceOf(ServerError);
    expect(download).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    const { details } = download as ServerError;
    expect(details).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.any(String) })]));

    const call = await rejection(client.register({ name: '', labels: [], slots: 0 }));
    expect(call).toBeInstanceOf(ServerError);
    expect(call).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect((call as ServerError).details).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: expect.any(String) })]),
    );
  });
});
