import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capCompletion } from '../../src/domain/cap-completion.js';
import { AGENT_REPORT_LIMITS } from '../../src/protocol/agent-api.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** The marker that must open a text whose start was dropped, and what follows it. */
const MARKED = /^…\[(\d+) characters truncated\]…\n/;

/** Checks `stored` is the end of `sent`, behind a marker that counts what was dropped, within `cap`. */
function expectEndKept(stored: string, sent: string, cap: number) {
  const m = MARKED.exec(stored);
  expect(m, `starts with the marker: ${stored.slice(0, 60)}`).not.toBeNull();
  const kept = stored.slice(m![0].length);
  expect(stored.length).toBeLessThanOrEqual(cap);
  expect(kept.length).toBeGreaterThan(cap - 100);
  expect(sent.endsWith(kept)).toBe(true);
  expect(Number(m![1])).toBe(sent.length - kept.length);
}

/** Text whose end differs from its start, so a cut that keeps the start is seen. */
const long = (n: number, end: string) =>
  `${'start of text\n'.repeat(Math.ceil(n / 14))}`.slice(0, n - end.length) + end;

describeEachDialect('over-long completions', (dialect) => {
  let s: TestServer;
  let agent: ProtocolAgent;
  beforeAll(async () => {
    s = await startTestServer(dialect);
    await s.api(
      'POST',
      '/api/v1/apply',
      'environments:\n  e: {}\nplans:\n  p: { framework: command, environments: [e], retries: 0 }\n',
    );
    agent = await ProtocolAgent.register(s);
  });
  afterAll(() => s?.close());

  it('accepts a 200,000-character error the first time and keeps its end behind a marker', async () => {
    const run = (await s.api('POST', '/api/v1/plans/p/runs', {})).body;
    const [discovery] = await agent.claim(1);
    expect((await agent.discover(discovery!, ['a.test.ts'])).status).toBe(200);
    const [job] = await agent.claim(1);
    const error = long(200_000, 'Error: the cause is at the end');
    const output = long(3_000_000, 'last line of output\n');
    const done = await agent.complete(job!, {
      outcome: 'errored',
      reason: 'crashed',
      retryable: false,
      error,
      output,
      exit_code: 1,
    });
    expect(done.status, JSON.stringify(done.body).slice(0, 300)).toBe(200);
    expect(done.body.duplicate).toBe(false);
    const jobs = (await s.api('GET', `/api/v1/runs/${run.id}/jobs`)).body.items as {
      id: number;
      status: string;
      error: string;
      attempts: unknown[];
    }[];
    const ended = jobs.find((j) => j.id === job!.job_id)!;
    expect(ended.status).toBe('errored');
    expect(ended.attempts).toHaveLength(1);
    expectEndKept(ended.error, error, AGENT_REPORT_LIMITS.error);
    expect(ended.error.endsWith('Error: the cause is at the end')).toBe(true);
    const attempt = await s.proctor.server.store.db
      .selectFrom('attempts')
      .select('output')
      .where('job_id', '=', job!.job_id)
      .executeTakeFirstOrThrow();
    expectEndKept(attempt.output!, output, AGENT_REPORT_LIMITS.output);
    const [result] = (await s.api('GET', `/api/v1/runs/${run.id}/results`)).body.items;
    expect(result.status).toBe('aborted');
    expect(result.message.endsWith('Error: the cause is at the end')).toBe(true);
    expect((await s.api('GET', `/api/v1/runs/${run.id}`)).body.status).toBe('completed');
  });

  it('accepts over-long result messages, stacks and output, and over-long scenario keys, and keeps their ends', async () => {
    const run = (await s.api('POST', '/api/v1/plans/p/runs', {})).body;
    const [discovery] = await agent.claim(1);
    const key = `${'k'.repeat(5000)} > the title`;
    const found = await agent.complete(discovery!, {
      outcome: 'completed',
      scenarios: [{ key, file: 'long.test.ts', path: [`${'p'.repeat(3000)}end`], tags: ['t'.repeat(300)] }],
    });
    expect(found.status, JSON.stringify(found.body).slice(0, 300)).toBe(200);
    const [job] = await agent.claim(1);
    expect(job!.scenarios).toHaveLength(1);
    expectEndKept(job!.scenarios[0]!.key, key, AGENT_REPORT_LIMITS.key);
    const text = (what: string) => long(150_000, `${what}: the end 😀`);
    // The agent reports the key as its framework names it; the server cuts it the same way.
    const result = {
      key,
      file: 'long.test.ts',
      path: [],
      outcome: 'failed' as const,
      durationMs: 3,
      message: text('message'),
      stack: text('stack'),
      stdout: text('stdout'),
      stderr: text('stderr'),
    };
    const done = await agent.complete(job!, { outcome: 'completed', exit_code: 1, results: [result] });
    expect(done.status, JSON.stringify(done.body).slice(0, 300)).toBe(200);
    const [row] = (await s.api('GET', `/api/v1/runs/${run.id}/results`)).body.items;
    expect(row.status).toBe('failed');
    for (const field of ['message', 'stack', 'stdout', 'stderr'] as const) {
      expectEndKept(row[field], result[field], AGENT_REPORT_LIMITS.testText);
      expect(row[field].endsWith(`${field}: the end 😀`)).toBe(true);
    }
  });
});

describe('capCompletion', () => {
  it('returns a completion that fits as it is', () => {
    const c = {
      lease_token: 't',
      outcome: 'completed' as const,
      error: 'short',
      results: [{ key: 'a', file: 'a', path: [], outcome: 'passed' as const, durationMs: 1, message: 'm' }],
    };
    expect(capCompletion(c)).toBe(c);
  });

  it('never leaves half of a surrogate pair at the cut, and cuts the same text the same way', () => {
    const error = '😀'.repeat(50_000);
    const once = capCompletion({ lease_token: 't', outcome: 'errored', error }).error!;
    expect(once.length).toBeLessThanOrEqual(AGENT_REPORT_LIMITS.error);
    expect(once.replace(MARKED, '')).toMatch(/^(😀)+$/u);
    expect(capCompletion({ lease_token: 't', outcome: 'errored', error }).error).toBe(once);
    expect(capCompletion({ lease_token: 't', outcome: 'errored', error: once }).error).toBe(once);
  });

  it('keeps the first items of over-long lists', () => {
    const tags = Array.from({ length: 80 }, (_, i) => `t${i}`);
    const [scenario] = capCompletion({
      lease_token: 't',
      outcome: 'completed',
      scenarios: [{ key: 'k', file: 'f', path: [], tags }],
    }).scenarios!;
    expect(scenario!.tags).toEqual(tags.slice(0, AGENT_REPORT_LIMITS.tags));
  });
});
