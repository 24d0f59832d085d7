import { describe, expect, it } from 'vitest';
import { StreamMasker } from '../../src/agent/stream-masker.js';

describe('StreamMasker', () => {
  const secret = 's3cret-value-42';

  it('masks a secret split across chunks at every possible cut', () => {
    const text = `before ${secret} middle ${secret}after`;
    for (let cut = 0; cut <= text.length; cut++) {
      for (let cut2 = cut; cut2 <= text.length; cut2 += 3) {
        const m = new StreamMasker([secret]);
        const out = m.push(text.slice(0, cut)) + m.push(text.slice(cut, cut2)) + m.push(text.slice(cut2)) + m.end();
        expect(out).toBe('before *** middle ***after');
      }
    }
  });

  it('passes text through untouched without secrets, and ignores secrets too short to mask', () => {
    const m = new StreamMasker(['ab']);
    expect(m.push('ab cd')).toBe('ab cd');
    expect(m.end()).toBe('');
  });
});
