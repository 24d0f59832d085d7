import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJUnitFile } from '../../src/reports/junit-parse.js';
import { formatJUnit, writeJUnitFile, type JUnitWriteReport } from '../../src/reports/junit-write.js';

const nasty = `quotes " ' <tags> & ampersands ]]> cdata-end\ttab\r\nCRLF\nemoji 😀 ctrl \u0000\u0007\u001b[31mred\u001b[0m`;
// What XML 1.0 can carry of it: the forbidden control characters are written as #xNN.
const carried = nasty.replace('\u0000', '#x00').replace('\u0007', '#x07').replaceAll('\u001b', '#x1B');

const report: JUnitWriteReport = {
  name: 'run #42 <nightly>',
  suites: [
    {
      name: 'chrome & "firefox"',
      cases: [
        { classname: 'cart.test.ts', name: 'cart > adds', timeSeconds: 0.0123, status: 'passed' },
        {
          classname: 'cart.test.ts',
          name: `fails ${nasty}`,
          timeSeconds: 1.5,
          status: 'failed',
          message: nasty,
          stack: `Error: ${nasty}\n    at x.js:1:2`,
          stdout: nasty,
          stderr: 'warn\n',
        },
        { classname: 'c', name: 'skips', timeSeconds: 0, status: 'skipped', message: 'not today' },
        { classname: 'c', name: 'breaks', timeSeconds: 2, status: 'errored', message: 'agent lost' },
      ],
    },
    { name: 'empty', cases: [] },
  ],
};

describe('formatJUnit', () => {
  it('writes totals on <testsuites> and on each <testsuite>', () => {
    const xml = formatJUnit(report);
    expect(xml).toContain(
      '<testsuites name="run #42 &lt;nightly&gt;" tests="4" failures="1" errors="1" skipped="1" time="3.512">',
    );
    expect(xml).toContain(
      '<testsuite name="chrome &amp; &quot;firefox&quot;" tests="4" failures="1" errors="1" skipped="1" time="3.512">',
    );
    expect(xml).toContain('<testsuite name="empty" tests="0" failures="0" errors="0" skipped="0" time="0">');
    expect(xml).toContain('<error message="agent lost"/>');
    expect(xml).not.toMatch(/[\u0000\u0007\u001b]/);
  });

  it('round-trips through the reader, special characters included', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'proctor-write-')), 'report.xml');
    await writeJUnitFile(path, report);
    const cases = await readJUnitFile(path);
    expect(cases).toEqual([
      {
        suites: ['chrome & "firefox"'],
        classname: 'cart.test.ts',
        name: 'cart > adds',
        time: 0.012,
        outcome: 'passed',
      },
      {
        suites: ['chrome & "firefox"'],
        classname: 'cart.test.ts',
        name: `fails ${carried}`,
        time: 1.5,
        outcome: 'failed',
        message: carried,
        stack: `Error: ${carried}\n    at x.js:1:2`,
        stdout: carried,
        stderr: 'warn\n',
      },
      {
        suites: ['chrome & "firefox"'],
        classname: 'c',
        name: 'skips',
        time: 0,
        outcome: 'skipped',
        message: 'not today',
      },
      {
        suites: ['chrome & "firefox"'],
        classname: 'c',
        name: 'breaks',
        time: 2,
        outcome: 'errored',
        message: 'agent lost',
      },
    ]);
  });

  it('replaces lone surrogates, which XML cannot carry', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'proctor-write-')), 'report.xml');
    const lone = { classname: 'c', name: 'a\ud800b\udc00c', timeSeconds: 0, status: 'passed' as const };
    await writeJUnitFile(path, { name: 'r', suites: [{ name: 's', cases: [lone] }] });
    expect((await readJUnitFile(path))[0]?.name).toBe('a#xD800b#xDC00c');
  });
});
