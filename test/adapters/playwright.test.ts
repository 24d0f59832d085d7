import { existsSync } from 'node:fs';
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { playwrightFilters } from '../../src/adapters/playwright-filter.js';
import { playwrightAdapter, projectsOf } from '../../src/adapters/playwright.js';
import { AdapterError, type DiscoveredScenario } from '../../src/adapters/types.js';
import { adapterContext, discoverWith, rejection, resultsByKey, runWith } from '../support/adapter-harness.js';
import { EXAMPLES, playwrightDirect } from '../support/direct-runs.js';

const suite = join(EXAMPLES, 'playwright');
const CHROMIUM = { PROCTOR_BROWSER: 'chromium' };

// What Playwright itself reports for examples/playwright in the chromium project (checked below).
const EXPECTED: Record<string, string> = {
  'tests/page.spec.js > greeting page > shows the greeting': 'passed',
  'tests/page.spec.js > greeting page > counts clicks': 'passed',
  'tests/page.spec.js > greeting page > shows the footer': 'failed',
  'tests/page.spec.js > greeting page > switches to dark mode': 'skipped',
  'tests/retry.spec.js > passes on the retry': 'flaky',
};

describe('playwright adapter on examples/playwright (Chromium from Debian)', () => {
  let scenarios: DiscoveredScenario[];
  beforeAll(async () => {
    scenarios = await discoverWith(playwrightAdapter, await adapterContext(suite, {}, CHROMIUM));
  });

  it('lists every test keyed file > describe > title, the file relative to cwd and no project in the key', () => {
    expect(scenarios.map((s) => s.key).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(scenarios.find((s) => s.key.endsWith('footer'))).toEqual({
      key: 'tests/page.spec.js > greeting page > shows the footer',
      file: 'tests/page.spec.js',
      path: ['greeting page', 'shows the footer'],
      tags: [],
    });
  });

  it('reports each test as Playwright does, with the failure’s screenshot, trace and video as artifacts', async () => {
    const ctx = await adapterContext(suite, {}, CHROMIUM);
    const { reports } = await runWith(playwrightAdapter, ctx, scenarios);
    expect(resultsByKey(reports)).toEqual(EXPECTED);
    expect(Object.fromEntries(playwrightDirect('chromium'))).toEqual(EXPECTED);
    const footer = reports.find((r) => r.key.endsWith('footer'));
    expect(footer?.message).toMatch(/^Error: expect\(locator\)\.toHaveText\(expected\) failed/);
    expect(footer?.stack).toContain('page.spec.js:22');
    const artifacts = footer?.artifacts ?? [];
    expect(artifacts.map((a) => [a.name, a.contentType])).toEqual(
      expect.arrayContaining([
        ['screenshot', 'image/png'],
        ['trace', 'application/zip'],
        ['video', 'video/webm'],
      ]),
    );
    for (const a of artifacts) {
      expect(a.path.startsWith(join(ctx.reportDir, 'test-results'))).toBe(true);
      expect(existsSync(a.path)).toBe(true);
    }
    // The video, recorded by Debian's ffmpeg that .ci/run links where Playwright looks for its own: WebM with content.
    const video = artifacts.find((a) => a.name === 'video');
    expect(video?.path).toMatch(/\.webm$/);
    const webm = await readFile(video?.path ?? '');
    expect(webm.length).toBeGreaterThan(1000);
    expect(webm.subarray(0, 4).toString('hex')).toBe('1a45dfa3');
    expect(reports.find((r) => r.key.endsWith('retry'))?.retries).toBe(1);
  });

  it('runs a single chosen scenario and nothing else', async () => {
    const ctx = await adapterContext(suite, {}, CHROMIUM);
    const chosen = scenarios.filter((s) => s.key.endsWith('shows the greeting'));
    const { reports, stdout } = await runWith(playwrightAdapter, ctx, chosen);
    expect(resultsByKey(reports)).toEqual({ 'tests/page.spec.js > greeting page > shows the greeting': 'passed' });
    expect(stdout).toContain('Running 1 test using 1 worker');
    const raw = JSON.parse(await readFile(join(ctx.reportDir, 'playwright.json'), 'utf8')) as {
      stats: { expected: number; unexpected: number; skipped: number; flaky: number };
    };
    expect(raw.stats).toMatchObject({ expected: 1, unexpected: 0, skipped: 0, flaky: 0 });
  });

  it('picks the project from PROCTOR_BROWSER, else the plan’s project option, else all', async () => {
    expect(
      projectsOf(await adapterContext(suite, { project: 'chromium-mobile' }, { PROCTOR_BROWSER: 'chromium' })),
    ).toEqual(['chromium']);
    expect(projectsOf(await adapterContext(suite, { project: ['a', 'b'] }))).toEqual(['a', 'b']);
    expect(projectsOf(await adapterContext(suite))).toEqual([]);
    const ctx = await adapterContext(suite, {}, { PROCTOR_BROWSER: 'chromium-mobile' });
    const { reports, stdout } = await runWith(
      playwrightAdapter,
      ctx,
      scenarios.filter((s) => s.key.endsWith('counts clicks')),
    );
    expect(resultsByKey(reports)).toEqual({ 'tests/page.spec.js > greeting page > counts clicks': 'passed' });
    expect(stdout).toContain('[chromium-mobile]');
    expect(stdout).not.toMatch(/\[chromium\]/);
  });

  it('names a file that does not load (Playwright then runs nothing), and explains a missing report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'proctor-pw-broken-'));
    await writeFile(join(dir, 'playwright.config.js'), 'export default { testDir: "." };\n');
    await writeFile(join(dir, 'package.json'), '{ "type": "module" }');
    await symlink(resolve('node_modules'), join(dir, 'node_modules'));
    await writeFile(join(dir, 'ok.spec.js'), "import { test } from '@playwright/test';\ntest('works', () => {});\n");
    await writeFile(join(dir, 'later.spec.js'), "import { test } from '@playwright/test';\ntest('soon', () => {});\n");
    const found = await discoverWith(playwrightAdapter, await adapterContext(dir));
    expect(found.map((s) => s.key).sort()).toEqual(['later.spec.js > soon', 'ok.spec.js > works']);
    await writeFile(join(dir, 'later.spec.js'), "import { test } from '@playwright/test';\ntest('soon', () => {\n");
    const { reports } = await runWith(playwrightAdapter, await adapterContext(dir), found);
    expect(reports).toMatchObject([
      {
        key: 'later.spec.js > soon',
        outcome: 'errored',
        message: expect.stringMatching(/^SyntaxError: .*later\.spec\.js/),
      },
      {
        key: 'ok.spec.js > works',
        outcome: 'errored',
        message: expect.stringMatching(/^not run: SyntaxError: .*\(later\.spec\.js\)$/),
      },
    ]);
    const error = await rejection(discoverWith(playwrightAdapter, await adapterContext(dir)));
    expect(error).toMatchObject({
      reason: 'no_tests',
      message: expect.stringMatching(/SyntaxError.*\(later\.spec\.js\)$/),
    });

    const missing = await rejection(
      playwrightAdapter.parseRun(await adapterContext(suite), scenarios, {
        exitCode: 1,
        signal: null,
        stdout: '',
        stderr: 'Error: no config',
      }),
    );
    expect(missing).toBeInstanceOf(AdapterError);
    expect(missing).toMatchObject({ reason: 'report_missing', message: expect.stringContaining('Error: no config') });
  });
});

describe('playwrightFilters', () => {
  it('matches files by their path from a "/" and titles from a title boundary, tags allowed, case-sensitively', () => {
    const { files, grep } = playwrightFilters(
      ['tests/a.spec.ts'],
      [{ key: 'tests/a.spec.ts > cart (1) > adds $5', file: 'tests/a.spec.ts', path: ['cart (1)', 'adds $5'] }],
    );
    const file = new RegExp((files[0] ?? '').slice(1, -1));
    expect(file.test('/w/tests/a.spec.ts')).toBe(true);
    expect(file.test('/w/xtests/a.spec.ts')).toBe(false);
    const title = new RegExp((grep ?? '').slice(1, -1));
    expect(title.test(' chromium tests/a.spec.ts cart (1) adds $5')).toBe(true);
    expect(title.test(' chromium tests/a.spec.ts cart (1) @fast adds $5 @slow')).toBe(true);
    expect(title.test(' chromium tests/a.spec.ts cart (1) adds $5 more')).toBe(false);
    expect(title.test(' chromium tests/a.spec.ts Cart (1) adds $5')).toBe(false);
  });

  it('greps nothing when a whole file is wanted', () => {
    expect(playwrightFilters(['a.spec.ts'], [{ key: 'a.spec.ts', file: 'a.spec.ts', path: [] }]).grep).toBeUndefined();
  });
});
