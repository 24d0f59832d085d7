import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { readJUnitFile } from '../../src/reports/junit-parse.js';

/**
 * What each framework itself reports for an example suite, run directly with its own reporter
 * (none of Proctor's adapter code), test by test: key → passed | failed | skipped | flaky, the
 * way the server records a scenario (a framework's error is a failed scenario, a pass after the
 * framework's retries a flaky one). Keys are Proctor's scenario keys, except Mocha's (see
 * mochaComparisonKey).
 */
export type Direct = Map<string, string>;

export const EXAMPLES = resolve('examples');
const NODE_MODULES_BIN = resolve('node_modules');
export const JUNIT_LAUNCHER = '/usr/share/java/junit-platform-console-standalone.jar';

function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): { stdout: string; stderr: string } {
  const clean = { ...process.env };
  for (const name of Object.keys(clean))
    if (name.startsWith('VITEST') || name === 'TEST' || name === 'NODE_ENV') delete clean[name];
  const r = spawnSync(command, args, {
    cwd,
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr };
}

const tmp = (name: string): string => join(mkdtempSync(join(tmpdir(), 'proctor-direct-')), name);

/** `jest --json` over examples/jest. */
export function jestDirect(): Direct {
  const cwd = join(EXAMPLES, 'jest');
  const out = tmp('jest.json');
  run(process.execPath, [join(NODE_MODULES_BIN, 'jest/bin/jest.js'), '--ci', '--json', `--outputFile=${out}`], cwd);
  const report = JSON.parse(readFileSync(out, 'utf8')) as {
    testResults: {
      name: string;
      assertionResults: { ancestorTitles: string[]; title: string; status: string; invocations?: number }[];
    }[];
  };
  const map: Direct = new Map();
  for (const f of report.testResults) {
    for (const a of f.assertionResults) {
      const status =
        a.status === 'passed'
          ? (a.invocations ?? 1) > 1
            ? 'flaky'
            : 'passed'
          : a.status === 'failed'
            ? 'failed'
            : 'skipped';
      map.set([relative(cwd, f.name), ...a.ancestorTitles, a.title].join(' > '), status);
    }
  }
  return map;
}

/** Mocha's own JSON reporter over examples/mocha: keys are `file > full title` (titles joined by spaces). */
export function mochaDirect(): Direct {
  const cwd = join(EXAMPLES, 'mocha');
  const out = tmp('mocha.json');
  run(
    process.execPath,
    [join(NODE_MODULES_BIN, 'mocha/bin/mocha.js'), '--reporter', 'json', '--reporter-option', `output=${out}`],
    cwd,
  );
  type T = { fullTitle: string; file: string; currentRetry?: number };
  const report = JSON.parse(readFileSync(out, 'utf8')) as { passes: T[]; failures: T[]; pending: T[] };
  const map: Direct = new Map();
  const key = (t: T): string => `${relative(cwd, t.file)} > ${t.fullTitle}`;
  for (const t of report.passes) map.set(key(t), (t.currentRetry ?? 0) > 0 ? 'flaky' : 'passed');
  for (const t of report.failures) map.set(key(t), 'failed');
  for (const t of report.pending) map.set(key(t), 'skipped');
  return map;
}

/** Turns a Proctor Mocha key into the key mochaDirect uses. */
export function mochaComparisonKey(key: string): string {
  const [file, ...titles] = key.split(' > ');
  return `${file} > ${titles.join(' ')}`;
}

/** Playwright's JSON reporter over examples/playwright, one project. */
export function playwrightDirect(project = 'chromium'): Direct {
  const cwd = join(EXAMPLES, 'playwright');
  const out = tmp('playwright.json');
  run(
    process.execPath,
    [
      join(NODE_MODULES_BIN, '@playwright/test/cli.js'),
      'test',
      `--project=${project}`,
      '--reporter=json',
      `--output=${tmp('results')}`,
    ],
    cwd,
    { PLAYWRIGHT_JSON_OUTPUT_FILE: out },
  );
  type Suite = {
    title: string;
    specs?: { title: string; file: string; tests: { status: string; results: { status: string }[] }[] }[];
    suites?: Suite[];
  };
  const report = JSON.parse(readFileSync(out, 'utf8')) as { config: { rootDir: string }; suites: Suite[] };
  const map: Direct = new Map();
  const walk = (suite: Suite, titles: string[]): void => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests) {
        const status =
          {
            expected: t.results.at(-1)?.status === 'skipped' ? 'skipped' : 'passed',
            unexpected: 'failed',
            flaky: 'flaky',
            skipped: 'skipped',
          }[t.status] ?? t.status;
        map.set([relative(cwd, join(report.config.rootDir, spec.file)), ...titles, spec.title].join(' > '), status);
      }
    }
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const file of report.suites) walk(file, []);
  return map;
}

/** `pytest -v` over examples/pytest: each node id and the verdict pytest printed for it. */
export function pytestDirect(): Direct {
  const { stdout } = run(
    'python3',
    ['-m', 'pytest', '-v', '-p', 'no:cacheprovider', '-p', 'no:randomly'],
    join(EXAMPLES, 'pytest'),
  );
  const verdicts: Record<string, string> = {
    PASSED: 'passed',
    FAILED: 'failed',
    ERROR: 'failed',
    SKIPPED: 'skipped',
    XFAIL: 'skipped',
    XPASS: 'passed',
  };
  const map: Direct = new Map();
  for (const m of stdout.matchAll(/^(\S+::\S+) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b/gm)) {
    const [file, ...rest] = (m[1] as string).split('::');
    map.set([file, ...rest].join(' > '), verdicts[m[2] as string] as string);
  }
  return map;
}

/** What JUnit's console launcher reports for examples/junit5, per method (junit5.test.ts checks it against junit5Direct). */
export const JUNIT5_EXPECTED: Record<string, string> = {
  'com.example.CalculatorTest > addsTwoNumbers()': 'passed',
  'com.example.CalculatorTest > dividesByZero()': 'failed',
  'com.example.CalculatorTest > roundsHalfToEven()': 'skipped',
  'com.example.CalculatorTest > sums(int, int, int)': 'failed',
  'com.example.CalculatorTest > upperCases(java.lang.String, java.lang.String)': 'passed',
  'com.example.CalculatorTest > WhenDividing > rejectsZero()': 'passed',
  'com.example.GreetingTest > usesTheEnvironment()': 'passed',
};

/**
 * JUnit's console launcher over examples/junit5 (compiled with javac), read from its legacy XML
 * report: one entry per test method, its invocations folded (any failure fails it). Keys name
 * parameter types as the report does (simple names); see junit5ComparisonKey.
 */
export async function junit5Direct(): Promise<Direct> {
  const cwd = join(EXAMPLES, 'junit5');
  const classes = tmp('classes');
  const sources = readdirSync(join(cwd, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.java'))
    .map((f) => join(cwd, 'src', f));
  run('javac', ['-d', classes, '-cp', JUNIT_LAUNCHER, ...sources], cwd);
  const reports = tmp('reports');
  run(
    'java',
    [
      '-jar',
      JUNIT_LAUNCHER,
      '--disable-banner',
      `--class-path=${classes}`,
      '--scan-class-path',
      `--reports-dir=${reports}`,
    ],
    cwd,
  );
  const map: Direct = new Map();
  for (const c of await readJUnitFile(join(reports, 'TEST-junit-jupiter.xml'))) {
    const key = [...c.classname.split('$'), c.name.replace(/(?:\[\d+\])+$/, '')].join(' > ');
    const status = c.outcome === 'passed' ? 'passed' : c.outcome === 'skipped' ? 'skipped' : 'failed';
    const before = map.get(key);
    // Invocations fold the way Proctor folds them: any failure fails the method, a pass beats a skip.
    const rank: Record<string, number> = { failed: 0, passed: 1, skipped: 2 };
    map.set(key, before === undefined || (rank[status] ?? 0) < (rank[before] ?? 0) ? status : before);
  }
  return map;
}

/** Turns a Proctor JUnit 5 key into the key junit5Direct uses (simple parameter type names). */
export function junit5ComparisonKey(key: string): string {
  return key.replace(
    /\(([^)]*)\)$/,
    (_, params: string) =>
      `(${params
        .split(', ')
        .filter(Boolean)
        .map((p) => p.slice(p.lastIndexOf('.') + 1))
        .join(', ')})`,
  );
}
