import { describe, expect, it } from 'vitest';
import { batchScenarios, expectedMaxOfNormals, packedShare } from '../../src/domain/batching.js';
import { runResult, scenarioResultOf, countsFrom } from '../../src/domain/run-outcome.js';
import { selectScenarios } from '../../src/domain/selection.js';
import { durationSpec } from '../../src/domain/plan-document.js';
import { parseDuration } from '../../src/domain/duration.js';

describe('batchScenarios (guided self-scheduling)', () => {
  const items = Array.from({ length: 40 }, (_, i) => ({ id: i, ms: 1000 }));

  it('keeps every scenario exactly once, longest first, with shrinking batches', () => {
    const mixed = items.map((s, i) => ({ ...s, ms: (i % 7) * 300 + 100 }));
    const batches = batchScenarios(mixed, (s) => s.ms, { slots: 4, overheadMs: 100 });
    expect(
      batches
        .flat()
        .map((s) => s.id)
        .sort((a, b) => a - b),
    ).toEqual(mixed.map((s) => s.id));
    const work = batches.map((b) => b.reduce((n, s) => n + s.ms, 0));
    expect(work[0]!).toBeGreaterThan(work[work.length - 1]!);
    expect(batches[0]![0]!.ms).toBe(Math.max(...mixed.map((s) => s.ms)));
  });

  it('takes about remaining / (2 × slots) per batch', () => {
    const batches = batchScenarios(items, (s) => s.ms, { slots: 4, overheadMs: 0 });
    expect(batches[0]!.length).toBe(5); // 40 000 / 8
    expect(batches[1]!.length).toBe(5); // 35 000 / 8 → 4.4 → 5
    expect(batches.at(-1)!.length).toBe(1);
  });

  it('never makes a batch smaller than twice the start-up cost, nor empty', () => {
    const batches = batchScenarios(items, (s) => s.ms, { slots: 8, overheadMs: 1500 });
    expect(batches.slice(0, -1).every((b) => b.length >= 3)).toBe(true);
    expect(batchScenarios([], () => 1, { slots: 2, overheadMs: 0 })).toEqual([]);
    expect(batchScenarios([{ ms: 10 }], (s) => s.ms, { slots: 0, overheadMs: 0 })).toEqual([[{ ms: 10 }]]);
  });

  it('in queue mode without history, one scenario per batch, failed-first and then longest first', () => {
    const mixed = items.slice(0, 6).map((s, i) => ({ ...s, ms: [300, 100, 500, 200, 400, 600][i]! }));
    const batches = batchScenarios(mixed, (s) => s.ms, {
      slots: 2,
      overheadMs: 5,
      singles: true,
      first: (s) => s.id === 1,
    });
    expect(batches.map((b) => b.map((s) => s.ms))).toEqual([[100], [600], [500], [400], [300], [200]]);
  });

  it('keeps the items of a group (a test file) in one batch, in their given order, the group batched as one item', () => {
    const tests = [
      { file: 'a', ms: 100 },
      { file: 'b', ms: 500 },
      { file: 'a', ms: 900 },
      { file: 'c', ms: 300 },
      { file: 'b', ms: 100 },
      { file: 'a', ms: 50 },
    ].map((t, id) => ({ ...t, id }));
    const byFile = { slots: 2, overheadMs: 0, group: (t: { file: string }) => t.file };
    // a (1050) then b (600) then c (300); each file's tests as given.
    expect(
      batchScenarios(tests, (t) => t.ms, byFile)
        .flat()
        .map((t) => t.id),
    ).toEqual([0, 2, 5, 1, 4, 3]);
    expect(batchScenarios(tests, (t) => t.ms, { ...byFile, singles: true }).map((b) => b.map((t) => t.id))).toEqual([
      [0, 2, 5],
      [1, 4],
      [3],
    ]);
    // A group goes first when one of its items does.
    expect(
      batchScenarios(tests, (t) => t.ms, { ...byFile, singles: true, first: (t) => t.id === 3 }).map((b) =>
        b.map((t) => t.id),
      ),
    ).toEqual([[3], [0, 2, 5], [1, 4]]);
    // Packed opening jobs on several slots never split a group.
    const packed = batchScenarios(tests, (t) => t.ms, { ...byFile, slots: 2, packFirst: true });
    for (const file of ['a', 'b', 'c']) expect(packed.filter((b) => b.some((t) => t.file === file))).toHaveLength(1);
  });

  it('on one slot, makes one batch (nothing to balance, every batch pays a start) within the job timeout', () => {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const one = { slots: 1, overheadMs: 500 };
    expect(batchScenarios(items, () => 1000, one)).toEqual([items]);
    expect(batchScenarios(items, () => 1000, { ...one, singles: true })).toEqual([items]);
    // At most 15 s of expected work per batch: 40 s in three.
    expect(batchScenarios(items, () => 1000, { ...one, maxBatchMs: 15_000 }).map((b) => b.length)).toEqual([
      15, 15, 10,
    ]);
    // Fail-fast: shrinking batches, so a failure stops the run before the whole suite ran.
    expect(batchScenarios(items, () => 1000, { ...one, stopEarly: true }).length).toBeGreaterThan(3);
  });
});

describe('run outcome', () => {
  const counts = (o: Record<string, number>) =>
    countsFrom(Object.entries(o).map(([status, n]) => ({ status: status as never, n })));

  it('derives the verdict from the counts', () => {
    expect(runResult(counts({ passed: 3, skipped: 1, flaky: 1 }), false)).toBe('passed');
    expect(runResult(counts({ passed: 3, failed: 1, aborted: 2 }), false)).toBe('failed');
    expect(runResult(counts({ passed: 3, aborted: 1 }), false)).toBe('aborted');
    expect(runResult(counts({ passed: 3, not_executed: 1 }), false)).toBe('aborted');
    expect(runResult(counts({}), false)).toBe('aborted');
    expect(runResult(counts({ passed: 3 }), true)).toBe('stopped');
    expect(counts({ passed: 2, failed: 1 }).total).toBe(3);
  });

  it('maps framework outcomes, a pass after a failure being flaky', () => {
    expect(scenarioResultOf('passed', 0)).toBe('passed');
    expect(scenarioResultOf('passed', 1)).toBe('flaky');
    expect(scenarioResultOf('passed', 0, 2)).toBe('flaky');
    expect(scenarioResultOf('errored', 0)).toBe('failed');
    expect(scenarioResultOf('skipped', 3)).toBe('skipped');
  });
});

describe('selectScenarios', () => {
  const all = [
    { key: 'a.test.ts > logs in @smoke', file: 'a.test.ts', tags: [] },
    { key: 'a.test.ts > logs out', file: 'a.test.ts', tags: ['slow'] },
    { key: 'e2e/b.spec.ts > buys', file: 'e2e/b.spec.ts', tags: [] },
  ];
  const none = { include: [], exclude: [], tags: [], names: [] };

  it('filters by glob, tag, name and explicit request', () => {
    expect(selectScenarios(all, none)).toHaveLength(3);
    expect(selectScenarios(all, { ...none, include: ['e2e/**'] }).map((s) => s.file)).toEqual(['e2e/b.spec.ts']);
    expect(selectScenarios(all, { ...none, exclude: ['e2e/**'] })).toHaveLength(2);
    expect(selectScenarios(all, { ...none, tags: ['smoke'] }).map((s) => s.key)).toEqual([
      'a.test.ts > logs in @smoke',
    ]);
    expect(selectScenarios(all, { ...none, tags: ['slow'] }).map((s) => s.key)).toEqual(['a.test.ts > logs out']);
    expect(selectScenarios(all, { ...none, names: ['buys'] })).toHaveLength(1);
    expect(selectScenarios(all, none, ['a.test.ts > logs out'])).toHaveLength(1);
    expect(selectScenarios(all, none, ['a.test.ts'])).toHaveLength(2);
  });
});

describe('durations', () => {
  it('parse and print back exactly', () => {
    for (const ms of [500, 1000, 90_000, 600_000, 3_600_000, 5_400_000])
      expect(parseDuration(durationSpec(ms))).toBe(ms);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('soon')).toBeNull();
    expect(parseDuration('0s')).toBeNull();
  });
});

describe('failed-first batching and medians', () => {
  it('puts the items marked first ahead of longer ones', async () => {
    const items = [
      { id: 'long', ms: 9000 },
      { id: 'failed', ms: 10 },
      { id: 'mid', ms: 500 },
    ];
    const batches = batchScenarios(items, (s) => s.ms, { slots: 8, overheadMs: 0, first: (s) => s.id === 'failed' });
    expect(batches[0]![0]!.id).toBe('failed');
  });

  it('takes the median', async () => {
    const { median } = await import('../../src/domain/median.js');
    expect(median([])).toBeUndefined();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('packed opening jobs (measured durations)', () => {
  it('opens with one job per slot near its fair share, longest first, and keeps every item once', () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ id: i, ms: ((i * 37) % 23) * 50 + 20 }));
    const total = items.reduce((n, s) => n + s.ms, 0);
    const share = packedShare(
      items.map((s) => s.ms),
      4,
      50,
      0.1,
    );
    expect(share).toBeLessThan(1);
    const batches = batchScenarios(items, (s) => s.ms, { slots: 4, overheadMs: 50, packFirst: true, noise: 0.1 });
    expect(
      batches
        .flat()
        .map((s) => s.id)
        .sort((a, b) => a - b),
    ).toEqual(items.map((s) => s.id));
    const opening = batches.slice(0, 4).map((b) => b.reduce((n, s) => n + s.ms, 0));
    for (const w of opening) {
      expect(w).toBeLessThanOrEqual((total / 4) * share);
      expect(w).toBeGreaterThan((total / 4) * (share - 0.1));
    }
    expect(batches.length).toBeGreaterThan(4);
    expect(batches.length).toBeLessThan(batchScenarios(items, (s) => s.ms, { slots: 4, overheadMs: 50 }).length);
  });

  it('packs everything into one job per slot when the estimates are steadier than a process start costs', () => {
    const items = Array.from({ length: 100 }, (_, i) => ({ id: i, ms: ((i * 37) % 23) * 50 + 20 }));
    const total = items.reduce((n, s) => n + s.ms, 0);
    expect(
      packedShare(
        items.map((s) => s.ms),
        4,
        500,
        0.02,
      ),
    ).toBe(1);
    const batches = batchScenarios(items, (s) => s.ms, { slots: 4, overheadMs: 500, packFirst: true, noise: 0.02 });
    expect(batches).toHaveLength(4);
    expect(batches.flat()).toHaveLength(100);
    // Longest first into the least loaded job: within one (the last, shortest) item of even.
    for (const b of batches) expect(Math.abs(b.reduce((n, s) => n + s.ms, 0) - total / 4)).toBeLessThanOrEqual(20);
  });

  it('leaves more to the balancing jobs the noisier the estimates, within bounds', () => {
    const ms = Array.from({ length: 200 }, (_, i) => 100 + ((i * 53) % 97) * 20);
    const steady = packedShare(ms, 8, 100, 0.05);
    const noisy = packedShare(ms, 8, 100, 0.5);
    expect(noisy).toBeLessThan(steady);
    expect(noisy).toBeGreaterThanOrEqual(0.8);
    expect(packedShare([], 8, 100, 0.1)).toBe(1);
  });

  it('measures how much durations vary from run to run', async () => {
    const { durationNoise } = await import('../../src/domain/median.js');
    expect(durationNoise([[100], [250]])).toBeUndefined();
    expect(
      durationNoise([
        [100, 100, 100],
        [40, 40],
      ]),
    ).toBe(0);
    expect(durationNoise([[90, 110], [500]])).toBeCloseTo(0.1 * 1.4826, 6);
    // The median over scenarios: one wild scenario does not set the noise of the plan.
    expect(
      durationNoise([
        [90, 110],
        [95, 105],
        [10, 1000],
      ]),
    ).toBeCloseTo(0.1 * 1.4826, 6);
  });

  it('knows the expected largest of k normal draws', () => {
    expect(expectedMaxOfNormals(1)).toBe(0);
    expect(expectedMaxOfNormals(8)).toBeCloseTo(1.424, 3);
    expect(expectedMaxOfNormals(6)).toBeGreaterThan(1.029);
    expect(expectedMaxOfNormals(6)).toBeLessThan(1.424);
    expect(expectedMaxOfNormals(5000)).toBeCloseTo(Math.sqrt(2 * Math.log(5000)), 6);
  });

  it('gives a scenario longer than the fair share a job of its own', () => {
    const items = [{ ms: 10_000 }, ...Array.from({ length: 10 }, () => ({ ms: 100 }))];
    const batches = batchScenarios(items, (s) => s.ms, { slots: 2, overheadMs: 0, packFirst: true });
    expect(batches[0]).toEqual([{ ms: 10_000 }]);
  });
});
