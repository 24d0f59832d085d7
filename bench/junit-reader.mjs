#!/usr/bin/env node
// @ts-check
/**
 * Throughput and peak memory of Proctor's JUnit reader beside the most used JUnit parser on npm.
 *
 *   npm run build && node bench/junit-reader.mjs [--sizes 100,500] [--timeout 300]
 *
 * The competitor is `test-results-parser` (≈270k downloads a month in the package list, against
 * ≈210k for `junit2json`; both parse JUnit XML, test-results-parser also TestNG, xUnit, NUnit,
 * Mocha and Cucumber). It reads the whole file into one string and builds an object tree with
 * fast-xml-parser; Proctor's reader streams (saxes) and keeps only the case being read.
 *
 * For each size (MB) it streams a generated report into os.tmpdir() (suites of 1000 cases: passes,
 * failures with a message and a 12-line stack, skips, captured output), then parses it once per
 * parser, each in a child process of its own, which prints the cases it saw, the time it took and
 * `process.resourceUsage().maxRSS` (peak resident memory) at its end. A child that exceeds
 * --timeout seconds is killed and reported as such; the report files are deleted at the end.
 *
 * Targets (issue): on the 500 MB file, ≥ 2× the competitor's MB/s and a peak under 100 MB.
 * Exit code 0 when the figures were measured, 1 on an error.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const READER = join(root, 'dist', 'reports', 'junit-parse.js');

if (process.argv[2] === '--child') await child(process.argv[3] ?? '', process.argv[4] ?? '');
else await main();

async function main() {
  const sizes = option('--sizes', '100,500').split(',').map(Number);
  const timeoutMs = Number(option('--timeout', '300')) * 1000;
  if (!existsSync(READER)) {
    console.error(`missing ${READER}: run npm run build first`);
    process.exit(1);
  }
  const rows = [];
  const files = [];
  try {
    for (const mb of sizes) {
      const file = join(tmpdir(), `proctor-bench-junit-${process.pid}-${mb}mb.xml`);
      files.push(file);
      const t = Date.now();
      const cases = await generate(file, mb * 1024 * 1024);
      const bytes = statSync(file).size;
      console.log(
        `generated ${file}: ${(bytes / 2 ** 20).toFixed(0)} MB, ${cases} test cases (${((Date.now() - t) / 1000).toFixed(1)} s)`,
      );
      for (const parser of ['proctor', 'test-results-parser']) {
        const r = await measure(parser, file, timeoutMs);
        rows.push({ mb, bytes, parser, ...r });
        console.log(`  ${parser.padEnd(20)} ${describe(r, bytes)}`);
      }
    }
  } finally {
    for (const f of files) rmSync(f, { force: true });
  }
  verdict(rows);
}

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}

/** Streams a JUnit report of about `target` bytes to `file`, honouring backpressure. */
async function generate(file, target) {
  const out = createWriteStream(file);
  let written = 0;
  let cases = 0;
  out.write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="bench">\n');
  for (let s = 0; written < target; s++) {
    const parts = [
      `  <testsuite name="com.example.module${s}.CheckoutTest" tests="1000" failures="100" skipped="50" time="12.5">\n`,
    ];
    for (let i = 0; i < 1000; i++, cases++) parts.push(testcase(s, i));
    parts.push('  </testsuite>\n');
    const chunk = parts.join('');
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end('</testsuites>\n');
  await once(out, 'finish');
  return cases;
}

function testcase(s, i) {
  const open = `    <testcase classname="com.example.module${s}.CheckoutTest" name="places order ${i} with a &quot;gift&quot; card &amp; coupon" file="src/test/java/com/example/module${s}/CheckoutTest.java" time="0.${(i % 997).toString().padStart(3, '0')}"`;
  if (i % 10 === 3) {
    const stack = Array.from(
      { length: 12 },
      (_, k) => `\tat com.example.module${s}.Checkout.step${k}(Checkout.java:${100 + k})`,
    ).join('\n');
    return `${open}>\n      <failure message="expected: &lt;${i}&gt; but was: &lt;${i + 1}&gt;" type="org.opentest4j.AssertionFailedError"><![CDATA[org.opentest4j.AssertionFailedError: expected: <${i}> but was: <${i + 1}>\n${stack}]]></failure>\n      <system-out>order ${i}: total 12.50 EUR, payment declined, retrying</system-out>\n    </testcase>\n`;
  }
  if (i % 20 === 7) return `${open}>\n      <skipped message="needs the payment sandbox"/>\n    </testcase>\n`;
  if (i % 5 === 1)
    return `${open}>\n      <system-out>order ${i}: total 12.50 EUR, paid with card ending 4242, receipt sent to buyer${i}@example.com</system-out>\n    </testcase>\n`;
  return `${open}/>\n`;
}

/** Runs one parser on `file` in a child process; its figures, or why it has none. */
async function measure(parser, file, timeoutMs) {
  const heap = parser === 'proctor' ? [] : ['--max-old-space-size=12288'];
  const proc = spawn(process.execPath, [...heap, fileURLToPath(import.meta.url), '--child', parser, file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d) => (stderr = (stderr + d).slice(-2000)));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill('SIGKILL');
  }, timeoutMs);
  const [code, signal] = await once(proc, 'close');
  clearTimeout(timer);
  if (timedOut) return { error: `killed after the ${timeoutMs / 1000} s limit` };
  if (code !== 0) {
    const why =
      /heap out of memory|Invalid string length|Cannot create a string longer/i.exec(stderr)?.[0] ??
      (signal ? `signal ${signal}` : `exit code ${code}`);
    return { error: `failed: ${why}` };
  }
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
}

function describe(r, bytes) {
  if (r.error) return r.error;
  return `${(bytes / 2 ** 20 / (r.ms / 1000)).toFixed(1).padStart(6)} MB/s  peak ${(r.maxRssKb / 1024).toFixed(0).padStart(5)} MB  ${r.cases} cases in ${(r.ms / 1000).toFixed(1)} s`;
}

function verdict(rows) {
  const big = Math.max(...rows.map((r) => r.mb));
  const ours = rows.find((r) => r.mb === big && r.parser === 'proctor');
  const theirs = rows.find((r) => r.mb === big && r.parser !== 'proctor');
  if (!ours || ours.error) {
    console.log(`RESULT: Proctor's reader did not finish the ${big} MB file`);
    process.exitCode = 1;
    return;
  }
  const speed = (r) => r.bytes / (r.ms / 1000);
  const memoryOk = ours.maxRssKb / 1024 < 100;
  const ratio = theirs && !theirs.error ? speed(ours) / speed(theirs) : Infinity;
  const against = theirs?.error
    ? `test-results-parser ${theirs.error}`
    : `${ratio.toFixed(1)}× test-results-parser's MB/s`;
  console.log(
    `RESULT on ${big} MB: ${against} (target ≥ 2×), peak ${(ours.maxRssKb / 1024).toFixed(0)} MB (target < 100 MB): ${ratio >= 2 && memoryOk ? 'PASS' : 'MISS'}`,
  );
}

/** In the child: parse `file` with `parser`, print one JSON line of figures. */
async function child(parser, file) {
  const started = performance.now();
  let cases = 0;
  if (parser === 'proctor') {
    const { streamJUnitFile } = await import(pathToFileURL(READER).href);
    for await (const c of streamJUnitFile(file)) if (c.name !== '') cases++;
  } else {
    const { parse } = createRequire(join(root, 'package.json'))('test-results-parser');
    const result = parse({ type: 'junit', files: [file] });
    for (const suite of result.suites) cases += suite.cases.length;
  }
  const ms = performance.now() - started;
  console.log(JSON.stringify({ cases, ms, maxRssKb: process.resourceUsage().maxRSS }));
}
