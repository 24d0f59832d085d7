import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  Adapter,
  AdapterContext,
  DiscoveredScenario,
  ScenarioRef,
  SuiteReport,
  TestReport,
} from '../../src/adapters/types.js';
import { runCommand } from './run-command.js';

/** A fresh adapter context on `cwd` with its own report directory. */
export async function adapterContext(
  cwd: string,
  options: Record<string, unknown> = {},
  env: Record<string, string> = {},
): Promise<AdapterContext> {
  return { cwd, reportDir: await mkdtemp(join(tmpdir(), 'proctor-adapter-')), env, options };
}

/** Discovers the scenarios of `ctx.cwd` the way the agent does. */
export async function discoverWith(adapter: Adapter, ctx: AdapterContext): Promise<DiscoveredScenario[]> {
  const spec = adapter.discoverCommand(ctx);
  return adapter.parseDiscovery(ctx, spec === null ? null : await runCommand(spec, 120_000));
}

/** Runs `scenarios` the way the agent does; the output and context are returned for inspection. */
export async function runWith(
  adapter: Adapter,
  ctx: AdapterContext,
  scenarios: ScenarioRef[],
): Promise<{ reports: TestReport[]; stdout: string; stderr: string }> {
  const output = await runCommand(adapter.runCommand(ctx, scenarios), 120_000);
  return { reports: await adapter.parseRun(ctx, scenarios, output), stdout: output.stdout, stderr: output.stderr };
}

/** Runs the whole suite the way the agent does for a discovery offered to run it (see queue/suite-run.ts). */
export async function suiteWith(adapter: Adapter, ctx: AdapterContext): Promise<SuiteReport> {
  if (!adapter.suiteCommand || !adapter.parseSuite) throw new Error(`${adapter.framework} cannot run a whole suite`);
  return adapter.parseSuite(ctx, await runCommand(adapter.suiteCommand(ctx), 120_000));
}

/**
 * Each report's scenario result as the server records it without plan retries: a pass after
 * framework retries is flaky, an errored test failed.
 */
export function resultsByKey(reports: readonly TestReport[]): Record<string, string> {
  return Object.fromEntries(
    reports.map((r) => [
      r.key,
      r.outcome === 'passed' && (r.retries ?? 0) > 0 ? 'flaky' : r.outcome === 'errored' ? 'failed' : r.outcome,
    ]),
  );
}

/** Awaits `promise` and returns what it rejected with (or fails when it resolved). */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}
