import { describe, expect, it } from 'vitest';
import { durationEstimator } from '../../src/domain/duration-estimate.js';

const own = (entries: [number, [number, number][]][]) => new Map(entries.map(([sid, e]) => [sid, new Map(e)]));

describe('durationEstimator', () => {
  it("takes a scenario's own duration in the environment first", () => {
    const e = durationEstimator({ own: own([[1, [[10, 200]]]]), elsewhere: new Map([[1, 999]]) });
    expect(e.expectedMs(1, 10)).toBe(200);
  });

  it('scales a duration from another environment by how the two compare on what both ran', () => {
    // Environment 20 runs scenarios 1 and 2 twice as long as 10; scenario 3 ran only on 10.
    const e = durationEstimator({
      own: own([
        [
          1,
          [
            [10, 100],
            [20, 200],
          ],
        ],
        [
          2,
          [
            [10, 300],
            [20, 600],
          ],
        ],
        [3, [[10, 50]]],
      ]),
      elsewhere: new Map(),
    });
    expect(e.factor(20) / e.factor(10)).toBeCloseTo(2);
    expect(e.expectedMs(3, 20)).toBeCloseTo(100);
    // An environment that ran nothing is taken to be as fast as the plan's middle.
    expect(e.expectedMs(3, 30)).toBeCloseTo(50 / e.factor(10));
  });

  it("falls back to the same test's durations under another plan, then to nothing", () => {
    const e = durationEstimator({ own: new Map(), elsewhere: new Map([[4, 1500]]) });
    expect(e.expectedMs(4, 10)).toBe(1500);
    expect(e.expectedMs(5, 10)).toBeUndefined();
  });
});
