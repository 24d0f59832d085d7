import { createRequire } from 'node:module';
import { join } from 'node:path';
import { installSource } from './install-source.js';
import { locatePackageDir } from './package-binary.js';
import { AdapterError } from './types.js';

/** The report a batch writes, as the one-shot run's `--outputFile`. */
export const JEST_REPORT = 'jest.json';

/**
 * Proctor's queue mode for Jest (options.worker: true), run by the agent with the suite's own
 * Jest: `node worker.mjs <path of the jest package's main> <config or "">`, in the suite's
 * directory.
 *
 * Jest is loaded once; each batch (one JSON line on stdin) goes through Jest's own `runCLI` with
 * the arguments a one-shot run gets (`--ci --json --no-watchman --runTestsByPath`, the batch's
 * files, its `--testNamePattern`, `--outputFile=<report_dir>/jest.json`), then the worker prints a
 * closing line with its pid and writes one line on fd 3. Every batch reads the config and builds
 * its test contexts anew and runs each test file in a fresh module registry, as a one-shot run
 * does; what it saves is Node's and Jest's own start-up. Plain JavaScript: the suite's Node runs
 * it, from the temporary directory.
 */
export const JEST_WORKER_SOURCE = String.raw`// Proctor's queue mode for Jest; see src/adapters/jest-worker-script.ts in Proctor.
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const [main, config] = process.argv.slice(2);
const { runCLI } = createRequire(import.meta.url)(main);
if (typeof runCLI !== 'function') {
  process.stderr.write('[proctor] this Jest (' + main + ') has no runCLI: queue mode needs Jest 27 or newer; upgrade Jest, or remove options.worker from the plan\n');
  process.exit(2);
}
for await (const line of createInterface({ input: process.stdin })) {
  const batch = JSON.parse(line);
  const argv = {
    _: batch.files,
    $0: 'jest',
    ci: true,
    json: true,
    watchman: false,
    runTestsByPath: true,
    outputFile: join(batch.report_dir, '${JEST_REPORT}'),
    ...(batch.test_name_pattern ? { testNamePattern: batch.test_name_pattern } : {}),
    ...(config ? { config } : {}),
  };
  try {
    await runCLI(argv, [process.cwd()]);
  } catch (error) {
    // What the jest command prints before it exits 1 (a config that does not load, say): the batch
    // has no report, and the job says so with this output.
    process.stderr.write('[proctor] jest failed: ' + (error?.stack ?? error) + '\n');
  }
  process.stdout.write('[proctor] batch done in the Jest worker, pid ' + process.pid + '\n');
  writeSync(3, '\n');
}
`;

/** The worker script's path, written out once per content (see {@link installSource}). */
export function installJestWorker(): string {
  return join(installSource('proctor-jest-worker', 'worker.mjs', JEST_WORKER_SOURCE), 'worker.mjs');
}

/** The path of the `jest` package's main module in the installation that serves `cwd`. */
export function jestMain(cwd: string): string {
  const dir = locatePackageDir(cwd, 'jest');
  if (dir === undefined) throw new AdapterError('framework_missing', `jest is not installed in ${cwd}: run npm install -D jest there`);
  return createRequire(join(dir, 'package.json')).resolve('jest');
}
