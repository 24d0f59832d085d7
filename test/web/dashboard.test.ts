import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FINAL_SCENARIO_RESULTS } from '../../src/protocol/statuses.js';
import { launchChromium } from '../support/browser.js';
import { photograph } from './clipped-text.js';
import { ADMIN_TOKEN, eventually, startTestServer, type TestServer } from '../support/server.js';

/**
 * The dashboard in Debian's Chromium against a real server, its embedded agent and real Vitest runs:
 * sign in, trigger, watch the matrix fill live, open a failure, rerun the failed pairs, cancel.
 * Every page is photographed at 1280 and 390 px into test-results/screenshots/, and fails when any of
 * its text is clipped at either width without a way to read it.
 */
const DEMO = resolve('examples/demo');
const FINAL = new Set<string>(FINAL_SCENARIO_RESULTS);

describe('dashboard in Chromium', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  const runs: { first?: number; rerun?: number; hang?: number } = {};

  beforeAll(async () => {
    if (!existsSync(resolve('dist/web/index.html')))
      throw new Error('dist/web is missing: run npm run build (npm test does)');
    const work = mkdtempSync(join(tmpdir(), 'proctor-web-'));
    writeFileSync(join(work, 'hang.sh'), 'sleep 1000\n');
    // A failing check that leaves a real PNG screenshot, picked up by the plan's artifacts glob.
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
    writeFileSync(
      join(work, 'login.sh'),
      `mkdir -p shots "$1"\necho ${png} | base64 -d > shots/login.sh.png\ncat > "$1/r.xml" <<XML\n<testsuites><testsuite name="s"><testcase classname="login" name="login.sh" file="login.sh"><failure message="login button missing">at login</failure></testcase></testsuite></testsuites>\nXML\n`,
    );
    s = await startTestServer('sqlite', { localAgent: true, slots: 2, workdir: work });
    const file = `
environments:
  node: { platform: api }
plans:
  demo-vitest: { framework: vitest, workdir: ${join(DEMO, 'vitest')}, environments: [node], max_parallel: 2 }
  hang: { framework: command, workdir: ., environments: [node], options: { command: "sh {files}", discover: "hang.sh" } }
  shots: { framework: command, workdir: ., environments: [node], options: { command: "sh {files} {report_dir}", discover: "login.sh", artifacts: ["shots/*.png"] } }
`;
    expect((await s.api('POST', '/api/v1/apply', file)).status).toBe(200);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  /** Statuses of every matrix cell now. */
  const cellStatuses = () =>
    page.$$eval('button.cell', (cells) => cells.map((c) => c.getAttribute('data-status') ?? ''));
  const planId = async (name: string) => (await s.api('GET', `/api/v1/plans/${name}`)).body.id as number;
  const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
  const runIdFromUrl = () => Number(/\/runs\/(\d+)/.exec(page.url())?.[1]);

  it('signs in with an API key kept in the tab, never in the address', async () => {
    await page.goto(s.url);
    await page.getByLabel('API key').waitFor();
    await photograph(page, 'sign-in');
    await page.getByLabel('API key').fill('pk_0000000000_wrongwrongwrongwrongwrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('unknown API key').waitFor();
    await page.getByLabel('API key').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("proctor.key")')).toBe(ADMIN_TOKEN);
    expect(page.url()).not.toContain(ADMIN_TOKEN);
    await page.reload();
    await page.getByRole('heading', { name: 'Runs' }).waitFor();
  });

  it('triggers a run from its plan page and fills the matrix live, without a reload or layout shift', async () => {
    await nav('Plans').click();
    await page.getByRole('link', { name: 'demo-vitest' }).first().click();
    await expect.poll(() => page.locator('pre.yaml').textContent()).toContain('framework: vitest');
    await photograph(page, 'plan');
    await page.evaluate('window.sameDocument = true');
    await page.getByRole('button', { name: 'Trigger run' }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    runs.first = runIdFromUrl();
    await watchLayoutShifts(page);
    const seen = new Set<string>();
    const statuses = await eventually(
      async () => {
        const now = await cellStatuses();
        now.forEach((x) => seen.add(x));
        return now.length > 5 && now.every((x) => FINAL.has(x)) ? now : undefined;
      },
      60_000,
      50,
    );
    expect(
      [...seen].some((x) => x === 'queued' || x === 'running'),
      `statuses seen: ${[...seen]}`,
    ).toBe(true);
    expect(statuses).toContain('failed');
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    const run = (await s.api('GET', `/api/v1/runs/${runs.first}`)).body;
    expect(run.trigger.source).toBe('dashboard');
    expect(statuses.length).toBe(run.counts.total);
    await page.getByText('failed', { exact: true }).first().waitFor();
    const shift = await layoutShift(page);
    process.stdout.write(`cumulative layout shift while the matrix filled: ${shift.toFixed(4)}\n`);
    expect(shift).toBeLessThan(0.02);
    await photograph(page, 'run');
  }, 120_000);

  it('opens a failure with its message and stack (and its screenshot when the result has one)', async () => {
    const failed = (await s.api('GET', `/api/v1/runs/${runs.first}/results?status=failed`)).body.items[0];
    await page.locator(`button.cell[data-result="${failed.id}"]`).click();
    const panel = page.getByRole('dialog');
    await panel.waitFor();
    expect(page.url()).toContain(`result=${failed.id}`);
    await expect.poll(() => panel.locator('pre.message').textContent()).toContain(failed.message.split('\n')[0]);
    expect(await panel.getByText('Stack').isVisible()).toBe(true);
    expect(await panel.locator('pre').nth(1).textContent()).toContain(failed.stack.split('\n')[0]);
    const images = failed.artifacts.filter((a: { content_type: string }) => a.content_type.startsWith('image/'));
    if (images.length > 0) await panel.locator('img.shot').first().waitFor();
    await panel.getByText('Job log').waitFor();
    await photograph(page, 'run-failure');
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
  });

  it('reruns the failed pairs into a new run linked to the first', async () => {
    const parent = (await s.api('GET', `/api/v1/runs/${runs.first}`)).body;
    await page.getByRole('button', { name: /^Rerun failed/ }).click();
    await page.waitForURL((u) => /\/runs\/\d+$/.test(u.pathname) && !u.pathname.endsWith(`/${runs.first}`));
    runs.rerun = runIdFromUrl();
    await page.getByRole('link', { name: `rerun (failed) of #${runs.first}` }).waitFor();
    const statuses = await eventually(
      async () => {
        const now = await cellStatuses();
        return now.length > 0 && now.every((x) => FINAL.has(x)) ? now : undefined;
      },
      60_000,
      100,
    );
    expect(statuses.length).toBe(parent.counts.failed + parent.counts.aborted);
    expect(statuses.every((x) => x === 'failed')).toBe(true);
    await photograph(page, 'rerun');
  }, 90_000);

  it('keeps a run from retention and lets it go again', async () => {
    await page.goto(`${s.url}/runs/${runs.first}`);
    await page.getByRole('button', { name: 'Keep run' }).click();
    await page.getByText('Kept: retention will not delete this run, its logs or its artifacts.').waitFor();
    expect((await s.api('GET', `/api/v1/runs/${runs.first}`)).body.keep).toBe(true);
    await page.getByRole('button', { name: 'Stop keeping', pressed: true }).click();
    await page.getByText("No longer kept: the project's retention policy applies to this run.").waitFor();
    expect((await s.api('GET', `/api/v1/runs/${runs.first}`)).body.keep).toBe(false);
    await page.getByRole('button', { name: 'Keep run', pressed: false }).waitFor();
  }, 60_000);

  it('cancels a long run from its page and shows it stop live', async () => {
    await page.goto(`${s.url}/plans/${await planId('hang')}`);
    await page.getByRole('button', { name: 'Trigger run' }).click();
    await page.waitForURL(/\/runs\/\d+$/);
    runs.hang = runIdFromUrl();
    await page.locator('button.cell[data-status="running"]').waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByRole('button', { name: 'Confirm cancel' }).click();
    await page.locator('button.cell[data-status="stopped"]').waitFor({ timeout: 30_000 });
    await page.getByText('Run cancelled.').waitFor();
    expect((await s.api('GET', `/api/v1/runs/${runs.hang}`)).body).toMatchObject({
      status: 'cancelled',
      result: 'stopped',
    });
    await photograph(page, 'run-cancelled');
  }, 60_000);

  it('lists runs and filters them by result', async () => {
    await nav('Runs').click();
    const rows = page.locator('ul.runs > li');
    await expect.poll(() => rows.count()).toBe(3);
    await photograph(page, 'runs');
    await page.getByLabel('result').selectOption('failed');
    await expect
      .poll(() => page.locator('ul.runs a').evaluateAll((as) => as.map((a) => a.getAttribute('aria-label'))))
      .toEqual([`Run ${runs.rerun} of demo-vitest: failed`, `Run ${runs.first} of demo-vitest: failed`]);
    expect(page.url()).toContain('result=failed');
  });

  it('shows live agents with their labels, slots and current jobs, and environment availability', async () => {
    const hang = (await s.api('POST', '/api/v1/plans/hang/runs', {})).body;
    await nav('Agents').click();
    const card = page.locator('li.agent').first();
    await card.getByText(/^local@/).waitFor();
    await card.getByText('local', { exact: true }).waitFor();
    await card.getByRole('link', { name: `hang #${hang.id}` }).waitFor({ timeout: 30_000 });
    await page.getByRole('cell', { name: 'node', exact: true }).waitFor();
    await page.getByText('available', { exact: true }).waitFor();
    await photograph(page, 'agents');
    await s.api('POST', `/api/v1/runs/${hang.id}/cancel`);
  }, 60_000);

  it("shows a plan's history: pass rate and duration charts, slowest and flaky scenarios, job costs", async () => {
    await page.goto(`${s.url}/plans/${await planId('demo-vitest')}/history`);
    await page.getByRole('heading', { name: 'Pass rate' }).waitFor();
    // Two charts of one run each: the rerun of the failed pairs is left out, and the page says so.
    await expect.poll(() => page.locator('svg.chart .mark').count()).toBe(2);
    await page
      .getByText(
        'Pass rate and duration count the last 1 run that is not a rerun, oldest left. 1 rerun made meanwhile is left out',
      )
      .waitFor();
    await expect.poll(() => page.locator('table.table tbody tr').count()).toBeGreaterThan(0);
    await page.getByText('No flaky scenarios in these runs.').waitFor();
    // What the real agent's jobs cost beyond their tests, learnt from their wall times.
    const costs = page.getByRole('region', { name: 'Job costs' });
    const [learnt] = (await s.api('GET', `/api/v1/plans/demo-vitest/history`)).body.job_costs;
    expect(learnt.jobs).toBeGreaterThan(0);
    await costs.getByRole('cell', { name: learnt.environment, exact: true }).first().waitFor();
    await photograph(page, 'history');
    await nav('Plans').click();
    await page.getByRole('link', { name: 'hang' }).first().waitFor();
    await photograph(page, 'plans');
  });

  it("shows a failure's screenshot inline", async () => {
    const run = (await s.api('POST', '/api/v1/plans/shots/runs', {})).body;
    await expect
      .poll(async () => (await s.api('GET', `/api/v1/runs/${run.id}`)).body.status, { timeout: 60_000 })
      .toBe('completed');
    const failed = (await s.api('GET', `/api/v1/runs/${run.id}/results?status=failed`)).body.items[0];
    expect(failed.artifacts.map((a: { name: string }) => a.name)).toEqual(['shots/login.sh.png']);
    await page.goto(`${s.url}/runs/${run.id}`);
    await page.locator(`button.cell[data-result="${failed.id}"]`).click();
    const panel = page.getByRole('dialog');
    const shot = panel.locator('img.shot').first();
    await shot.waitFor();
    await expect.poll(() => shot.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(1);
    await photograph(page, 'run-failure-screenshot');
    await page.keyboard.press('Escape');
  });
});

/** Starts summing layout shifts (Chromium's Layout Instability API) from now on. */
async function watchLayoutShifts(page: Page): Promise<void> {
  await page.evaluate(`
    window.shift = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.shift += e.value;
    }).observe({ type: 'layout-shift' });
  `);
}

const layoutShift = (page: Page) => page.evaluate('window.shift') as Promise<number>;
