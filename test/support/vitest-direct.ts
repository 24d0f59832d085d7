import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const DEMO = resolve('examples/demo');

/** What Vitest itself reports for the demo suite, test by test. */
export function vitestDirect(): Map<string, string> {
  const out = join(mkdtempSync(join(tmpdir(), 'vitest-direct-')), 'r.json');
  try {
    execFileSync(resolve('node_modules/.bin/vitest'), ['run', '--reporter=json', `--outputFile=${out}`], {
      cwd: join(DEMO, 'vitest'),
      stdio: 'ignore',
      env: { ...process.env, VITEST: undefined, VITEST_POOL_ID: undefined, VITEST_WORKER_ID: undefined } as never,
    });
  } catch {
    // failing tests make vitest exit 1; the report is what we want
  }
  const report = JSON.parse(readFileSync(out, 'utf8')) as {
    testResults: { name: string; assertionResults: { ancestorTitles: string[]; title: string; status: string }[] }[];
  };
  const map = new Map<string, string>();
  for (const f of report.testResults) {
    const file = f.name.slice(join(DEMO, 'vitest').length + 1);
    for (const a of f.assertionResults)
      map.set(
        [file, ...a.ancestorTitles, a.title].join(' > '),
        a.status === 'passed' ? 'passed' : a.status === 'failed' ? 'failed' : 'skipped',
      );
  }
  return map;
}
