import { createRequire } from 'node:module';
import { join } from 'node:path';
import { installSource } from './install-source.js';
import { requirePackageDir } from './package-binary.js';

/** The report a batch writes, as the one-shot run's `--outputFile`. */
export const JEST_REPORT = 'jest.json';

/**
 * Proctor's runner of Jest, for one-shot runs and queue mode (options.worker: true) alike, run by
 * the agent with the suite's own Jest: `node worker.mjs <jest's main> <jest's bin> <config or "">
 * [--batch <file>]`, in the suite's directory.
 *
 * A batch (`{"report_dir", "files", "test_name_pattern"}`) goes through Jest's own `runCLI` with
 * the arguments of `jest --ci --json --no-watchman --runTestsByPath <files> --testNamePattern …
 * --outputFile=<report_dir>/jest.json` (files null: the whole suite, without `--runTestsByPath`),
 * read from a file or a line rather than a command line,
 * so neither a title nor the number of files meets a command line's limits. The tests see
 * `process.argv` as a bare `jest` gives it: Jest runs a small suite in its own process, and a
 * suite that parses process.argv (Commander's own does) would otherwise read Proctor's arguments.
 *
 * With `--batch <file>` it runs that one batch and exits as `jest` does (1 when a test failed).
 * Without, it is the queue-mode worker: it reads batch after batch on stdin, prints a closing line
 * with its pid after each and writes one line on fd 3. Every batch reads the config and builds its
 * test contexts anew and runs each test file in a fresh module registry, as a one-shot run does;
 * what it saves is Node's and Jest's own start-up. Plain JavaScript: the suite's Node runs it,
 * from the temporary directory.
 */
export const JEST_WORKER_SOURCE = String.raw`// Proctor's runner of Jest; see src/adapters/jest-worker-script.ts in Proctor.
import { readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const [main, bin, config, mode, batchFile] = process.argv.slice(2);
process.argv = [process.argv[0], bin];
const { runCLI } = createRequire(import.meta.url)(main);
if (typeof runCLI !== 'function') {
  process.stderr.write('[proctor] this Jest (' + main + ') has no runCLI: Proctor needs Jest 27 or newer\n');
  process.exit(2);
}

async function run(batch) {
  const argv = {
    // No files (null): the whole suite, as Jest finds it.
    _: batch.files ?? [],
    $0: 'jest',
    ci: true,
    json: true,
    watchman: false,
    runTestsByPath: batch.files !== null,
    outputFile: join(batch.report_dir, '${JEST_REPORT}'),
    ...(batch.test_name_pattern ? { testNamePattern: batch.test_name_pattern } : {}),
    ...(config ? { config } : {}),
  };
  try {
    const { results } = await runCLI(argv, [process.cwd()]);
    return results.success;
  } catch (error) {
    // What the jest command prints before it exits 1 (a config that does not load, say): the batch
    // has no report, and the job says so with this output.
    process.stderr.write('[proctor] jest failed: ' + (error?.stack ?? error) + '\n');
    return false;
  }
}

if (mode === '--batch') {
  // As the jest command: the exit code says whether every test passed; open handles keep the process.
  process.exitCode = (await run(JSON.parse(readFileSync(batchFile, 'utf8')))) ? 0 : 1;
} else {
  for await (const line of createInterface({ input: process.stdin })) {
    const batch = JSON.parse(line);
    // Nothing of the batch could be selected (its files are gone): no files would mean every file.
    if (batch.files.length > 0) await run(batch);
    process.stdout.write('[proctor] batch done in the Jest worker, pid ' + process.pid + '\n');
    writeSync(3, '\n');
  }
}
`;

/** The worker script's path, written out once per content (see {@link installSource}). */
export function installJestWorker(): string {
  return join(installSource('proctor-jest-worker', 'worker.mjs', JEST_WORKER_SOURCE), 'worker.mjs');
}

/** The path of the `jest` package's main module in the installation that serves `cwd`. */
export function jestMain(cwd: string): string {
  return createRequire(join(requirePackageDir(cwd, 'jest'), 'package.json')).resolve('jest');
}
