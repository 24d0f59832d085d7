import { FRAMEWORKS, type Framework } from '../protocol/statuses.js';

/**
 * The shapes an adapter option takes, as the adapters read them (adapters/options.ts):
 * - `string`: a non-empty string;
 * - `string-or-list`: a non-empty string or a non-empty list of them (globs, paths, projects);
 * - `string-list`: a list of strings, never one string (pytest's `args`: a string would be split
 *   by nobody);
 * - `positive-number`: a number above 0;
 * - `boolean`: true or false;
 * - `globs-or-list-file`: a `string-or-list` of globs, or `{ list: "path" }` (the command adapter's
 *   `discover`).
 */
export type AdapterOptionType =
  | 'string'
  | 'string-or-list'
  | 'string-list'
  | 'positive-number'
  | 'boolean'
  | 'globs-or-list-file';

/** One option an adapter reads from a plan's `options`. */
export interface AdapterOption {
  readonly name: string;
  readonly type: AdapterOptionType;
  /** `true`: the adapter cannot run without it; `without-worker`: unless `worker` is set (queue mode). */
  readonly required?: true | 'without-worker';
  readonly description: string;
  /** A value to show in a message: what to write. */
  readonly example: unknown;
}

/** Every adapter attaches the files a run writes (adapters/artifacts.ts). */
const ARTIFACT_OPTIONS: readonly AdapterOption[] = [
  {
    name: 'artifacts',
    type: 'string-or-list',
    description: 'globs, relative to the workdir, of files a run writes, kept with its tests',
    example: ['shots/*.png'],
  },
  {
    name: 'artifacts_max_mb',
    type: 'positive-number',
    description: 'files larger than this are left out (default 50)',
    example: 50,
  },
];

const QUEUE_MODE: AdapterOption = {
  name: 'worker',
  type: 'boolean',
  description: 'true: queue mode, one framework process per slot taking batch after batch',
  example: true,
};

const config = (example: string): AdapterOption => ({
  name: 'config',
  type: 'string',
  description: 'the config file, relative to the workdir',
  example,
});

/**
 * The options each framework's adapter reads from `ctx.options`, keyed by the protocol's framework
 * list (a framework added there without an entry fails to compile). Apply checks plans against it
 * (domain/plan-options.ts), since the server and the CLI may not import adapters; a test
 * (test/adapters/declared-options.test.ts) proves every option an adapter reads is declared here and
 * every one declared is read.
 */
export const ADAPTER_OPTIONS: Readonly<Record<Framework, readonly AdapterOption[]>> = {
  vitest: [config('vitest.config.ts'), QUEUE_MODE, ...ARTIFACT_OPTIONS],
  'node-test': [
    {
      name: 'include',
      type: 'string-or-list',
      description: 'globs of test files (default **/*.test.{js,mjs,cjs} and **/test/**/*.{js,mjs})',
      example: ['test/**/*.test.js'],
    },
    {
      name: 'exclude',
      type: 'string-or-list',
      description: 'globs of files to leave out',
      example: ['test/fixtures/**'],
    },
    ...ARTIFACT_OPTIONS,
  ],
  command: [
    {
      name: 'command',
      type: 'string',
      required: 'without-worker',
      description: 'the shell command that runs a batch: {files}, {filter} and {report_dir} are filled in',
      example: 'sh {files}',
    },
    {
      name: 'discover',
      type: 'globs-or-list-file',
      required: true,
      description: 'globs of the scenario files, or { list: "path" }, a file naming one a line',
      example: 'checks/*.sh',
    },
    {
      name: 'report',
      type: 'string-or-list',
      description: 'globs of the JUnit files the command writes (default {report_dir}/*.xml)',
      example: '{report_dir}/*.xml',
    },
    {
      name: 'worker',
      type: 'string',
      description: 'queue mode: the shell command of a worker reading one batch a line on stdin',
      example: 'node worker.mjs',
    },
    ...ARTIFACT_OPTIONS,
  ],
  jest: [config('jest.config.js'), QUEUE_MODE, ...ARTIFACT_OPTIONS],
  mocha: [config('.mocharc.yml'), ...ARTIFACT_OPTIONS],
  playwright: [
    config('playwright.config.ts'),
    {
      name: 'project',
      type: 'string-or-list',
      description: "the projects to run when the environment's PROCTOR_BROWSER does not choose",
      example: ['chromium'],
    },
    ...ARTIFACT_OPTIONS,
  ],
  pytest: [
    {
      name: 'python',
      type: 'string',
      description: 'the Python that runs pytest (default python3)',
      example: 'python3',
    },
    { name: 'args', type: 'string-list', description: "arguments added to pytest's command line", example: ['-x'] },
    QUEUE_MODE,
    ...ARTIFACT_OPTIONS,
  ],
  junit5: [
    {
      name: 'launcher',
      type: 'string-or-list',
      description: 'the console launcher jar, or a list tried in order',
      example: 'lib/junit-platform-console-standalone.jar',
    },
    {
      name: 'sources',
      type: 'string-or-list',
      description: 'directories of .java files compiled per job (default src)',
      example: ['src/test/java'],
    },
    {
      name: 'classpath',
      type: 'string-or-list',
      description: 'jars or class directories the tests need',
      example: ['lib/assertj-core.jar'],
    },
    QUEUE_MODE,
    ...ARTIFACT_OPTIONS,
  ],
};

/**
 * Frameworks whose process can stay up and take batch after batch (queue mode): those whose adapter
 * reads `options.worker`, which is to say those with a `workerCommand` (test/adapters/registry.test.ts).
 */
export const WORKER_FRAMEWORKS: readonly Framework[] = FRAMEWORKS.filter((f) =>
  ADAPTER_OPTIONS[f].some((o) => o.name === 'worker'),
).sort();
