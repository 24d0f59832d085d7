import { afterAll, beforeAll, expect, it } from 'vitest';
import { LOG_CAP_CHARS } from '../../src/queue/append-log.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { startTestServer, type TestServer } from '../support/server.js';

describeEachDialect('streamed job logs', (dialect) => {
  let s: TestServer;
  let agent: ProtocolAgent;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await s.api(
      'POST',
      '/api/v1/apply',
      'environments:\n  e: {}\nplans:\n  p: { framework: command, environments: [e] }\n',
    );
    agent = await ProtocolAgent.register(s);
  });
  afterAll(() => s?.close());

  const append = (
    job: { job_id: number; lease_token: string },
    offset: number,
    data: string,
    token = job.lease_token,
  ) =>
    s.api('POST', `/api/agent/v1/jobs/${job.job_id}/log`, { lease_token: token, offset, data }, { token: agent.token });

  it('accepts chunks in order, refuses duplicates and gaps with the offset to resume from, and serves the log live', async () => {
    const run = (await s.api('POST', '/api/v1/plans/p/runs', {})).body;
    const [job] = await agent.claim(1);
    expect((await append(job!, 0, 'hello ')).body).toEqual({ next_offset: 6, truncated: false });
    const dup = await append(job!, 0, 'hello ');
    expect(dup.status).toBe(409);
    expect(dup.body.error.details).toEqual({ expected_offset: 6 });
    const gap = await append(job!, 10, 'later');
    expect(gap.status).toBe(409);
    expect(gap.body.error.details).toEqual({ expected_offset: 6 });
    expect((await append(job!, 6, 'world\n')).status).toBe(200);
    const live = await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job!.job_id}/log`);
    expect(live.body).toBe('hello world\n');
    expect(live.headers.get('x-log-complete')).toBe('false');
    expect(live.headers.get('x-log-next-offset')).toBe('12');
    const tail = await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job!.job_id}/log?offset=6`);
    expect(tail.body).toBe('world\n');
    expect((await append(job!, 12, 'x', 'f'.repeat(32))).status).toBe(409);
    await agent.discover(job!, ['a.test > one']);
    expect((await append(job!, 12, 'after the end')).status).toBe(409);
    expect((await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job!.job_id}/log`)).headers.get('x-log-complete')).toBe(
      'true',
    );
  });

  it('caps a log with a truncation marker and keeps acknowledging', async () => {
    await s.api('POST', '/api/v1/plans/p/runs', {});
    // The oldest queued job may be the previous run's: read the log of whichever run the job is of.
    const [job] = await agent.claim(1);
    const run = { id: job!.run_id };
    const piece = 'x'.repeat(256 * 1024);
    let offset = 0;
    while (offset <= LOG_CAP_CHARS) {
      const r = await append(job!, offset, piece);
      expect(r.status).toBe(200);
      offset = r.body.next_offset;
    }
    expect((await append(job!, offset, 'more')).body).toMatchObject({ truncated: true });
    const res = await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job!.job_id}/log`);
    const log = String(res.body);
    expect(res.status, log.slice(0, 300)).toBe(200);
    expect(log.length).toBeLessThan(LOG_CAP_CHARS + 200);
    expect(log).toContain('[log truncated');
  });
});
