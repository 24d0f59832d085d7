import { describe, expect, it } from 'vitest';
import { Wakeup, wakeGroup } from '../../src/queue/wakeup.js';

/** Starts a claimer waiting in `group`; its `woken` flag flips when the wait ends. */
function waiter(w: Wakeup, group: string, ms = 60_000) {
  const state = { woken: false };
  const done = w.wait(group, ms, w.mark).then(() => (state.woken = true));
  return Object.assign(state, { done });
}
const settle = () => new Promise((r) => setImmediate(r));

describe('Wakeup', () => {
  it('wakes the longest-waiting claimer of each group, not every claimer', async () => {
    const w = new Wakeup();
    const [a1, a2, b1] = [waiter(w, 'a'), waiter(w, 'a'), waiter(w, 'b')];
    w.wake();
    await settle();
    expect([a1.woken, a2.woken, b1.woken]).toEqual([true, false, true]);
    expect(w.waiting).toBe(1);
    // The woken claimer got all it asked for: the next of its group tries too.
    w.passOn('a');
    await settle();
    expect(a2.woken).toBe(true);
    expect(w.waiting).toBe(0);
  });

  it('does not lose a wake that came while the claimer was claiming', async () => {
    const w = new Wakeup();
    const mark = w.mark; // taken before the claim
    w.wake(); // a job became claimable during the claim
    let woken = false;
    await w.wait('a', 60_000, mark).then(() => (woken = true));
    expect(woken).toBe(true);
  });

  it('ends a wait at its timeout or when its request goes away', async () => {
    const w = new Wakeup();
    await w.wait('a', 5, w.mark); // resolves by itself
    const gone = new AbortController();
    const pending = w.wait('a', 60_000, w.mark, gone.signal);
    gone.abort();
    await pending;
    expect(w.waiting).toBe(0);
  });

  it('publishes wakes to other replicas, and theirs wake only this process', async () => {
    const w = new Wakeup();
    let published = 0;
    w.publish = () => published++;
    const a = waiter(w, 'a');
    w.wakeLocal();
    await settle();
    expect([a.woken, published]).toEqual([true, 0]);
    w.wake();
    expect(published).toBe(1);
  });

  it('groups claimers by their labels, in any order', () => {
    expect(wakeGroup(['linux', 'chromium'])).toBe(wakeGroup(['chromium', 'linux']));
    expect(wakeGroup(['linux'])).not.toBe(wakeGroup(['linux', 'chromium']));
  });
});
