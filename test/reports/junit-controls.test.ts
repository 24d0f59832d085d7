import { describe, expect, it } from 'vitest';
import { streamJUnit, type JUnitCase } from '../../src/reports/junit-parse.js';

async function read(chunks: string[]): Promise<JUnitCase[]> {
  async function* feed(): AsyncGenerator<string> {
    yield* chunks;
  }
  const cases: JUnitCase[] = [];
  for await (const c of streamJUnit(feed())) cases.push(c);
  return cases;
}

// Every C0 control XML 1.0 refuses (tab, newline and carriage return it allows).
const CONTROLS = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i))
  .filter((c) => !'\t\n\r'.includes(c))
  .join('');

describe('readJUnit: control characters written raw', () => {
  it('reads NUL and every other C0 control in attributes, text and CDATA as the test printed them', async () => {
    const xml =
      `<testsuites><testsuite name="s${CONTROLS}"><testcase name="t\0" classname="c">` +
      `<failure message="got ${CONTROLS} end">stack ${CONTROLS}</failure><system-out><![CDATA[out ${CONTROLS}]]></system-out>` +
      `</testcase><testcase name="plain"/></testsuite></testsuites>`;
    const [failed, plain] = await read([xml.slice(0, 100), xml.slice(100)]);
    expect(failed).toMatchObject({
      suites: [`s${CONTROLS}`],
      name: 't\0',
      outcome: 'failed',
      message: `got ${CONTROLS} end`,
      stack: `stack ${CONTROLS}`,
      stdout: `out ${CONTROLS}`,
    });
    expect(plain).toMatchObject({ name: 'plain', outcome: 'passed' });
  });

  it('still refuses a report that is not well-formed', async () => {
    await expect(read(['<testsuites><testsuite name="s\0"><testcase name="x"></testsuite>'])).rejects.toThrow(
      /malformed JUnit report/,
    );
  });
});
