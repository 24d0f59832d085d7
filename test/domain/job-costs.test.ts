import { describe, expect, it } from 'vitest';
import { fitJobCosts } from '../../src/domain/job-costs.js';
import { batchScenarios } from '../../src/domain/batching.js';

const job = (files: number, fixed: number, perFile: number, work = 100) => ({
  files,
  workMs: work,
  wallMs: work + fixed + perFile * files,
});

describe('fitJobCosts', () => {
  it('tells a fixed cost per job from a cost per file when the jobs hold different numbers of files', () => {
    expect(fitJobCosts([job(1, 2000, 150), job(4, 2000, 150), job(9, 2000, 150)], 500)).toEqual({
      fixedMs: 2000,
      perFileMs: 150,
      jobs: 3,
    });
  });

  it('gives the fixed part at most the prior when every job held as many files, the files the rest', () => {
    expect(fitJobCosts([job(2, 300, 200), job(2, 300, 200)], 500)).toEqual({ fixedMs: 500, perFileMs: 100, jobs: 2 });
    expect(fitJobCosts([job(1, 100, 0)], 500)).toEqual({ fixedMs: 100, perFileMs: 0, jobs: 1 });
  });

  it('never learns a negative part, nor counts tests that ran in parallel as negative cost', () => {
    // More files, less overhead: noise, not a negative cost per file.
    expect(fitJobCosts([job(1, 900, 0), job(5, 500, 0)], 500)).toEqual({ fixedMs: 700, perFileMs: 0, jobs: 2 });
    // A cost per file with a line through below zero: all of it per file.
    expect(fitJobCosts([job(2, 0, 300), { files: 6, workMs: 100, wallMs: 100 + 2000 }], 500)).toMatchObject({
      fixedMs: 0,
    });
    // Tests reported more time than the wall (they ran in parallel): no cost, not a negative one.
    expect(fitJobCosts([{ files: 3, workMs: 5000, wallMs: 2000 }], 500)).toEqual({ fixedMs: 0, perFileMs: 0, jobs: 1 });
  });

  it('learns nothing without samples', () => {
    expect(fitJobCosts([], 500)).toBeUndefined();
    expect(fitJobCosts([{ files: 0, workMs: 0, wallMs: 10 }], 500)).toBeUndefined();
  });
});

describe('batchScenarios with a cost per group', () => {
  it('counts each group’s cost in its work', () => {
    // Two slots; group a has four 100 ms items, groups b…e one each. Without a cost per group, a
    // (400 ms) balances b…e (400 ms); with 300 ms per group, a is 700 ms and b…e 400 ms each.
    const items = [...['a', 'a', 'a', 'a'].map((g, i) => `${g}${i}`), 'b', 'c', 'd', 'e'];
    const opts = { slots: 2, overheadMs: 0, packFirst: true, noise: 0, group: (x: string) => x[0]! };
    const sizes = (batches: string[][]) => batches.map((b) => b.length).sort();
    expect(sizes(batchScenarios(items, () => 100, opts))).toEqual([4, 4]);
    const withCost = batchScenarios(items, () => 100, { ...opts, groupCostMs: 300 });
    const withA = withCost.find((b) => b.includes('a0'))!;
    expect(withA.slice(0, 4)).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(sizes(withCost)).toEqual([3, 5]);
  });
});
