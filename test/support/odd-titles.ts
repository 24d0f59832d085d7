import { createRequire } from 'node:module';
import type { DiscoveredScenario, ScenarioRef } from '../../src/adapters/types.js';
import type { Framework } from '../../src/protocol/statuses.js';
import { capCompletion } from '../../src/domain/cap-completion.js';
import { storedText } from '../../src/domain/stored-text-rule.js';

/** The odd titles of test/fixtures/odd-titles: [name, title, outcome]. */
export const ODD_TITLES = createRequire(import.meta.url)('../fixtures/odd-titles/titles.cjs') as [
  string,
  string,
  string,
][];

/** What the odd-title fixture of a JavaScript framework reports, keyed as Proctor keys it. */
export function oddTitleResults(file: string, describe: string): Record<string, string> {
  return Object.fromEntries(ODD_TITLES.map(([, title, outcome]) => [`${file} > ${describe} > ${title}`, outcome]));
}

/** The three tests of `twins` (no describe block: '') that share a title: three scenarios, the second and third numbered. */
export function twinResults(file: string, describe = 'twins', title = 'same title'): Record<string, string> {
  const base = [file, describe, title].filter((p) => p !== '').join(' > ');
  return { [base]: 'passed', [`${base} #2`]: 'failed', [`${base} #3`]: 'skipped' };
}

/**
 * Scenarios as a job names them once the server stored them: the discovery's completion cut to
 * the protocol's limits as the agent sends it (capCompletion), then each key and path part as
 * storage holds it (storedText), which is what queue/complete.ts records and claim.ts hands out.
 */
export function asServerHolds(scenarios: readonly DiscoveredScenario[]): ScenarioRef[] {
  const sent =
    capCompletion({ lease_token: 't', outcome: 'completed', duration_ms: 0, scenarios: [...scenarios] }).scenarios ??
    [];
  return sent.map((s) => ({ key: storedText(s.key), file: storedText(s.file), path: s.path.map(storedText) }));
}

/** An odd-title fixture suite under test/fixtures/odd-titles, with what its framework reports. */
export interface OddSuite {
  framework: Framework;
  dir: string;
  options?: Record<string, unknown>;
  env?: Record<string, string>;
  /** Every scenario of the suite and its result as the framework gives it when run directly. */
  expected: Record<string, string>;
  /** Scenarios to run alone (by a substring of their key). */
  alone: string[];
  /** Whether the adapter has a queue-mode worker. */
  worker: boolean;
  /** The key of an ordinary passing test. */
  plain: string;
  /** A scenario whose file (class) is not there, and what its result says. */
  gone?: { scenario: ScenarioRef; message: RegExp };
}

const ODD_FILE = (ext: string): string => `it's "odd" $(touch pwned) > y 🎉.${ext}`;

export const GONE = {
  scenario: { key: 'gone.test.js > was here', file: 'gone.test.js', path: ['was here'] },
  message: /^not run: gone\.test\.js is not in .* on this agent/,
};

const jsSuite = (framework: Framework, dir: string, ext: string, worker: boolean, twins = true): OddSuite => ({
  framework,
  dir,
  expected: {
    ...oddTitleResults(`odd.${ext}`, 'odd \u0000 titles >'),
    ...(twins ? twinResults(`twins.${ext}`) : {}),
    [`plain.${ext} > an ordinary test`]: 'passed',
  },
  alone: ['nul \u0000 byte', 'long xxx', ...(twins ? ['same title #2'] : []), 'first line\n', 'lone \ud800'],
  worker,
  plain: `plain.${ext} > an ordinary test`,
});

/** Every adapter's odd-title suite. */
export const ODD_SUITES: OddSuite[] = [
  jsSuite('vitest', 'vitest', 'test.js', true),
  jsSuite('jest', 'jest', 'test.js', true),
  jsSuite('mocha', 'mocha', 'test.js', false),
  // Playwright refuses a suite in which two tests share a title (see below).
  jsSuite('playwright', 'playwright', 'spec.js', false, false),
  {
    framework: 'pytest',
    dir: 'pytest',
    // pytest writes what is not printable ASCII in a parameter id as an escape (`\x00`), and makes
    // parameter ids that would be equal unique (`same0`, `same1`); a plugin's items may share an id.
    expected: {
      'test_odd.py > test_odd[nul \\x00 byte]': 'passed',
      'test_odd.py > test_odd[bell \\x07 tab \\t escape \\x1b[31m red]': 'failed',
      'test_odd.py > test_odd[first line\\nsecond line\\r\\nthird]': 'passed',
      'test_odd.py > test_odd[it\'s "double" and `back` quoted]': 'failed',
      'test_odd.py > test_odd[regex .*+?^${}()|[]\\\\/- (a|b)* chars]': 'passed',
      "test_odd.py > test_odd[$(touch pwned) `id` ; | && > out.txt 'x]": 'failed',
      'test_odd.py > test_odd[a > b >> c :: d]': 'passed',
      [`test_odd.py > test_odd[long ${'x'.repeat(5000)} end]`]: 'failed',
      'test_odd.py > test_odd[emoji \\U0001f389 \\xfcn\\xefc\\xf6d\\xe9 \\u4e2d\\u6587]': 'passed',
      'test_odd.py > test_odd[brackets [inner] and ::colons::]': 'failed',
      'test_odd.py > TestOuter > TestInner > test_twin_ids[same0]': 'passed',
      'test_odd.py > TestOuter > TestInner > test_twin_ids[same1]': 'failed',
      'test_odd.py > test_plain': 'passed',
      ...twinResults('checks.txt', ''),
      'checks.txt > an emoji 🎉 check': 'passed',
    },
    alone: ['nul \\x00', 'long xxx', 'same title #2', '::colons::', 'a > b >> c', 'emoji \\U0001f389', 'an emoji 🎉'],
    worker: true,
    plain: 'test_odd.py > test_plain',
  },
  {
    framework: 'junit5',
    dir: 'junit5',
    // Display names are not part of a key: the method's signature is.
    expected: Object.fromEntries(
      Object.entries({
        'nul()': 'passed',
        'control()': 'failed',
        'newline()': 'passed',
        'quotes()': 'failed',
        'regex()': 'passed',
        'long_()': 'failed',
        'emoji()': 'passed',
        'ünïcödé_名前()': 'failed',
        'dollar$sign()': 'passed',
        'parameters(java.lang.String)': 'failed',
        'twinA()': 'passed',
        'twinB()': 'failed',
        'overloaded(int)': 'passed',
        'overloaded(java.lang.String)': 'failed',
        'arrays([I, [Ljava.lang.String;)': 'passed',
        'grids([[I)': 'failed',
        'Inner > inside()': 'passed',
        'Inner > skipped()': 'skipped',
      })
        .map(([k, v]) => [`odd.OddTitlesTest > ${k}`, v])
        .concat([['odd.PlainTest > ordinary()', 'passed']]),
    ),
    alone: ['nul()', 'ünïcödé', 'dollar$sign', 'overloaded(java.lang.String)', 'parameters', 'arrays(', 'grids('],
    worker: true,
    plain: 'odd.PlainTest > ordinary()',
    gone: {
      scenario: { key: 'odd.GoneTest > x()', file: 'odd.GoneTest', path: ['x()'] },
      message: /^not run: JUnit cannot select it: Could not load class with name: odd\.GoneTest/,
    },
  },
  // Scenarios are files: the odd titles are inside them, in the reports to read; one file's name is odd.
  {
    framework: 'node-test',
    dir: 'node-test',
    expected: {
      'odd-pass.test.mjs': 'passed',
      'odd-fail.test.mjs': 'failed',
      'twins.test.mjs': 'passed',
      'plain.test.mjs': 'passed',
      [ODD_FILE('test.mjs')]: 'passed',
    },
    alone: ['odd-fail', 'twins', '🎉'],
    worker: false,
    plain: 'plain.test.mjs',
    gone: {
      scenario: { key: 'gone.test.mjs', file: 'gone.test.mjs', path: [] },
      message: /^not run: gone\.test\.mjs is not in .* on this agent/,
    },
  },
  {
    framework: 'command',
    dir: 'command',
    options: { command: 'node run-checks.mjs {report_dir} {files}', discover: 'checks/*.check' },
    expected: {
      'checks/odd.check': 'failed',
      'checks/twins.check': 'passed',
      'checks/plain.check': 'passed',
      [`checks/${ODD_FILE('check')}`]: 'passed',
    },
    alone: ['odd.check', 'twins', '🎉'],
    worker: false,
    plain: 'checks/plain.check',
    gone: {
      scenario: { key: 'checks/gone.check', file: 'checks/gone.check', path: [] },
      message: /^not run: checks\/gone\.check is not in .* on this agent/,
    },
  },
];
