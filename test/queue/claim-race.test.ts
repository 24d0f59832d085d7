import { afterAll, beforeAll, expect, it } from 'vitest';
import { claimJobs } from '../../src/queue/claim.js';
import { DEFAULT_QUEUE_SETTINGS, type QueueContext } from '../../src/queue/context.js';
import { RunFactsCache } from '../../src/queue/run-facts.js';
import { Wakeup } from '../../src/queue/wakeup.js';
import { openStore, type Store } from '../../src/storage/database.js';
import { describeEachDialect, dropTarget, freshTarget, type DialectTarget } from '../support/dialects.js';

const JOBS = 10_000;
const CLAIMERS = 8;

describeEachDialect('claim race', (dialect) => {
  let target: DialectTarget;
  let store: Store;
  let ctx: QueueContext;
  beforeAll(async () => {
    target = freshTarget(dialect);
    store = await openStore({
      databaseUrl: target.databaseUrl,
      dataDir: target.dataDir,
      ...(target.schema ? { schema: target.schema } : {}),
      poolSize: CLAIMERS + 2,
    });
    ctx = {
      db: store.db,
      cap: store.cap,
      clock: Date.now,
      wakeup: new Wakeup(),
      runFacts: new RunFactsCache(),
      settings: DEFAULT_QUEUE_SETTINGS,
    };
    const now = Date.now();
    const project = await store.db
      .insertInto('projects')
      .values({ name: 'race', created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const env = await store.db
      .insertInto('environments')
      .values({
        project_id: project.id,
        name: 'e',
        definition: JSON.stringify({ name: 'e', platform: 'web', labels: [], variables: {}, secrets: [] }),
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const plan = await store.db
      .insertInto('plans')
      .values({
        uuid: crypto.randomUUID(),
        project_id: project.id,
        name: 'p',
        definition: '{}',
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const snapshot = JSON.stringify({
      plan: { framework: 'command', workdir: '.', repo: null, options: {} },
      environments: [{ id: env.id, name: 'e', variables: {}, secrets: [], labels: [] }],
    });
    const trigger = JSON.stringify({ parameters: {} });
    // 1,000 runs of 10 jobs: realistic parallelism limits, many runs interleaved in the queue.
    for (let r = 0; r < JOBS / 10; r++) {
      const run = await store.db
        .insertInto('runs')
        .values({
          uuid: crypto.randomUUID(),
          project_id: project.id,
          plan_id: plan.id,
          status: 'running',
          result: null,
          priority: r % 3,
          trigger,
          build: null,
          branch: null,
          plan_snapshot: snapshot,
          idempotency_key: null,
          idempotency_hash: null,
          created_at: now + r,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await store.db
        .insertInto('jobs')
        .values(
          Array.from({ length: 10 }, () => ({
            run_id: run.id,
            kind: 'execute',
            environment_id: env.id,
            environment_name: 'e',
            status: 'queued',
            scenario_ids: '[]',
            priority: r % 3,
            run_created_at: now + r,
            max_parallel: 10,
            timeout_ms: 60_000,
            attempt: 0,
            max_attempts: 3,
            created_at: now,
          })),
        )
        .execute();
    }
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    if (target) await dropTarget(target);
  });

  it(`claims each of ${JOBS} jobs exactly once with ${CLAIMERS} concurrent claimers`, async () => {
    const claimed: number[][] = Array.from({ length: CLAIMERS }, () => []);
    await Promise.all(
      claimed.map(async (mine, agentId) => {
        for (;;) {
          const jobs = await claimJobs(ctx, { agentId: agentId + 1, labels: [], projectIds: null }, 4);
          if (jobs.length === 0) return;
          mine.push(...jobs.map((j) => j.job_id));
        }
      }),
    );
    const all = claimed.flat();
    expect(all.length).toBe(JOBS);
    expect(new Set(all).size).toBe(JOBS);
    expect(claimed.filter((c) => c.length > 0).length).toBeGreaterThan(1);
    const attempts = await store.db
      .selectFrom('attempts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(attempts.n)).toBe(JOBS);
    const left = await store.db.selectFrom('jobs').select('id').where('status', '=', 'queued').execute();
    expect(left).toEqual([]);
  }, 300_000);
});
