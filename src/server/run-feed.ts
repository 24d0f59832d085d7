import type { Kysely } from 'kysely';
import type { ResultRow, Run } from '../protocol/api.js';
import type { RunEventData, RunEventName } from '../protocol/run-events.js';
import { TERMINAL_RUN_STATUSES } from '../protocol/statuses.js';
import { getRunView, listResultViews, publicRun, resultSignature, resultSignatures } from '../storage/run-views.js';
import type { Database } from '../storage/schema.js';

export type SendEvent = <E extends RunEventName>(event: E, data: RunEventData[E]) => void;

/** One follower of a run's live feed: a dashboard tab, a `proctor run --follow`. */
export interface FeedListener {
  send: SendEvent;
  /** Writes a comment line that keeps proxies from closing an idle stream. */
  ping(): void;
}

export interface FeedOptions {
  /** How often the database is asked what changed, once per followed run. */
  pollMs: number;
  /** A keep-alive comment after this long without an event. */
  keepAliveMs: number;
}

/** The server's feeds: one poll per followed run every half second, however many follow it. */
export const SERVER_FEED_OPTIONS: FeedOptions = { pollMs: 500, keepAliveMs: 15_000 };

const isTerminal = (s: Run['status']) => (TERMINAL_RUN_STATUSES as readonly string[]).includes(s);

async function allResults(db: Kysely<Database>, runId: number): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  for (let afterId: number | undefined; ; ) {
    const page = await listResultViews(db, runId, { limit: 1000, ...(afterId !== undefined ? { afterId } : {}) });
    rows.push(...page.items);
    if (!page.next_cursor || page.items.length === 0) return rows;
    afterId = page.items[page.items.length - 1]!.id;
  }
}

/**
 * The live feeds of runs. The followers of one run share its feed: the database is asked what
 * changed once per run and `pollMs`, however many dashboards and CLIs follow it, so a crowd
 * watching a large run costs one read of its result signatures per interval, not one per viewer.
 *
 * @example
 * const feeds = new RunFeeds(db, { pollMs: 500, keepAliveMs: 15_000 });
 * await feeds.follow(runId, { send, ping }, request.signal); // until the run ends or the client goes
 */
export class RunFeeds {
  private readonly feeds = new Map<number, RunFeed>();
  private closed = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly opts: FeedOptions,
  ) {}

  /** How many runs are followed now (each polled once per interval). */
  get followedRuns(): number {
    return this.feeds.size;
  }

  /**
   * Feeds one listener: a `snapshot` (the run and all its result rows), then `results` (the rows
   * that changed) and `run` (when its status or counts changed), and `end` once the run is over.
   * Resolves after `end`, when `signal` aborts or the feeds are closed; rejects when the database
   * fails.
   */
  follow(runId: number, listener: FeedListener, signal: AbortSignal): Promise<void> {
    if (this.closed || signal.aborted) return Promise.resolve();
    const existing = this.feeds.get(runId);
    if (existing) return existing.add(listener, signal);
    const feed = new RunFeed(this.db, runId, this.opts, () => {
      if (this.feeds.get(runId) === feed) this.feeds.delete(runId);
    });
    this.feeds.set(runId, feed);
    // Its first listener joins before the loop starts: a feed with nobody to feed ends at once.
    const following = feed.add(listener, signal);
    void feed.run();
    return following;
  }

  /** Ends every feed; their listeners' `follow` calls resolve. */
  close(): void {
    this.closed = true;
    for (const feed of this.feeds.values()) feed.stop();
  }
}

interface Member {
  listener: FeedListener;
  left: boolean;
  done(): void;
  fail(error: Error): void;
}

/**
 * One run's feed. A single loop does everything in order: it admits joiners (each gets its own
 * snapshot), and every `pollMs` reads what changed since the rows it last saw and sends that to
 * every member. A joiner's snapshot is read after the rows the feed last saw, so the next poll
 * sends it every change since (some twice, always in their newest state): none is missed.
 */
class RunFeed {
  private readonly members = new Set<Member>();
  private readonly joining: Member[] = [];
  /** Signatures of the rows as last sent, and the run as last sent; unset until the first snapshot. */
  private seen = new Map<number, string>();
  private lastRun: string | undefined;
  private lastSentAt = Date.now();
  private wake: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly runId: number,
    private readonly opts: FeedOptions,
    /** Called, synchronously, when the loop decided to end: no listener can join it after. */
    private readonly ended: () => void,
  ) {}

  add(listener: FeedListener, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const leave = (): void => {
        member.left = true;
        this.members.delete(member);
        resolve();
        this.wake?.();
      };
      const member: Member = {
        listener,
        left: false,
        done: () => {
          signal.removeEventListener('abort', leave);
          resolve();
        },
        fail: (error) => {
          signal.removeEventListener('abort', leave);
          reject(error);
        },
      };
      signal.addEventListener('abort', leave, { once: true });
      this.joining.push(member);
      this.wake?.();
    });
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  async run(): Promise<void> {
    let nextPoll = Date.now() + this.opts.pollMs;
    try {
      for (;;) {
        if (this.stopped || (this.members.size === 0 && this.joining.every((m) => m.left))) break;
        if (this.joining.length > 0) await this.admit(this.joining.splice(0));
        else if (Date.now() < nextPoll) await this.sleepUntil(nextPoll);
        else {
          nextPoll = Date.now() + this.opts.pollMs;
          await this.poll();
        }
      }
      this.ended();
    } catch (e) {
      this.ended();
      for (const m of this.everyone()) m.fail(e as Error);
    }
    for (const m of this.everyone()) m.done();
    this.members.clear();
  }

  private everyone(): Member[] {
    return [...this.members, ...this.joining.splice(0)];
  }

  /** Sends each joiner its snapshot; a run that is over gets `end` right after it. */
  private async admit(joiners: Member[]): Promise<void> {
    for (const m of joiners) {
      if (m.left) continue;
      // The run before its results: once a terminal run was read, the results read after it are final.
      const run = await getRunView(this.db, this.runId);
      if (!run) {
        m.done();
        continue;
      }
      const results = await allResults(this.db, this.runId);
      if (this.lastRun === undefined) {
        this.seen = new Map(results.map((r) => [r.id, resultSignature(r)]));
        this.lastRun = JSON.stringify(publicRun(run));
      }
      m.listener.send('snapshot', { run: publicRun(run), results });
      if (isTerminal(run.status)) {
        m.listener.send('end', { status: run.status, result: run.result });
        m.done();
      } else if (!m.left) this.members.add(m);
    }
  }

  /** Sends the members what changed since the last poll, and `end` once the run is over. */
  private async poll(): Promise<void> {
    if (this.members.size === 0) return;
    const run = await getRunView(this.db, this.runId);
    if (!run) return this.dismiss();
    const changed = [...(await resultSignatures(this.db, this.runId))].filter(([id, sig]) => this.seen.get(id) !== sig);
    if (changed.length > 0) {
      const rows = (
        await listResultViews(this.db, this.runId, { ids: changed.map(([id]) => id), limit: changed.length })
      ).items;
      for (const r of rows) this.seen.set(r.id, resultSignature(r));
      this.broadcast('results', { items: rows });
    }
    const runJson = JSON.stringify(publicRun(run));
    if (runJson !== this.lastRun) this.broadcast('run', publicRun(run));
    this.lastRun = runJson;
    if (isTerminal(run.status)) {
      this.broadcast('end', { status: run.status, result: run.result });
      return this.dismiss();
    }
    if (Date.now() - this.lastSentAt >= this.opts.keepAliveMs) {
      for (const m of this.members) m.listener.ping();
      this.lastSentAt = Date.now();
    }
  }

  private broadcast<E extends RunEventName>(event: E, data: RunEventData[E]): void {
    for (const m of this.members) m.listener.send(event, data);
    this.lastSentAt = Date.now();
  }

  private dismiss(): void {
    for (const m of this.members) m.done();
    this.members.clear();
  }

  private sleepUntil(at: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wake?.(), Math.max(0, at - Date.now()));
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }
}
