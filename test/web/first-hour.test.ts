import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../src/protocol/agent-api.js';
import { launchChromium } from '../support/browser.js';
import { ProtocolAgent } from '../support/protocol-agent.js';
import { ADMIN_TOKEN, eventually, runEnded, startTestServer, type TestServer } from '../support/server.js';
import { clippedText, photograph } from './clipped-text.js';

/**
 * The dashboard items of issue 17 ("a newcomer's first hour"), each where a user meets it, in
 * Chromium, with an agent played by hand so each state (queued, discovering, found nothing, a long
 * reason, coloured logs, reruns, an agent stopped cleanly) is exact. Every page is photographed at
 * 1280 and 390 px and fails on text clipped without a way to read it.
 */
const LONG_ENV = 'chromium-desktop-with-a-long-name';
const WIDE = Array.from({ length: 8 }, (_, i) => `wide-${i + 1}`);
const KEYS = ['cart.test.ts > cart > adds an item', 'cart.test.ts > cart > totals'];
const [A, B] = KEYS as [string, string];
// Keys as long as real suites make them: paths, namespaces, snake_case titles, dotted file names.
const PATH_KEYS = [
  'tests/e2e/checkout/payment-methods/saved_cards.spec.ts > Checkout::PaymentMethods > saved cards > removes_an_expired_card_after_confirmation',
  'src/modules/inventory/warehouse.stock-levels.test.ts > inventory.stock-levels > reorders when the level is below the threshold',
];
type Outcome = 'passed' | 'failed';

const PLANS = `
project: hour
environments:
  ${LONG_ENV}: {}
  firefox-esr: {}
${WIDE.map((e) => `  ${e}: {}`).join('\n')}
plans:
  shop: { framework: command, workdir: ., options: { command: "sh {files}" }, description: "Checks the shop's cart and checkout from end to end.", environments: [${LONG_ENV}, firefox-esr] }
  cart: { framework: command, workdir: ., options: { command: "sh {files}" }, environments: [firefox-esr] }
  checkout: { framework: command, workdir: ., options: { command: "sh {files}" }, environments: [firefox-esr] }
  wide: { framework: command, workdir: ., options: { command: "sh {files}" }, environments: [${WIDE.join(', ')}] }
  paths: { framework: command, workdir: ., options: { command: "sh {files}" }, environments: [${LONG_ENV}, firefox-esr] }
  quiet: { framework: command, workdir: ., options: { command: "sh {files}" }, description: "Kept for later.", environments: [firefox-esr] }
  solo: { framework: command, workdir: ., options: { command: "sh {files}" }, environments: [firefox-esr], max_parallel: 1 }
`;

// Colours, bold, an OSC window title, cursor moves, a 256-colour and a true-colour run, inverse,
// and markup that must stay text.
const LOG = [
  '\u001b]0;vitest\u0007\u001b[2K\u001b[1G\u001b[1m\u001b[32m ✓ \u001b[39m\u001b[22mcart adds an item',
  '\u001b[31mFAIL\u001b[0m <img src=x onerror="window.pwned=1"> cart totals',
  '\u001b[38;5;208morange\u001b[0m \u001b[38;2;10;200;30mtrue colour\u001b[0m \u001b[7minverse\u001b[27m done\u001b[?25h',
  '',
].join('\n');

describe("dashboard in Chromium: a newcomer's first hour", () => {
  let s: TestServer;
  let agent: ProtocolAgent;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    s = await startTestServer('sqlite');
    const applied = await s.api('POST', '/api/v1/apply', PLANS);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    agent = await ProtocolAgent.register(s, [], 8);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(`sessionStorage.setItem('proctor.key', ${JSON.stringify(ADMIN_TOKEN)})`);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  const trigger = async (plan: string, body: Record<string, string> = {}) =>
    (await s.api('POST', `/api/v1/plans/${plan}/runs`, body)).body as { id: number };
  const claimOne = () => eventually(async () => (await agent.claim(1))[0]);

  /** Plays the agent until the run has ended: discovery lists KEYS, executions report `outcomes` (and `onJob` sees each first). */
  async function drive(
    runId: number,
    outcomes: Record<string, Outcome>,
    onJob?: (job: ClaimedJob) => Promise<void>,
    keys = KEYS,
  ) {
    return eventually(async () => {
      for (const job of await agent.claim(8)) {
        if (job.kind === 'discover') await agent.discover(job, keys);
        else {
          await onJob?.(job);
          await agent.execute(job, (k) => outcomes[k]);
        }
      }
      const run = (await s.api('GET', `/api/v1/runs/${runId}`)).body;
      return run.status === 'completed' ? run : undefined;
    });
  }

  it('says what it knows while the matrix is empty, and offers no pair selection with nothing to select', async () => {
    const run = await trigger('shop');
    await page.goto(`${s.url}/runs/${run.id}`);
    await page.getByText('Queued: waiting for an agent to discover the scenarios to run.').waitFor();
    await photograph(page, 'run-queued');
    const job = await claimOne();
    expect(job.kind).toBe('discover');
    await page.getByText(/^Discovering scenarios: an agent is listing the plan's tests on /).waitFor();
    await agent.discover(job, []);
    await page.getByText('Discovery found nothing to run. Ended by system: no tests found').waitFor();
    await page.getByRole('heading', { name: 'Ended by system' }).waitFor();
    expect(await page.getByRole('button', { name: 'Select pairs to rerun' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Rerun failed/ }).count()).toBe(0);
    await photograph(page, 'run-found-nothing');
  });

  it('says the whole suite runs when a one-slot run’s first job runs it, and what it ran when it is done', async () => {
    const run = await trigger('solo');
    await page.goto(`${s.url}/runs/${run.id}`);
    const job = await claimOne();
    expect(job).toMatchObject({ kind: 'discover', run_suite: true });
    await page
      .getByText(
        'Running the whole suite on firefox-esr in one job, without a discovery first: its scenarios and results come when it ends.',
      )
      .waitFor();
    const done = await agent.complete(job, {
      outcome: 'completed',
      scenarios: KEYS.map((key) => ({ key, file: key.split(' > ')[0]!, path: key.split(' > ').slice(1), tags: [] })),
      results: KEYS.map((key) => ({
        key,
        file: key.split(' > ')[0]!,
        path: key.split(' > ').slice(1),
        outcome: 'passed' as const,
        durationMs: 12,
      })),
    });
    expect(done.status).toBe(200);
    await eventually(async () =>
      (await s.api('GET', `/api/v1/runs/${run.id}`)).body.status === 'completed' ? true : undefined,
    );
    await page.reload();
    await page.getByText(`the whole suite, ${KEYS.length} scenarios on firefox-esr`).waitFor({ state: 'attached' });
  });

  it('shows a long end reason whole on the run page and two lines of it, whole on hover, in the runs list', async () => {
    const run = await trigger('shop');
    const job = await claimOne();
    const missing = `/srv/checkouts/${'a-rather-long-directory-name-'.repeat(12)}app`;
    const error = `workdir "${missing}" does not exist on this agent; ${'set plans.shop.workdir to a directory the agent has, relative to the plan file. '.repeat(8)}`;
    await agent.complete(job, { outcome: 'errored', error, retryable: false });
    const ended = await runEnded(s, run.id);
    expect(ended.result).toBe('aborted');
    expect(ended.end_reason).toBe(`discovery failed: ${error}`);
    expect(ended.end_reason.length).toBeGreaterThan(1000);

    await page.goto(`${s.url}/runs/${run.id}`);
    const box = page.getByRole('region', { name: 'Why the run ended' });
    await box.waitFor();
    expect(await box.locator('.end-reason-text').textContent()).toBe(ended.end_reason);
    const note = (await page.locator('.matrix-empty').textContent()) ?? '';
    expect(
      note.startsWith(
        'The run ended before any scenario was queued. Ended by system: discovery failed: workdir "/srv/checkouts/',
      ),
    ).toBe(true);
    expect(note.endsWith('… (the whole reason is above)')).toBe(true);
    await photograph(page, 'run-aborted');

    await page.goto(`${s.url}/runs?plan=shop`);
    const reason = page.locator(`#reason-${run.id}`);
    await reason.waitFor();
    const whole = `Ended by system: ${ended.end_reason}`;
    expect(await reason.textContent()).toBe(whole);
    expect(await reason.getAttribute('title')).toBe(whole);
    expect(await page.locator(`a[aria-describedby="reason-${run.id}"]`).count()).toBe(1);
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      const box = await reason.evaluate((el: any) => ({
        shown: el.clientHeight,
        whole: el.scrollHeight,
        line: parseFloat(el.ownerDocument.defaultView.getComputedStyle(el).lineHeight),
      }));
      expect(box.shown, `${width} px`).toBeLessThanOrEqual(2 * box.line + 1);
      expect(box.whole, `${width} px`).toBeGreaterThan(box.shown);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await photograph(page, 'runs-aborted');
  });

  it("offers pair selection once a run has pairs, and shows a job log's colours as colours without running its markup", async () => {
    const run = await trigger('shop');
    let logged: ClaimedJob | undefined;
    await drive(run.id, { [A]: 'passed', [B]: 'failed' }, async (job) => {
      if (logged || job.environment.name !== LONG_ENV) return;
      logged = job;
      const r = await s.api(
        'POST',
        `/api/agent/v1/jobs/${job.job_id}/log`,
        { lease_token: job.lease_token, offset: 0, data: LOG },
        { token: agent.token },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    });
    await page.goto(`${s.url}/runs/${run.id}`);
    await page.getByRole('button', { name: 'Select pairs to rerun' }).waitFor();
    for (const env of [LONG_ENV, 'firefox-esr']) await page.locator('th.env', { hasText: env }).waitFor();

    await page.getByText(/^Jobs \(\d+\)$/).click();
    const row = page.locator(`li.job[data-job="${logged!.job_id}"]`);
    expect(await row.locator('.job-what').textContent()).toBe(
      `${logged!.scenarios.length === 1 ? '1 scenario' : `${logged!.scenarios.length} scenarios`} on ${LONG_ENV}`,
    );
    await row.getByRole('button', { name: 'Show log' }).click();
    const log = page.getByLabel(`Log of job ${logged!.job_id}`);
    await expect.poll(() => log.textContent()).toContain('cart totals');
    const text = (await log.textContent())!;
    expect(text).toBe(
      ' ✓ cart adds an item\nFAIL <img src=x onerror="window.pwned=1"> cart totals\norange true colour inverse done\n',
    );
    expect(await log.locator('img').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    const span = (t: string) => log.locator('span', { hasText: new RegExp(`^${t}$`) });
    expect(await span('FAIL').getAttribute('class')).toBe('ansi-fg-1');
    expect(await span('FAIL').evaluate((el: any) => el.ownerDocument.defaultView.getComputedStyle(el).color)).toBe(
      'rgb(244, 112, 103)',
    );
    expect(await span(' ✓ ').getAttribute('class')).toBe('ansi-bold ansi-fg-2');
    expect(await span('orange').evaluate((el: any) => el.style.color)).toBe('rgb(255, 135, 0)');
    expect(await span('true colour').evaluate((el: any) => el.style.color)).toBe('rgb(10, 200, 30)');
    expect(await span('inverse').getAttribute('class')).toBe('ansi-fg-inverse ansi-bg-inverse');
    const stored = await fetch(`${s.url}/api/v1/runs/${run.id}/jobs/${logged!.job_id}/log`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(await stored.text()).toContain('\u001b[31mFAIL\u001b[0m');
    await photograph(page, 'job-log');
  });

  it('shows environment names whole, and a matrix wider than the phone scrolls with a visible cue', async () => {
    const run = await trigger('wide');
    await drive(run.id, { [A]: 'passed', [B]: 'passed' });
    await page.goto(`${s.url}/runs/${run.id}`);
    await expect.poll(() => page.locator('button.cell').count()).toBe(KEYS.length * WIDE.length);
    expect(await page.locator('th.env').allTextContents()).toEqual(WIDE);
    const cue = page.locator('[data-scrolls] .scroll-cue');
    expect(await cue.count()).toBe(0);
    await page.setViewportSize({ width: 390, height: 844 });
    await cue.waitFor();
    expect(await cue.textContent()).toBe('more to the right: scroll sideways →');
    const region = page.getByRole('region', { name: 'Results matrix (scrolls sideways)' });
    expect(await region.getAttribute('tabindex')).toBe('0');
    await region.evaluate((el: any) => {
      el.scrollLeft = el.scrollWidth;
    });
    await expect.poll(() => cue.textContent()).toBe('← more to the left: scroll sideways');
    expect(await clippedText(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 900 });
    await photograph(page, 'run-wide');
  });

  it('leaves reruns out of the charts, says what it counts, and claims no "code change" it cannot know', async () => {
    const run = async (plan: string, outcomes: Record<string, Outcome>, body: Record<string, string> = {}) => {
      const r = await trigger(plan, body);
      await drive(r.id, outcomes);
      return r.id;
    };
    const first = await run('cart', { [A]: 'passed', [B]: 'failed' });
    const rerun = (await s.api('POST', `/api/v1/runs/${first}/rerun`, { failed: true })).body;
    await drive(rerun.id, { [B]: 'passed' });
    await run('cart', { [A]: 'failed', [B]: 'passed' });
    await page.goto(`${s.url}/plans/cart/history`);
    await page
      .getByText(
        'Pass rate and duration count the last 2 runs that are not reruns, oldest left. 1 rerun made meanwhile is left out',
      )
      .waitFor();
    await expect.poll(() => page.locator('svg.chart .mark').count()).toBe(4);
    const unknown = 'changed 1× between runs; these runs carry no ref or build, so whether the code changed is unknown';
    await expect.poll(() => page.locator('.why').allTextContents()).toEqual([unknown, unknown]);
    expect(await page.getByText('without a code change').count()).toBe(0);
    // Named axes with units, a legend, and a title and description for screen readers.
    const pass = page.getByRole('group', { name: 'Pass rate per run' });
    expect(await pass.locator('desc').textContent()).toMatch(
      /^2 runs, oldest left\. Vertical axis: pass rate \(%\), 0 to 100\. Latest: run #\d+/,
    );
    expect(await pass.locator('text.axis-label').allTextContents()).toEqual([
      'pass rate (%)',
      'run number, oldest left',
    ]);
    const duration = page.getByRole('group', { name: 'Duration per run' });
    expect((await duration.locator('text.axis-label').allTextContents())[0]).toMatch(/^duration \((ms|s|min)\)$/);
    expect(await page.getByRole('list', { name: 'Legend' }).first().locator('li').allTextContents()).toEqual([
      ' pass rate of a run',
      ' run failed',
    ]);
    await photograph(page, 'history-flaky');

    await run('checkout', { [A]: 'passed', [B]: 'passed' }, { ref: 'v1.2.0' });
    await run('checkout', { [A]: 'failed', [B]: 'passed' }, { ref: 'v1.2.0' });
    await page.goto(`${s.url}/plans/checkout/history`);
    await expect
      .poll(() => page.locator('.why').allTextContents())
      .toEqual(['changed 1× without a code change (same ref or build)']);
  }, 90_000);

  it('finds a word broken mid-word and a chart label outside its chart, and lets a key wrap at its separators', async () => {
    const narrow = (html: string) =>
      page.setContent(`<div style="width: 120px; font: 14px monospace; overflow-wrap: anywhere">${html}</div>`);
    await narrow('checkout-payment-methods-saved-cards');
    expect(await clippedText(page)).toEqual([]);
    await narrow('CheckoutPaymentMethodsSavedCards');
    expect(await clippedText(page)).toEqual([
      expect.objectContaining({ what: 'div', why: expect.stringContaining('a word broken mid-word') }),
    ]);
    await narrow('src/<wbr>modules/<wbr>inventory::<wbr>stock.<wbr>test.<wbr>ts');
    expect(await clippedText(page)).toEqual([]);
    await page.setContent(
      '<svg width="100" height="40" viewBox="0 0 100 40"><text x="2" y="20">inside</text><text x="70" y="20">a label past the edge</text></svg>',
    );
    expect((await clippedText(page)).filter((c) => c.what === 'svg text')).toEqual([
      expect.objectContaining({ text: 'a label past the edge', why: expect.stringContaining('right by') }),
    ]);
  });

  it('wraps long path-like keys only at their separators at 390 px: the matrix, a result, the history', async () => {
    const [P, Q] = PATH_KEYS as [string, string];
    const first = await trigger('paths');
    await drive(first.id, { [P]: 'passed', [Q]: 'failed' }, undefined, PATH_KEYS);
    const second = await trigger('paths');
    await drive(second.id, { [P]: 'failed', [Q]: 'passed' }, undefined, PATH_KEYS);

    await page.goto(`${s.url}/runs/${second.id}`);
    await expect.poll(() => page.locator('button.cell').count()).toBe(4);
    await photograph(page, 'run-long-keys');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('button.cell[data-status="failed"]').first().click();
    await page.getByRole('heading', { name: P }).waitFor();
    await photograph(page, 'result-long-key');

    await page.goto(`${s.url}/plans/paths/history`);
    await expect.poll(() => page.locator('.flaky .key').count()).toBe(4);
    await expect.poll(() => page.locator('td.key').count()).toBe(4);
    await photograph(page, 'history-long-keys');
  });

  it("shows each plan's description and its last run's result and when", async () => {
    const plans = (await s.api('GET', '/api/v1/plans?project=hour')).body.items as {
      name: string;
      last_run: { id: number; result: string } | null;
    }[];
    const shop = plans.find((p) => p.name === 'shop')!.last_run!;
    await page.goto(`${s.url}/plans`);
    const card = (name: string) =>
      page.locator('li.plan-card', { has: page.getByRole('heading', { name, exact: true }) });
    await card('shop').getByText("Checks the shop's cart and checkout from end to end.").waitFor();
    await card('shop')
      .getByRole('link', { name: `#${shop.id}` })
      .waitFor();
    expect(await card('shop').locator('.last-run .badge').textContent()).toBe(shop.result);
    expect(await card('shop').locator('.last-run time').textContent()).toMatch(/^ended (just now|\d+ min ago)$/);
    await card('quiet').getByText('Kept for later.').waitFor();
    await card('quiet').getByText('Not run yet.').waitFor();
    await card('cart').getByText('No description.').waitFor();
    await photograph(page, 'plans-described');
  });

  it('shows an agent that stopped cleanly as offline, not lost', async () => {
    const reg = await s.api('POST', '/api/agent/v1/register', { name: 'stopped-cleanly', labels: ['spare'], slots: 1 });
    expect(reg.status).toBe(201);
    expect((await s.api('POST', '/api/agent/v1/offline', undefined, { token: reg.body.token })).status).toBe(204);
    await page.goto(`${s.url}/agents`);
    const agentItem = page.locator('li.agent', { has: page.getByRole('heading', { name: 'stopped-cleanly' }) });
    const badge = agentItem.locator('.badge');
    await expect.poll(() => badge.textContent()).toBe('offline');
    expect(await badge.getAttribute('class')).toBe('badge s-offline');
    // Its one slot, in words a screen reader says right.
    expect(await agentItem.locator('.slots').getAttribute('aria-label')).toBe('0 of 1 slot in use');
    await photograph(page, 'agents-offline');
  });
});
