import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { legacyPath, scenarioOfUniqueId, selectorOf, simpleSignature } from '../../src/adapters/junit5-unique-id.js';
import { junit5Adapter } from '../../src/adapters/junit5.js';
import { AdapterError, type DiscoveredScenario } from '../../src/adapters/types.js';
import {
  adapterContext,
  discoverWith,
  rejection,
  resultsByKey,
  runWith,
  suiteWith,
} from '../support/adapter-harness.js';
import { EXAMPLES, JUNIT5_EXPECTED, junit5ComparisonKey, junit5Direct } from '../support/direct-runs.js';

const suite = join(EXAMPLES, 'junit5');

const EXPECTED = JUNIT5_EXPECTED;

async function javaSuite(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'proctor-junit5-'));
  for (const [name, source] of Object.entries(files)) {
    await mkdir(join(dir, 'src', 'x'), { recursive: true });
    await writeFile(join(dir, 'src', 'x', name), `package x;\nimport org.junit.jupiter.api.*;\n${source}`);
  }
  return dir;
}

describe('junit5 adapter on examples/junit5 (JDK and JUnit from Debian)', () => {
  let scenarios: DiscoveredScenario[];
  beforeAll(async () => {
    scenarios = await discoverWith(junit5Adapter, await adapterContext(suite));
  });

  it('discovers test methods keyed class > nested class > method(parameter types)', () => {
    expect(scenarios.map((s) => s.key).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(scenarios.find((s) => s.key.includes('rejectsZero'))).toEqual({
      key: 'com.example.CalculatorTest > WhenDividing > rejectsZero()',
      file: 'com.example.CalculatorTest',
      path: ['WhenDividing', 'rejectsZero()'],
      tags: [],
    });
  });

  it('reports each method as the console launcher does, invocations folded, stdout per test', async () => {
    const ctx = await adapterContext(suite, {}, { GREETING: 'hello from proctor' });
    const { reports } = await runWith(junit5Adapter, ctx, scenarios);
    expect(resultsByKey(reports)).toEqual(EXPECTED);
    const direct = Object.fromEntries(Object.entries(EXPECTED).map(([k, v]) => [junit5ComparisonKey(k), v]));
    expect(Object.fromEntries(await junit5Direct())).toEqual(direct);
    expect(reports.find((r) => r.key.includes('sums'))).toMatchObject({
      outcome: 'failed',
      message: 'sums(int, int, int)[2]: expected: <5> but was: <4>',
    });
    expect(reports.find((r) => r.key.includes('dividesByZero'))).toMatchObject({
      outcome: 'errored',
      message: '/ by zero',
      stack: expect.stringContaining('CalculatorTest.java:24'),
    });
    expect(reports.find((r) => r.key.includes('usesTheEnvironment'))?.stdout).toBe('greeting: hello from proctor');
  });

  it('runs the whole suite without a discovery: the scenarios discovery lists, each with JUnit’s verdict', async () => {
    const ctx = await adapterContext(suite, {}, { GREETING: 'hello from proctor' });
    const { scenarios: ran, results } = await suiteWith(junit5Adapter, ctx);
    expect(ran.map((s) => s.key).sort()).toEqual(scenarios.map((s) => s.key).sort());
    expect(ran.find((s) => s.key.includes('rejectsZero'))).toEqual(
      scenarios.find((s) => s.key.includes('rejectsZero')),
    );
    expect(resultsByKey(results)).toEqual(EXPECTED);
    expect(results.find((r) => r.key.includes('usesTheEnvironment'))?.stdout).toBe('greeting: hello from proctor');
  });

  it('runs a single chosen method and nothing else', async () => {
    const ctx = await adapterContext(suite);
    const chosen = scenarios.filter((s) => s.key.includes('rejectsZero'));
    const { reports, stdout } = await runWith(junit5Adapter, ctx, chosen);
    expect(resultsByKey(reports)).toEqual({ 'com.example.CalculatorTest > WhenDividing > rejectsZero()': 'passed' });
    expect(stdout).toMatch(/^1 tests: 1 succeeded, 0 failed, 0 aborted, 0 skipped$/m);
    const xml = await readFile(join(ctx.reportDir, 'junit5-reports', 'TEST-junit-jupiter.xml'), 'utf8');
    expect([...xml.matchAll(/<testcase name="([^"]+)"/g)].map((m) => m[1])).toEqual(['rejectsZero()']);
  });

  it('errors the tests of a class whose @BeforeAll failed', async () => {
    const dir = await javaSuite({
      'DbTest.java':
        'class DbTest {\n  @BeforeAll static void connect() { throw new IllegalStateException("no database"); }\n  @Test void reads() {}\n}\n',
    });
    const found = await discoverWith(junit5Adapter, await adapterContext(dir));
    const { reports } = await runWith(junit5Adapter, await adapterContext(dir), found);
    expect(reports).toMatchObject([{ key: 'x.DbTest > reads()', outcome: 'errored', message: 'no database' }]);
    // The whole suite run at once: the same scenario and verdict, and a class named by no pattern is left
    // out as discovery leaves it out.
    await writeFile(
      join(dir, 'src', 'x', 'Helper.java'),
      'package x;\nclass Helper { @org.junit.jupiter.api.Test void notATestClass() {} }\n',
    );
    const suiteRun = await suiteWith(junit5Adapter, await adapterContext(dir));
    expect(suiteRun.scenarios.map((s) => s.key)).toEqual(
      (await discoverWith(junit5Adapter, await adapterContext(dir))).map((s) => s.key),
    );
    expect(suiteRun.results).toMatchObject([{ key: 'x.DbTest > reads()', outcome: 'errored', message: 'no database' }]);
  });

  it('explains sources that do not compile, a missing launcher, no tests and a missing report', async () => {
    const broken = await javaSuite({ 'BrokenTest.java': 'class BrokenTest { @Test void x() { int y = "s"; } }\n' });
    const compile = await rejection(discoverWith(junit5Adapter, await adapterContext(broken)));
    expect(compile).toBeInstanceOf(AdapterError);
    expect(compile).toMatchObject({
      reason: 'bad_options',
      message: expect.stringContaining('BrokenTest.java:3: error: incompatible types'),
    });
    expect(() =>
      junit5Adapter.discoverCommand({ cwd: suite, reportDir: tmpdir(), env: {}, options: { launcher: 'nowhere.jar' } }),
    ).toThrow(/console launcher is not at .*nowhere\.jar/);
    const empty = await mkdtemp(join(tmpdir(), 'proctor-junit5-empty-'));
    expect(() => junit5Adapter.discoverCommand({ cwd: empty, reportDir: tmpdir(), env: {}, options: {} })).toThrow(
      /no \.java files/,
    );
    const none = await javaSuite({ 'Helper.java': 'class Helper {}\n' });
    expect(await rejection(discoverWith(junit5Adapter, await adapterContext(none)))).toMatchObject({
      reason: 'no_tests',
    });
    const noJdk = { exitCode: 127, signal: null, stdout: '', stderr: 'sh: 1: javac: not found' };
    expect(await rejection(junit5Adapter.parseRun(await adapterContext(suite), scenarios, noJdk))).toMatchObject({
      reason: 'framework_missing',
    });
    expect(
      await rejection(
        junit5Adapter.parseRun(await adapterContext(suite), scenarios, {
          exitCode: 1,
          signal: null,
          stdout: '',
          stderr: '',
        }),
      ),
    ).toMatchObject({ reason: 'report_missing' });
  });
});

describe('JUnit 5 unique ids', () => {
  it('give the scenario of a method, a template and a nested class; invocations fold into the method', () => {
    expect(scenarioOfUniqueId('[engine:junit-jupiter]/[class:a.B]/[nested-class:C]/[method:m()]')?.key).toBe(
      'a.B > C > m()',
    );
    expect(
      scenarioOfUniqueId(
        '[engine:junit-jupiter]/[class:a.B]/[test-template:t(java.lang.String[])]/[test-template-invocation:#2]',
      )?.key,
    ).toBe('a.B > t(java.lang.String[])');
    expect(scenarioOfUniqueId('[engine:junit-vintage]/[runner:a.B]/[test:m(a.B)]')).toBeUndefined();
    // Found in TheAlgorithms/Java (issue 14): a unique id URL-encodes the "[" of an array type.
    expect(
      scenarioOfUniqueId('[engine:junit-jupiter]/[class:a.B]/[test-template:sum(%5BI, %5B%5BLjava.lang.String;)]')?.key,
    ).toBe('a.B > sum([I, [[Ljava.lang.String;)');
  });

  it('select methods and classes for the console launcher', () => {
    expect(selectorOf({ key: '', file: 'a.B', path: ['C', 'm(int, java.lang.String)'] })).toBe(
      '--select-method=a.B$C#m(int, java.lang.String)',
    );
    expect(selectorOf({ key: '', file: 'a.B', path: [] })).toBe('--select-class=a.B');
  });

  it('match legacy report names by simple parameter types', () => {
    expect(legacyPath('a.B$C', 't(String[], int)[3]')).toEqual({ file: 'a.B', path: ['C', 't(String[], int)'] });
    expect(simpleSignature('t(java.lang.String[], int, a.B$Inner)')).toBe('t(String[], int, Inner)');
    expect(simpleSignature('sum([I, [[Ljava.lang.String;, [La.B$Inner;)')).toBe('sum(int[], String[][], Inner[])');
  });
});
