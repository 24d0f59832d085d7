import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { installSource } from './install-source.js';
import { requirePackageDir } from './package-binary.js';
import { AdapterError } from './types.js';

/** The report a batch writes, as the one-shot run's `--outputFile.json`. */
export const VITEST_REPORT = 'vitest.json';

/**
 * Proctor's queue mode for Vitest (options.worker: true), run by the agent with the suite's own
 * Vitest: `node worker.mjs <vitest/node URL> <config or "">`, in the suite's directory.
 *
 * It starts Vitest once through its Node API, as `vitest run` does (the same environment
 * variables, reporters `default` and `json`, no watching), so the Vite server, the config and the
 * transformed modules are ready for every batch. Per batch (one JSON line on stdin) it points the
 * JSON reporter at `<report_dir>/vitest.json`, sets the batch's test name pattern (as
 * `--testNamePattern`), runs the test files its `filters` select (as `vitest run <filters>`), prints
 * a closing line with its pid, and writes one line on fd 3. Test files run in Vitest's pool as in a one-shot run, isolated as the
 * config says. Plain JavaScript: the suite's Node runs it, from the temporary directory.
 */
export const VITEST_WORKER_SOURCE = String.raw`// Proctor's queue mode for Vitest; see src/adapters/vitest-worker-script.ts in Proctor.
import { writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const [entry, config] = process.argv.slice(2);
process.env.TEST = 'true';
process.env.VITEST = 'true';
process.env.NODE_ENV ??= 'test';
const { createVitest } = await import(entry);
const vitest = await createVitest('test', {
  watch: false,
  ...(config ? { config } : {}),
  reporters: ['default', 'json'],
}).catch((error) => {
  process.stderr.write('[proctor] Vitest could not start: ' + (error?.stack ?? error) + '\n');
  process.exit(1);
});
if (typeof vitest.runTestSpecifications !== 'function' || typeof vitest.setGlobalTestNamePattern !== 'function') {
  process.stderr.write('[proctor] queue mode needs Vitest 3 or newer (this is ' + vitest.version + '): upgrade Vitest, or remove options.worker from the plan\n');
  process.exit(2);
}
await vitest.init();
for await (const line of createInterface({ input: process.stdin })) {
  const batch = JSON.parse(line);
  // Nothing of the batch could be selected (its files are gone): no filter would mean every file.
  if (batch.filters.length === 0) {
    writeSync(3, '\n');
    continue;
  }
  const outputFile = typeof vitest.config.outputFile === 'object' ? vitest.config.outputFile : {};
  vitest.config.outputFile = { ...outputFile, json: join(batch.report_dir, '${VITEST_REPORT}') };
  if (batch.test_name_pattern) vitest.setGlobalTestNamePattern(batch.test_name_pattern);
  else vitest.resetGlobalTestNamePattern();
  const specifications = await vitest.getRelevantTestSpecifications(batch.filters);
  await vitest.runTestSpecifications(specifications, false);
  process.stdout.write('[proctor] batch done in the Vitest worker, pid ' + process.pid + '\n');
  writeSync(3, '\n');
}
await vitest.close();
process.exit(process.exitCode ?? 0);
`;

/** The worker script's path, written out once per content (see {@link installSource}). */
export function installVitestWorker(): string {
  return join(installSource('proctor-vitest-worker', 'worker.mjs', VITEST_WORKER_SOURCE), 'worker.mjs');
}

/** The file URL of `vitest/node` in the Vitest installation that serves `cwd`. */
export function vitestNodeEntry(cwd: string): string {
  const dir = requirePackageDir(cwd, 'vitest');
  try {
    return pathToFileURL(createRequire(join(dir, 'package.json')).resolve('vitest/node')).href;
  } catch (e) {
    throw new AdapterError(
      'framework_missing',
      `the Vitest in ${dir} has no Node API (vitest/node): ${(e as Error).message}; queue mode needs Vitest 3 or newer`,
    );
  }
}
