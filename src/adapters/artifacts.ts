import { statSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { contentTypeOf } from '../domain/artifact-name.js';
import { findFiles } from './find-files.js';
import { stringListOption } from './options.js';
import { AdapterError, type AdapterContext, type TestArtifact, type TestReport } from './types.js';

const RUN_START_MARKER = '.proctor-run-start';
const DEFAULT_MAX_MB = 50;
/** The agent protocol accepts this many artifacts per test. */
export const MAX_ARTIFACTS_PER_TEST = 100;

/**
 * Records when a run starts, so files matched by the plan's `artifacts` globs count only when the
 * run wrote them (a stale screenshot of last week is not this run's). Call it from `runCommand`.
 */
export function markRunStart(ctx: AdapterContext): void {
  writeFileSync(join(ctx.reportDir, RUN_START_MARKER), '');
}

/**
 * Lists the artifacts of a run on its reports: those the framework named (Playwright's
 * attachments, already on the reports) and the files the plan's `artifacts` globs (relative to
 * cwd) match that the run wrote. Files larger than `artifacts_max_mb` (default 50) are left out.
 *
 * A globbed file goes to the report whose title appears in its path (frameworks name per-test
 * output after the test: `login-fails.png`, `test-results/cart-adds-chromium/`), the most
 * specific title winning; a file no title ties to goes to the first failed or errored report,
 * else the first report. Each report keeps at most 100 artifacts.
 */
export async function attachArtifacts(ctx: AdapterContext, reports: TestReport[]): Promise<TestReport[]> {
  const maxBytes = maxArtifactBytes(ctx.options);
  for (const report of reports) {
    if (report.artifacts === undefined) continue;
    report.artifacts = (
      await Promise.all(report.artifacts.map(async (a) => ((await sizeOf(a.path)) <= maxBytes ? a : undefined)))
    ).filter((a): a is TestArtifact => a !== undefined);
  }
  const globs = stringListOption(ctx.options, 'artifacts', []);
  if (globs.length === 0 || reports.length === 0) return capped(reports);
  const since = runStart(ctx);
  for (const file of await findFiles(ctx.cwd, globs)) {
    const path = join(ctx.cwd, file);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || info.size > maxBytes || (since !== undefined && info.mtimeMs < since)) continue;
    const owner = ownerOf(file, reports);
    owner.artifacts = [...(owner.artifacts ?? []), { path, name: file, contentType: contentTypeOf(file) }];
  }
  return capped(reports);
}

function maxArtifactBytes(options: Record<string, unknown>): number {
  const value = options.artifacts_max_mb ?? DEFAULT_MAX_MB;
  if (typeof value !== 'number' || !(value > 0))
    throw new AdapterError('bad_options', 'options.artifacts_max_mb: expected a positive number of megabytes');
  return value * 1024 * 1024;
}

function runStart(ctx: AdapterContext): number | undefined {
  try {
    // File systems stamp with coarser clocks than Date.now(); a second of slack keeps early files.
    return statSync(join(ctx.reportDir, RUN_START_MARKER)).mtimeMs - 1000;
  } catch {
    return undefined;
  }
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then(
    (s) => (s.isFile() ? s.size : Number.POSITIVE_INFINITY),
    () => Number.POSITIVE_INFINITY,
  );
}

function ownerOf(file: string, reports: TestReport[]): TestReport {
  const haystack = slug(file);
  let best: TestReport | undefined;
  let bestLength = 0;
  for (const report of reports) {
    const title = slug(report.path.at(-1) ?? '');
    if (title.length >= 3 && title.length > bestLength && haystack.includes(title)) {
      best = report;
      bestLength = title.length;
    }
  }
  return best ?? reports.find((r) => r.outcome === 'failed' || r.outcome === 'errored') ?? (reports[0] as TestReport);
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

// Within the agent protocol's limits (TestReportSchema): a longer path cannot be named at all.
function capped(reports: TestReport[]): TestReport[] {
  for (const r of reports) {
    if (r.artifacts === undefined) continue;
    r.artifacts = r.artifacts
      .filter((a) => a.path.length <= 4000)
      .map((a) => (a.name.length > 500 ? { ...a, name: a.name.slice(-500) } : a));
    if (r.artifacts.length === 0) delete r.artifacts;
    else if (r.artifacts.length > MAX_ARTIFACTS_PER_TEST) r.artifacts = r.artifacts.slice(0, MAX_ARTIFACTS_PER_TEST);
  }
  return reports;
}
