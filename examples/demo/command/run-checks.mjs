#!/usr/bin/env node
// A tiny check runner for the command adapter's demo: runs each shell script given on the command
// line and writes one JUnit test case per script to <report-dir>/checks.xml.
//
//   node run-checks.mjs --report-dir DIR checks/a.sh checks/b.sh
//   node run-checks.mjs --worker      # queue mode: batch after batch, read from stdin
//
// A script passes with exit code 0 and is skipped with exit code 77 (the automake convention);
// anything else fails it, with its last line of output as the message. Like pytest, the report
// names each script by a dotted classname (checks.disk-quota) rather than a file attribute.
//
// With --worker it is a Proctor queue-mode worker: each line on stdin is a batch
// ({"report_dir", "files", ...}); it runs the batch's scripts, writes the same report into the
// batch's report_dir, and says so with a line on file descriptor 3. It exits when stdin closes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const escape = (s) =>
  String(s)
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

/** Runs the scripts, writes <reportDir>/checks.xml, and returns how many failed. */
function runChecks(scripts, reportDir) {
  const cases = scripts.map((script) => {
    const started = Date.now();
    const run = spawnSync('sh', [script], { encoding: 'utf8', timeout: 10_000 });
    const seconds = (Date.now() - started) / 1000;
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
    const lastLine = output.split('\n').pop() || `exit code ${run.status}`;
    const classname = script.replace(/^\.\//, '').replace(/\.[^./]+$/, '').replaceAll('/', '.');
    const open = `<testcase classname="${escape(classname)}" name="${escape(script)}" time="${seconds.toFixed(3)}"`;
    const status = run.status === 0 ? 'passed' : run.status === 77 ? 'skipped' : 'failed';
    console.log(`${status.padEnd(7)} ${script}${status === 'passed' ? '' : `: ${lastLine}`}`);
    if (status === 'passed') return `    ${open}/>`;
    if (status === 'skipped') return `    ${open}><skipped message="${escape(lastLine)}"/></testcase>`;
    return `    ${open}><failure message="${escape(lastLine)}">${escape(output)}</failure></testcase>`;
  });
  const failed = cases.filter((c) => c.includes('<failure')).length;
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(
    join(reportDir, 'checks.xml'),
    `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="checks" tests="${cases.length}" failures="${failed}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`,
  );
  return failed;
}

const args = process.argv.slice(2);
if (args[0] === '--worker') {
  for await (const line of createInterface({ input: process.stdin })) {
    const batch = JSON.parse(line);
    runChecks(batch.files, batch.report_dir);
    writeSync(3, '\n');
  }
} else {
  const at = args.indexOf('--report-dir');
  if (at === -1 || args[at + 1] === undefined) {
    console.error('usage: run-checks.mjs --report-dir DIR script...  |  run-checks.mjs --worker');
    process.exit(2);
  }
  process.exit(runChecks(args.filter((_, i) => i !== at && i !== at + 1), args[at + 1]) > 0 ? 1 : 0);
}
