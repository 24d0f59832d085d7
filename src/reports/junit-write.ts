import { writeFile } from 'node:fs/promises';
import type { TestOutcome } from '../protocol/statuses.js';
import { escapeXmlAttribute as attr, escapeXmlText as text } from './xml-escape.js';

/** One test of a JUnit report to write. */
export interface JUnitWriteCase {
  classname: string;
  name: string;
  timeSeconds: number;
  status: TestOutcome;
  message?: string;
  stack?: string;
  stdout?: string;
  stderr?: string;
}

/** A JUnit report to write: one suite per environment or per file, as the caller groups them. */
export interface JUnitWriteReport {
  name: string;
  suites: { name: string; cases: JUnitWriteCase[] }[];
}

interface Totals {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  time: number;
}

/**
 * Formats results as JUnit XML: `<testsuites>` with totals, a `<testsuite>` per suite, and a
 * `<testcase>` per case with `<failure>`, `<error>` or `<skipped>` and its output. Everything is
 * escaped for XML 1.0, including characters XML cannot carry at all.
 */
export function formatJUnit(report: JUnitWriteReport): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const all = totals(report.suites.flatMap((s) => s.cases));
  lines.push(`<testsuites name="${attr(report.name)}"${totalsAttributes(all)}>`);
  for (const suite of report.suites) {
    lines.push(`  <testsuite name="${attr(suite.name)}"${totalsAttributes(totals(suite.cases))}>`);
    for (const c of suite.cases) lines.push(formatCase(c));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

/** Writes `formatJUnit(report)` to `path`. */
export async function writeJUnitFile(path: string, report: JUnitWriteReport): Promise<void> {
  await writeFile(path, formatJUnit(report), 'utf8');
}

function formatCase(c: JUnitWriteCase): string {
  const open = `    <testcase classname="${attr(c.classname)}" name="${attr(c.name)}" time="${seconds(c.timeSeconds)}"`;
  const body = [detail(c), output('system-out', c.stdout), output('system-err', c.stderr)].filter((s) => s !== '');
  if (body.length === 0) return `${open}/>`;
  return `${open}>\n${body.map((s) => `      ${s}`).join('\n')}\n    </testcase>`;
}

function detail(c: JUnitWriteCase): string {
  const element = { passed: '', failed: 'failure', errored: 'error', skipped: 'skipped' }[c.status];
  if (element === '') return '';
  const message = c.message === undefined ? '' : ` message="${attr(c.message)}"`;
  return c.stack ? `<${element}${message}>${text(c.stack)}</${element}>` : `<${element}${message}/>`;
}

function output(element: string, content: string | undefined): string {
  return content ? `<${element}>${text(content)}</${element}>` : '';
}

function totals(cases: JUnitWriteCase[]): Totals {
  const t: Totals = { tests: cases.length, failures: 0, errors: 0, skipped: 0, time: 0 };
  for (const c of cases) {
    if (c.status === 'failed') t.failures++;
    if (c.status === 'errored') t.errors++;
    if (c.status === 'skipped') t.skipped++;
    t.time += Number.isFinite(c.timeSeconds) ? c.timeSeconds : 0;
  }
  return t;
}

function totalsAttributes(t: Totals): string {
  return ` tests="${t.tests}" failures="${t.failures}" errors="${t.errors}" skipped="${t.skipped}" time="${seconds(t.time)}"`;
}

function seconds(value: number): string {
  return Number.isFinite(value) && value > 0 ? value.toFixed(3) : '0';
}
