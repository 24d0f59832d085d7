import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ResultRow } from '../../src/protocol/api.js';
import { RunFeeds, type FeedListener } from '../../src/server/run-feed.js';
import { describeEachDialect } from '../support/dialects.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { eventually, startTestServer, type TestServer } from '../support/server.js';

const KEYS = Array.from({ length: 6 }, (_, i) => `t${i}.test.ts > case ${i}`);

/** A listener that keeps what it was sent, and each row's status as the feed last told it. */
function recorder(): FeedListener & { events: string[]; statuses: Map<number, string>; pings: number } {
  const events: string[] = [];
  const statuses = new Map<number, string>();
  const rec = {
    events,
    statuses,
    pings: 0,
    send(event: string, data: any) {
      events.push(event);
      const rows: ResultRow[] = event === 'snapshot' ? data.results : event === 'results' ? data.items : [];
      for (const r of rows) statuses.set(r.id, r.status);
    },
    ping() {
      rec.pings++;
    },
  };
  return rec as never;
}

describeEachDialect('run feeds: the followers of a run share one poll', (dialect) => {
  let s: TestServer;
  let agent: ProtocolAgent;
  let feeds: RunFeeds;

  beforeAll(async () => {
    s = await startTestServer(dialect);
    // Plan q runs where no agent is: its runs stay queued.
    const file =
      'project: feed\nenvironments:\n  e: {}\n  far: { labels: [far] }\nplans:\n  p:\n    framework: command\n    max_parallel: 2\n    environments: [e]\n  q:\n    framework: command\n    environments: [far]\n';
    expect((await s.api('POST', '/api/v1/apply', file)).status).toBe(200);
    agent = await ProtocolAgent.register(s, [], 8);
    feeds = new RunFeeds(s.proctor.server.store.db, { pollMs: 25, keepAliveMs: 200 });
  });
  afterAll(async () => {
    feeds?.close();
    await s?.close();
  });

  const trigger = async (plan = 'p'): Promise<number> =>
    (await s.api('POST', `/api/v1/plans/${plan}/runs`, {})).body.id;
  /** Executes up to `n` claimable jobs; the scenario passes unless its key says fail. */
  async function executeSome(n: number): Promise<number> {
    let done = 0;
    while (done < n) {
      const jobs = await agent.claim(Math.min(2, n - done));
      if (jobs.length === 0) break;
      for (const job of jobs) {
        if (job.kind === 'discover') await agent.discover(job, KEYS);
        else await agent.execute(job, (k) => (k.startsWith('t3') ? 'failed' : 'passed'));
        done++;
      }
    }
    return done;
  }
  const storedStatuses = async (runId: number) =>
    new Map<number, string>(
      (await s.api('GET', `/api/v1/runs/${runId}/results?limit=100`)).body.items.map((r: ResultRow) => [
        r.id,
        r.status,
      ]),
    );
  const ended = (r: { events: string[] }) => r.events.at(-1) === 'end';

  it('many followers of one run cost one feed; each gets its snapshot, every change and the end', async () => {
    const runId = await trigger();
    const other = await trigger('q');
    const stops = [new AbortController(), new AbortController(), new AbortController(), new AbortController()];
    const listeners = [recorder(), recorder(), recorder(), recorder()];
    const following = listeners.slice(0, 3).map((l, i) => feeds.follow(runId, l, stops[i]!.signal));
    const otherFollow = feeds.follow(other, listeners[3]!, stops[3]!.signal);
    expect(feeds.followedRuns).toBe(2);
    await eventually(async () => (listeners.every((l) => l.events[0] === 'snapshot') ? true : undefined));

    await executeSome(3);
    // One follower leaves half way: the others go on.
    stops[1]!.abort();
    await following[1];
    while ((await executeSome(8)) > 0);
    await Promise.all([following[0], following[2]]);

    const stored = await storedStatuses(runId);
    expect(stored.size).toBe(KEYS.length);
    for (const l of [listeners[0]!, listeners[2]!]) {
      expect(l.events[0]).toBe('snapshot');
      expect(l.events.at(-1)).toBe('end');
      expect(l.events).toContain('results');
      expect(l.events).toContain('run');
      expect(l.statuses).toEqual(stored);
    }
    expect(ended(listeners[1]!)).toBe(false);
    // The other run's feed is there while it is followed, and goes with its follower.
    expect(feeds.followedRuns).toBe(1);
    stops[3]!.abort();
    await otherFollow;
    await eventually(async () => (feeds.followedRuns === 0 ? true : undefined));
  });

  it('a follower who joins half way misses no change', async () => {
    const runId = await trigger();
    const early = recorder();
    const late = recorder();
    const following = [feeds.follow(runId, early, new AbortController().signal)];
    await executeSome(1); // discovery
    const [first, second] = await agent.claim(2);
    await agent.execute(first!, () => 'passed');
    await eventually(async () => (early.events.includes('results') ? true : undefined));
    // The second job is still out: the run is under way when the late follower joins.
    following.push(feeds.follow(runId, late, new AbortController().signal));
    await eventually(async () => (late.events.length > 0 ? true : undefined));
    expect(feeds.followedRuns).toBe(1);
    await agent.execute(second!, () => 'failed');
    while ((await executeSome(8)) > 0);
    await Promise.all(following);
    const stored = await storedStatuses(runId);
    expect(early.statuses).toEqual(stored);
    expect(late.statuses).toEqual(stored);
    expect(late.events[0]).toBe('snapshot');
    expect(late.events).toContain('results');
    expect(late.events.at(-1)).toBe('end');
  });

  it('a finished run gets its snapshot and the end at once, and leaves no feed behind', async () => {
    const runId = await trigger();
    while ((await executeSome(8)) > 0);
    await eventually(async () =>
      (await s.api('GET', `/api/v1/runs/${runId}`)).body.status === 'completed' ? true : undefined,
    );
    const l = recorder();
    await feeds.follow(runId, l, new AbortController().signal);
    expect(l.events).toEqual(['snapshot', 'end']);
    expect(l.statuses).toEqual(await storedStatuses(runId));
    expect(feeds.followedRuns).toBe(0);
  });

  it('pings quiet followers, and closing the feeds lets every follower go', async () => {
    const runId = await trigger();
    const a = recorder();
    const b = recorder();
    const following = [
      feeds.follow(runId, a, new AbortController().signal),
      feeds.follow(runId, b, new AbortController().signal),
    ];
    await eventually(async () => (a.pings > 0 && b.pings > 0 ? true : undefined), 5_000, 20);
    const closing = new RunFeeds(s.proctor.server.store.db, { pollMs: 25, keepAliveMs: 60_000 });
    const c = recorder();
    const followingC = closing.follow(runId, c, new AbortController().signal);
    await eventually(async () => (c.events.length > 0 ? true : undefined));
    closing.close();
    await followingC;
    expect(c.events).toEqual(['snapshot']);
    expect(closing.followedRuns).toBe(0);
    expect(await closing.follow(runId, recorder(), new AbortController().signal)).toBeUndefined();
    // Finish the run for the others.
    while ((await executeSome(8)) > 0);
    await Promise.all(following);
    expect(ended(a) && ended(b)).toBe(true);
  });
});
