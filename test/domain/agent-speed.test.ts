import { describe, expect, it } from 'vitest';
import { agentSlowness } from '../../src/domain/agent-speed.js';

describe('agentSlowness', () => {
  it('compares agents on the scenarios both ran, and lists only agents compared', () => {
    const slowness = agentSlowness([
      { key: 'a', agentId: 1, ms: 200 },
      { key: 'a', agentId: 2, ms: 100 },
      { key: 'b', agentId: 1, ms: 600 },
      { key: 'b', agentId: 2, ms: 300 },
      // Only agent 3 ran c: nothing to compare it with.
      { key: 'c', agentId: 3, ms: 5000 },
    ]);
    expect(slowness.get(1)! / slowness.get(2)!).toBeCloseTo(2);
    expect(slowness.has(3)).toBe(false);
  });

  it('takes the median ratio, so one odd scenario does not make an agent slow', () => {
    const samples = ['a', 'b', 'c', 'd', 'e'].flatMap((key, i) => [
      { key, agentId: 1, ms: i === 0 ? 10_000 : 100 },
      { key, agentId: 2, ms: 100 },
    ]);
    expect(agentSlowness(samples).get(1)).toBeCloseTo(1);
  });
});
