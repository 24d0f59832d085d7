import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { playwrightAdapter } from '../../src/adapters/playwright.js';
import { getAdapter } from '../../src/adapters/registry.js';
import type { DiscoveredScenario, TestReport } from '../../src/adapters/types.js';
import { storedKey } from '../../src/domain/scenario-key.js';
import { adapterContext, discoverWith, resultsByKey, runWith } from '../support/adapter-harness.js';
import { asServerHolds, GONE, ODD_SUITES } from '../support/odd-titles.js';
import { runWorkerBatch, startedWorkers, startWorker } from '../support/worker-harness.js';

// Issue 14: titles holding NUL, control characters, newlines, quotes, regex and shell
// metacharacters, the key separator, 5,000 characters, emoji and lone surrogates, and tests that
// share a title, through every adapter: discovered, run together and alone, by the keys as
// discovered and as the server holds them (cut, NUL escaped), one-shot and in queue mode.

const fixture = (dir: string): string => fileURLToPath(new URL(`../fixtures/odd-titles/${dir}/`, import.meta.url));

afterEach(async () => {
  await Promise.all(startedWorkers.splice(0).map((w) => w.close()));
});

const keysOf = (reports: readonly TestReport[]): string[] => reports.map((r) => storedKey(r.key)).sort();
/** Results by key as the server holds them (see domain/scenario-key.ts). */
const storedResults = (results: readonly TestReport[] | Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(Array.isArray(results) ? resultsByKey(results) : results).map(([k, v]) => [storedKey(k), v]),
  );

for (const suite of ODD_SUITES) {
  const adapter = getAdapter(suite.framework);
  describe(`${suite.framework} on test/fixtures/odd-titles/${suite.dir}`, () => {
    const cwd = fixture(suite.dir);
    const context = () => adapterContext(cwd, suite.options, suite.env);
    let found: DiscoveredScenario[];
    const pick = (part: string): DiscoveredScenario => {
      const s = found.find((f) => f.key.includes(part) && !(part.endsWith('title') && f.key.includes('#')));
      if (s === undefined) throw new Error(`no scenario with ${JSON.stringify(part)}`);
      return s;
    };

    beforeAll(async () => {
      found = await discoverWith(adapter, await context());
    }, 120_000);

    it('discovers every test, and tests sharing a title as scenarios of their own', () => {
      expect(found.map((s) => s.key).sort()).toEqual(Object.keys(suite.expected).sort());
      expect(new Set(found.map((s) => s.key)).size).toBe(found.length);
    });

    it('runs them all in one batch and reports each as the framework did, by discovered keys and by stored ones', async () => {
      const direct = await runWith(adapter, await context(), found);
      expect(resultsByKey(direct.reports)).toEqual(suite.expected);
      // The server records a result under the stored form of the key it was reported by.
      const stored = await runWith(adapter, await context(), asServerHolds(found));
      expect(storedResults(stored.reports)).toEqual(storedResults(suite.expected));
    }, 120_000);

    it('runs each odd scenario alone, named as the server holds it', async () => {
      for (const part of suite.alone) {
        const chosen = pick(part);
        const { reports, stdout, stderr } = await runWith(adapter, await context(), asServerHolds([chosen]));
        expect(keysOf(reports), `${JSON.stringify(part)}\n${stdout.slice(-1000)}\n${stderr.slice(-1000)}`).toEqual([
          storedKey(chosen.key),
        ]);
        expect(storedResults(reports)[storedKey(chosen.key)]).toBe(suite.expected[chosen.key]);
      }
    }, 240_000);

    it('errors a scenario whose file is gone on its own and runs the rest of its batch', async () => {
      const { scenario: gone, message } = suite.gone ?? GONE;
      const plain = found.filter((s) => s.key === suite.plain);
      const { reports } = await runWith(adapter, await context(), [...plain, gone]);
      expect(resultsByKey(reports)).toEqual({ [suite.plain]: 'passed', [gone.key]: 'failed' });
      expect(reports.find((r) => r.key === gone.key)?.message).toMatch(message);
      const alone = await runWith(adapter, await context(), [gone]);
      expect(alone.reports.map((r) => [r.key, r.outcome])).toEqual([[gone.key, 'errored']]);
    }, 120_000);

    if (suite.worker) {
      it('queue mode: the same batches, one after another in one worker', async () => {
        const base = await context();
        base.options = { ...base.options, worker: true };
        const worker = startWorker(adapter, base);
        const batches = [asServerHolds(found), ...suite.alone.map((part) => asServerHolds([pick(part)]))];
        for (const [i, batch] of batches.entries()) {
          const { ctx, result } = await runWorkerBatch(worker, adapter, base, batch);
          const reports = await adapter.parseRun(ctx, batch, result);
          await rm(ctx.reportDir, { recursive: true, force: true });
          const want =
            i === 0 ? storedResults(suite.expected) : { [batch[0]!.key]: storedResults(suite.expected)[batch[0]!.key] };
          expect(storedResults(reports), `batch ${i}\n${result.stderr.slice(-1000)}`).toEqual(want);
        }
      }, 240_000);
    }
  });
}

describe('playwright on test/fixtures/odd-titles/playwright-twins', () => {
  it('says why a suite whose tests share a title has no scenarios: Playwright refuses to run it at all', async () => {
    const error = await discoverWith(playwrightAdapter, await adapterContext(fixture('playwright-twins'))).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ reason: 'no_tests' });
    expect((error as Error).message).toMatch(/duplicate test title "twins › same title"/);
  }, 60_000);
});
