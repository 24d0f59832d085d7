import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { JUnitFormatError, readJUnitFile, streamJUnit, type JUnitCase } from '../../src/reports/junit-parse.js';

const fixtures = fileURLToPath(new URL('../fixtures/junit/', import.meta.url));
const fixture = (name: string): Promise<JUnitCase[]> => readJUnitFile(join(fixtures, name));

/** name → outcome, the shape most assertions compare. */
const outcomes = (cases: JUnitCase[]): Record<string, string> =>
  Object.fromEntries(cases.map((c) => [c.name, c.outcome]));

async function tempFile(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'proctor-junit-'));
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

describe('readJUnitFile: dialects', () => {
  it('reads Surefire: failure, error, skipped, flaky reruns, output, thousands separators', async () => {
    const cases = await fixture('surefire.xml');
    expect(outcomes(cases)).toEqual({
      adds: 'passed',
      divides: 'failed',
      handlesNull: 'errored',
      ignored: 'skipped',
      sometimesSlow: 'passed',
    });
    const [, divides, handlesNull, ignored, flaky] = cases;
    expect(divides).toMatchObject({
      suites: ['com.acme.CalculatorTest'],
      classname: 'com.acme.CalculatorTest',
      time: 0.012,
      message: 'expected: <2> but was: <3>',
      stdout: 'dividing 6 by 2\n',
    });
    expect(divides?.stack).toMatch(
      /^org\.opentest4j\.AssertionFailedError: expected: <2> but was: <3>\n\tat com\.acme/,
    );
    expect(handlesNull).toMatchObject({ message: 'boom', stderr: 'warning: null input' });
    expect(ignored?.message).toBe('not ready yet');
    expect(flaky).toMatchObject({ time: 1234.5, retries: 1 });
  });

  it('reads pytest: skipped with reason, setup error, captured output', async () => {
    const cases = await fixture('pytest.xml');
    expect(outcomes(cases)).toEqual({
      test_add: 'passed',
      test_fail: 'failed',
      test_skip: 'skipped',
      test_fixture: 'errored',
    });
    expect(cases[1]).toMatchObject({ classname: 'tests.test_math', message: 'assert 1 == 2', suites: ['pytest'] });
    expect(cases[1]?.stack).toContain('>       assert 1 == 2');
    expect(cases[2]?.message).toBe('not ready');
    expect(cases[3]?.message).toBe('failed on setup with "FileNotFoundError: data.csv"');
    expect(cases[3]?.stdout).toContain('loading data');
  });

  it('reads Jest (jest-junit): message from the first line of the failure text, file attribute', async () => {
    const cases = await fixture('jest.xml');
    expect(outcomes(cases)).toEqual({
      'cart adds an item': 'passed',
      'cart computes the total': 'failed',
      'cart applies coupons': 'skipped',
    });
    expect(cases[1]).toMatchObject({
      file: 'src/cart.test.js',
      message: 'Error: expect(received).toBe(expected) // Object.is equality',
    });
    expect(cases[1]?.stack).toContain('Received: 29');
  });

  it('reads Vitest and Mocha reporters (suite-level file attribute)', async () => {
    expect(outcomes(await fixture('vitest.xml'))).toMatchObject({
      'outer (x) > inner > fails': 'failed',
      'outer (x) > skipped one': 'skipped',
      'top level': 'passed',
    });
    const mocha = await fixture('mocha.xml');
    expect(outcomes(mocha)).toEqual({ 'api returns 200': 'passed', 'api returns json': 'failed' });
    expect(mocha[1]).toMatchObject({
      file: 'test/api.spec.js',
      suites: ['api'],
      message: "expected 'text/html' to equal 'application/json'",
    });
  });

  it('reads node:test 20 output: nested testsuites, failure text, skipped and todo', async () => {
    const cases = await fixture('node-test-20.xml');
    expect(cases.map((c) => [...c.suites, c.name].join(' > '))).toEqual([
      'math > add > adds',
      'math > add > fails <&>',
      'math > skipped',
      'math > todo one',
      'top',
      'parent test > subtest a',
      'b one',
    ]);
    expect(outcomes(cases)).toMatchObject({
      'fails <&>': 'failed',
      skipped: 'skipped',
      'todo one': 'skipped',
      'b one': 'failed',
    });
    expect(cases[1]?.message).toBe('Expected values to be strictly equal:2 !== 3');
    // message="true" on node's <skipped> says nothing and is dropped.
    expect(cases[2]?.message).toBeUndefined();
  });

  it('reads node:test 24 output with its file attributes', async () => {
    const cases = await fixture('node-test-24.xml');
    expect(cases.map((c) => c.file)).toEqual([...Array(6).fill('/tmp/nt/a.test.mjs'), '/tmp/nt/b.test.mjs']);
    expect(cases[1]?.message).toBe('Expected values to be strictly equal:\n\n2 !== 3');
  });

  it('reads Playwright, Gauge and TestNG reports', async () => {
    const playwright = await fixture('playwright.xml');
    expect(outcomes(playwright)).toEqual({
      'login › shows the form': 'passed',
      'login › rejects a wrong password': 'failed',
    });
    expect(playwright[1]?.stack).toContain('Timed out 5000ms');
    expect(playwright[1]?.stdout).toContain('[[ATTACHMENT|test-results/login-rejects-chromium/trace.zip]]');
    expect(outcomes(await fixture('gauge.xml'))).toEqual({
      'Search for a product': 'passed',
      'Search with no results': 'failed',
    });
    const testng = await fixture('testng.xml');
    expect(outcomes(testng)).toEqual({ placesOrder: 'passed', rejectsEmptyOrder: 'failed', refunds: 'skipped' });
    expect(testng[1]?.message).toBe('expected [true] but found [false]');
  });
});

describe('readJUnitFile: hostile and broken input', () => {
  it('refuses a DOCTYPE (entity expansion bomb) before expanding anything', async () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<testsuites><testcase name="&lol3;"/></testsuites>`;
    const error = await readJUnitFile(await tempFile('bomb.xml', bomb)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JUnitFormatError);
    expect((error as Error).message).toMatch(/bomb\.xml: line 2: DOCTYPE .* not allowed/);
  });

  it('refuses nesting deeper than 64 elements', async () => {
    const deep = `<testsuites>${'<testsuite>'.repeat(1000)}${'</testsuite>'.repeat(1000)}</testsuites>`;
    await expect(readJUnitFile(await tempFile('deep.xml', deep))).rejects.toThrow(/nested deeper than 64 levels/);
  });

  it('refuses a truncated file, naming where it ended', async () => {
    const whole = await (await import('node:fs/promises')).readFile(join(fixtures, 'surefire.xml'), 'utf8');
    const path = await tempFile('cut.xml', whole.slice(0, whole.indexOf('<testcase name="ignored"')));
    const error = await readJUnitFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JUnitFormatError);
    expect((error as Error).message).toMatch(/cut\.xml:\d+:\d+: .*unclosed tag/);
  });

  it('refuses malformed XML with its line and column', async () => {
    const path = await tempFile('bad.xml', '<testsuites>\n  <testcase name="a" name="b"/>\n</testsuites>');
    await expect(readJUnitFile(path)).rejects.toThrow(/bad\.xml:2:\d+: .*duplicate attribute/i);
  });

  it('refuses XML that is not JUnit, and an empty file', async () => {
    const html = await tempFile('page.xml', '<html><body><testcase name="x"/></body></html>');
    await expect(readJUnitFile(html)).rejects.toThrow(/not a JUnit report: the root element is <html>/);
    const testng = await tempFile(
      'testng-results.xml',
      '<testng-results skipped="0"><suite name="s"/></testng-results>',
    );
    await expect(readJUnitFile(testng)).rejects.toThrow(/not a JUnit report/);
    await expect(readJUnitFile(await tempFile('empty.xml', ''))).rejects.toThrow(JUnitFormatError);
  });

  it('lets a missing file fail as a file system error, not a format error', async () => {
    const error = await readJUnitFile(join(tmpdir(), 'proctor-no-such-report.xml')).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(JUnitFormatError);
    expect((error as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});

describe('readJUnitFile: size', () => {
  it('caps a huge system-out and a huge message, and keeps reading after them', async () => {
    const out = `${'x'.repeat(1023)}\n`;
    const huge = out.repeat(20 * 1024); // 20 MiB in one text node
    const xml =
      `<testsuites><testsuite name="s"><testcase name="loud"><system-out>${huge}</system-out></testcase>` +
      `<testcase name="long"><failure message="${'m'.repeat(200_000)}">${'&amp;'.repeat(500_000)}</failure></testcase>` +
      `<testcase name="after"/></testsuite></testsuites>`;
    const cases = await readJUnitFile(await tempFile('huge.xml', xml));
    expect(outcomes(cases)).toEqual({ loud: 'passed', long: 'failed', after: 'passed' });
    expect(cases[0]?.stdout?.length).toBeLessThan(64 * 1024 + 100);
    expect(cases[0]?.stdout).toMatch(/^x{1023}\n/);
    expect(cases[0]?.stdout).toMatch(/\[truncated to 65536 characters\]$/);
    expect(cases[1]?.message).toMatch(/^m{65536}\n… \[truncated/);
    expect(cases[1]?.stack).toMatch(/^&{65536}\n… \[truncated/);
  });

  it('streams: hands out each case as soon as its chunk is read', async () => {
    const seen: string[] = [];
    async function* chunks(): AsyncGenerator<string> {
      yield '<testsuites><testsuite name="s"><testcase name="first"/>';
      seen.push('chunk 1 consumed');
      yield '<testcase name="second"/></testsuite></testsuites>';
    }
    for await (const c of streamJUnit(chunks())) seen.push(c.name);
    expect(seen).toEqual(['first', 'chunk 1 consumed', 'second']);
  });

  it('reads a report split at every possible place the same way', async () => {
    const xml =
      '<?xml version="1.0"?><!-- c --><testsuites><testsuite name="s &amp; t"><testcase name="a&#x1F600;b" time="1">' +
      '<failure message="m"><![CDATA[<raw> & ]]]></failure><system-out>out&lt;</system-out></testcase></testsuite></testsuites>';
    for (let cut = 1; cut < xml.length; cut++) {
      async function* two(): AsyncGenerator<string> {
        yield xml.slice(0, cut);
        yield xml.slice(cut);
      }
      const cases: JUnitCase[] = [];
      for await (const c of streamJUnit(two())) cases.push(c);
      expect(cases).toEqual([
        {
          suites: ['s & t'],
          classname: '',
          name: 'a😀b',
          time: 1,
          outcome: 'failed',
          message: 'm',
          stack: '<raw> & ]',
          stdout: 'out<',
        },
      ]);
    }
  });
});
