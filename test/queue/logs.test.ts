import { afterAll, beforeAll, expect, it } from 'vitest';
import { LOG_CAP_CHARS, LOG_HEAD_CHARS, LOG_TAIL_CHARS } from '../../src/queue/append-log.js';
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

  it('keeps the start and the end of a log longer than its cap, saying how much of the middle was dropped, live and archived', async () => {
    await s.api('POST', '/api/v1/plans/p/runs', {});
    // The oldest queued job may be the previous run's: read the log of whichever run the job is of.
    const [job] = await agent.claim(1);
    const run = { id: job!.run_id };
    // Numbered lines, 64 characters each, in chunks of 4096 lines (256 KiB), to twice the cap.
    const line = (n: number) => `line ${String(n).padStart(10, '0')} ${'.'.repeat(47)}\n`;
    const linesPerChunk = 4096;
    const chunks = Math.ceil((2 * LOG_CAP_CHARS) / (64 * linesPerChunk));
    let offset = 0;
    let last = 0;
    const truncated: boolean[] = [];
    for (let c = 0; c < chunks; c++) {
      let data = '';
      for (let i = 0; i < linesPerChunk; i++) data += line(last++);
      const r = await append(job!, offset, data);
      expect(r.status).toBe(200);
      offset = r.body.next_offset;
      truncated.push(r.body.truncated);
    }
    expect(offset).toBe(64 * last);
    expect(truncated.at(-1)).toBe(true);
    expect(truncated[0]).toBe(false);
    const sent = offset;
    const check = (log: string) => {
      expect(log.length).toBeLessThanOrEqual(LOG_CAP_CHARS + 200);
      // The start, then one marker saying how much was dropped, then the end, to the last line sent.
      expect(log.startsWith(line(0) + line(1))).toBe(true);
      expect(log.endsWith(line(last - 2) + line(last - 1))).toBe(true);
      const markers = [
        ...log.matchAll(/\n…\[(\d+) characters truncated: a long log keeps its start and its end\]…\n/g),
      ];
      expect(markers).toHaveLength(1);
      const dropped = Number(markers[0]![1]);
      expect(log.length - markers[0]![0].length + dropped).toBe(sent);
      expect(log.slice(0, LOG_HEAD_CHARS)).toBe(
        Array.from({ length: LOG_HEAD_CHARS / 64 }, (_, n) => line(n)).join(''),
      );
      const tail = log.slice(-LOG_TAIL_CHARS);
      expect(tail).toBe(
        Array.from({ length: LOG_TAIL_CHARS / 64 }, (_, n) => line(last - LOG_TAIL_CHARS / 64 + n)).join(''),
      );
    };
    const live = await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job!.job_id}/log`);
    expect(live.status).toBe(200);
    check(String(live.body));
    expect(live.headers.get('x-log-next-offset')).toBe(String(sent));
    // A follower that read up to a point since dropped is told what it missed, then gets the end.
    const follower = String(
      (await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job!.job_id}/log?offset=${64 * 20_000}`)).body,
    );
    expect(follower).toMatch(/^\n…\[\d+ characters truncated/);
    expect(follower.endsWith(line(last - 1))).toBe(true);
    // The rows kept are bounded: the head and the tail, each within a chunk of its figure.
    const kept = await s.proctor.server.store.db
      .selectFrom('log_chunks')
      .select((eb) => eb.fn.sum<number>('length').as('chars'))
      .where('job_id', '=', job!.job_id)
      .executeTakeFirstOrThrow();
    expect(Number(kept.chars)).toBeLessThanOrEqual(LOG_CAP_CHARS);
    // Ended and moved to the blob store, the log reads the same.
    expect((await agent.complete(job!, { outcome: 'completed', scenarios: [] })).status).toBe(200);
    await s.proctor.server.retention.archiveNow();
    const archived = await s.api('GET', `/api/v1/runs/${run.id}/jobs/${job!.job_id}/log`);
    const gone = await s.proctor.server.store.db
      .selectFrom('log_chunks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('job_id', '=', job!.job_id)
      .executeTakeFirstOrThrow();
    expect(Number(gone.n)).toBe(0);
    check(String(archived.body));
  });
});
