import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentClient } from '../../src/agent/http-client.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { startTestServer, type TestServer } from '../support/server.js';

describeEachDialect('artifact upload', (dialect) => {
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

  it('links a file to its scenario whatever the title holds: NUL, a lone surrogate, text that reads as an escape', async () => {
    // Titles as a framework's JSON report can give them: a lone surrogate has no UTF-8, so no URL carries it as is.
    const keys = ['a.test > nul \0 here', 'a.test > lone \ud800 here', 'a.test > written \\u0000 out', 'a.test > 😀'];
    const run = (await s.api('POST', '/api/v1/plans/p/runs', {})).body;
    const [discovery] = (await client.claim(1, 0)).jobs;
    await client.complete(discovery!.job_id, {
      lease_token: discovery!.lease_token,
      outcome: 'completed',
      scenarios: keys.map((key) => ({ key, file: 'a.test', path: [key.slice(9)], tags: [] })),
    });
    const [job] = (await client.claim(1, 0)).jobs;
    const file = join(mkdtempSync(join(tmpdir(), 'proctor-upload-')), 'shot.png');
    writeFileSync(file, 'a screenshot');
    const sha256 = createHash('sha256').update('a screenshot').digest('hex');
    for (const [i, key] of keys.entries())
      await client.uploadArtifact(
        job!.job_id,
        job!.lease_token,
        { name: `shot-${i}.png`, sha256, scenario: key },
        file,
      );
    const artifacts = (await s.api('GET', `/api/v1/runs/${run.id}/artifacts`)).body.items as {
      name: string;
      scenario_id: number | null;
    }[];
    // The scenarios as the server stores them: NUL and the lone surrogate as their escapes.
    const idOf = new Map(job!.scenarios.map((x) => [x.key, x.id]));
    const stored = [
      'a.test > nul \\u0000 here',
      'a.test > lone \\ud800 here',
      'a.test > written \\u0000 out',
      'a.test > 😀',
    ];
    expect(artifacts.map((a) => [a.name, a.scenario_id])).toEqual(
      stored.map((key, i) => [`shot-${i}.png`, idOf.get(key)]),
    );
    expect(artifacts.every((a) => a.scenario_id !== null)).toBe(true);
  });
});
