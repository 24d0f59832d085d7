import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachDialect } from '../support/dialects.js';
import { ADMIN_TOKEN } from '../support/server.js';
import { startVendorFixture, type VendorFixture } from '../support/vendor-fixture.js';

const SCRIPT = join(import.meta.dirname, '../fixtures/vendor-ci/testsigma-run.sh');

/**
 * A CI client of the kind the vendors publish, run for real: bash, curl and awk against a real
 * server (test/fixtures/vendor-ci/testsigma-run.sh, written from Testsigma's documents). It
 * triggers, reads the run id with awk, polls until the status says completed, downloads the
 * JUnit report, and exits 0 only on success. An agent answers the jobs meanwhile.
 */
describeEachDialect('a vendor-style CI shell client', (dialect) => {
  let f: VendorFixture;
  beforeAll(async () => {
    f = await startVendorFixture(dialect);
  });
  afterAll(() => f?.close());

  async function runClient(plan: string): Promise<{ code: number | null; out: string; report: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'proctor-ci-'));
    const report = join(dir, 'junit-report.xml');
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      BASE_URL: f.s.url,
      API_KEY: ADMIN_TOKEN,
      PLAN_ID: String(f.plans[plan]!.id),
      BUILD_NO: '202612040053',
      RUNTIME_DATA: 'url=https://shop.example.com/login,LANG=en',
      REPORT_FILE: report,
      POLL_SECONDS: '0.2',
      MAX_POLLS: '150',
    };
    const child = spawn('bash', [SCRIPT], { env });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    let done = false;
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => {
        done = true;
        resolve(code);
      }),
    );
    while (!done) {
      await f.drain(['green']);
      await new Promise((r) => setTimeout(r, 50));
    }
    const code = await exited;
    let xml = '';
    try {
      xml = readFileSync(report, 'utf8');
    } catch {
      // no report: the assertions below say so
    }
    return { code, out, report: xml };
  }

  it('exits 0 for a plan whose tests pass, with the JUnit report saved', async () => {
    const r = await runClient('green');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/run \d+ started/);
    expect(r.out).toContain('poll 1: STATUS_IN_PROGRESS');
    expect(r.out).toContain('result: SUCCESS');
    expect(r.report).toMatch(/<testsuites [^>]*tests="3" failures="0"/);
    const id = Number(/run (\d+) started/.exec(r.out)![1]);
    expect((await f.s.api('GET', `/api/v1/runs/${id}`)).body.trigger).toMatchObject({
      build: '202612040053',
      parameters: { url: 'https://shop.example.com/login', LANG: 'en' },
    });
  }, 60_000);

  it('exits 1 for a plan whose tests fail, the failures in the report', async () => {
    const r = await runClient('checkout');
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain('result: FAILURE');
    expect(r.report.match(/<failure /g)).toHaveLength(3);
  }, 60_000);
});
