import { describe, expect, it } from 'vitest';
import { getAdapter } from '../../src/adapters/registry.js';
import { AdapterError } from '../../src/adapters/types.js';
import { WORKER_FRAMEWORKS } from '../../src/domain/adapter-options.js';
import { FRAMEWORKS } from '../../src/protocol/statuses.js';

describe('getAdapter', () => {
  it('returns the adapter of each known framework', () => {
    for (const framework of ['vitest', 'node-test', 'command', 'jest', 'mocha', 'playwright', 'pytest', 'junit5'])
      expect(getAdapter(framework).framework).toBe(framework);
  });

  it('gives a worker command to exactly the frameworks whose plans may ask for queue mode', () => {
    const withWorker = FRAMEWORKS.filter((f) => getAdapter(f).workerCommand !== undefined).sort();
    expect(withWorker).toEqual(WORKER_FRAMEWORKS);
    expect(withWorker.length).toBeGreaterThan(0);
  });

  it('names the known frameworks when asked for another', () => {
    for (const framework of ['cypress', 'toString', '']) {
      const error = (() => {
        try {
          getAdapter(framework);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(AdapterError);
      expect(error).toMatchObject({
        reason: 'bad_options',
        message: `unknown framework "${framework}": expected one of vitest, node-test, command, jest, mocha, playwright, pytest, junit5`,
      });
    }
  });
});
