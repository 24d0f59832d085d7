import type { Command } from 'commander';
import type { Run } from '../../protocol/api.js';
import { formatDuration, parseDuration } from '../../domain/duration.js';
import { ApiClient, connectionFrom } from '../api-client.js';
import { CliError, EXIT } from '../cli-error.js';
import { connectionOptions, table, type Output } from '../output.js';

type Conn = { server?: string; token?: string };
const collect = (v: string, prev: string[] = []) => [...prev, v];

function summary(r: Run): string {
  const c = r.counts;
  const verdict = r.result ?? r.status;
  return `run ${r.id} ${r.plan.name}: ${verdict} — ${c.passed} passed, ${c.failed} failed, ${c.flaky} flaky, ${c.skipped} skipped, ${c.aborted + c.stopped + c.not_executed} not run, ${c.queued + c.running} pending of ${c.total}`;
}

/** The exit code a finished run implies (see `proctor --help`). */
export function exitCodeOf(r: Run): number {
  if (r.result === 'passed') return EXIT.PASSED;
  if (r.result === 'failed') return EXIT.FAILED;
  if (r.ended_by === 'timeout') return EXIT.TIMED_OUT;
  return EXIT.INFRASTRUCTURE;
}

async function waitForRun(api: ApiClient, run: Run, out: Output, timeoutMs: number | null): Promise<Run> {
  const deadline = timeoutMs === null ? Infinity : Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const line = summary(run);
    if (line !== last) out.line(line);
    last = line;
    if (run.status === 'completed' || run.status === 'cancelled') return run;
    if (Date.now() > deadline) throw new CliError(`run ${run.id} did not finish within --timeout; it goes on on the server`, EXIT.TIMED_OUT);
    await new Promise((r) => setTimeout(r, 1000));
    run = await api.get<Run>(`/api/v1/runs/${run.id}`);
  }
}

export function runCommands(program: Command, out: Output): void {
  connectionOptions(
    program
      .command('run <plan>')
      .description('Trigger a run of a plan (by name or id) and, with --wait, follow it to its verdict')
      .option('--env <name>', 'run only on this environment (repeatable)', collect)
      .option('--scenario <key>', 'run only this scenario key or file (repeatable)', collect)
      .option('--ref <ref>', 'git ref under test')
      .option('--build <number>', 'build number of the pipeline')
      .option('--param <k=v>', 'parameter handed to the tests as an environment variable (repeatable)', collect)
      .option('--priority <n>', 'queue priority, -100..100')
      .option('--idempotency-key <key>', 'a retried trigger with the same key returns the same run')
      .option('--wait', 'wait for the verdict and exit with its code')
      .option('--timeout <duration>', 'with --wait: give up after this long (exit 3), e.g. 30m')
      .option('--json', 'print the final run as JSON')
      .addHelpText('after', '\nExample:\n  proctor run unit --env node --build "$CI_BUILD" --wait --timeout 30m'),
  ).action(async (plan: string, o: Conn & { env?: string[]; scenario?: string[]; ref?: string; build?: string; param?: string[]; priority?: string; idempotencyKey?: string; wait?: boolean; timeout?: string; json?: boolean }) => {
    const parameters: Record<string, string> = {};
    for (const p of o.param ?? []) {
      const i = p.indexOf('=');
      if (i <= 0) throw new CliError(`--param "${p}": expected NAME=value`);
      parameters[p.slice(0, i)] = p.slice(i + 1);
    }
    const timeoutMs = o.timeout === undefined ? null : parseDuration(o.timeout);
    if (o.timeout !== undefined && timeoutMs === null) throw new CliError(`--timeout "${o.timeout}": expected a duration like "30m"`);
    const api = new ApiClient(connectionFrom(o, process.env));
    const body = {
      ...(o.env ? { environments: o.env } : {}),
      ...(o.scenario ? { scenarios: o.scenario } : {}),
      ...(o.ref ? { ref: o.ref } : {}),
      ...(o.build ? { build: o.build } : {}),
      ...(o.param ? { parameters } : {}),
      ...(o.priority !== undefined ? { priority: Number(o.priority) } : {}),
    };
    let run = await api.post<Run>(`/api/v1/plans/${encodeURIComponent(plan)}/runs`, body, o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {});
    out.line(`Triggered run ${run.id} of plan ${run.plan.name}${run.unavailable_environments.length ? ` (no agent yet for: ${run.unavailable_environments.join(', ')})` : ''}`);
    if (!o.wait) {
      if (o.json) out.line(JSON.stringify(run));
      return;
    }
    run = await waitForRun(api, run, out, timeoutMs);
    if (o.json) out.line(JSON.stringify(run));
    process.exitCode = exitCodeOf(run);
  });

  connectionOptions(program.command('status <run>').description('Show the status, result and counts of a run').option('--json', 'print the run as JSON')).action(
    async (id: string, o: Conn & { json?: boolean }) => {
      const run = await new ApiClient(connectionFrom(o, process.env)).get<Run>(`/api/v1/runs/${encodeURIComponent(id)}`);
      out.line(o.json ? JSON.stringify(run) : summary(run));
      if (!o.json && run.duration_ms !== null) out.line(`took ${formatDuration(run.duration_ms)}${run.ended_by ? `, ended by ${run.ended_by}: ${run.end_reason}` : ''}`);
    },
  );

  const runs = program.command('runs').description('List runs');
  connectionOptions(runs.command('list').description('List recent runs, newest first').option('--plan <plan>', 'only this plan').option('--limit <n>', 'how many', '20')).action(
    async (o: Conn & { plan?: string; limit: string }) => {
      const api = new ApiClient(connectionFrom(o, process.env));
      const q = new URLSearchParams({ limit: o.limit, ...(o.plan ? { plan: o.plan } : {}) });
      const res = await api.get<{ items: Run[] }>(`/api/v1/runs?${q}`);
      const rows = [['ID', 'PLAN', 'STATUS', 'RESULT', 'PASSED', 'FAILED', 'TOTAL', 'CREATED']];
      for (const r of res.items) rows.push([String(r.id), r.plan.name, r.status, r.result ?? '-', String(r.counts.passed), String(r.counts.failed), String(r.counts.total), r.created_at]);
      for (const l of table(rows)) out.line(l);
    },
  );

  const plans = program.command('plans').description('List plans');
  connectionOptions(plans.command('list').description('List plans')).action(async (o: Conn) => {
    const res = await new ApiClient(connectionFrom(o, process.env)).get<{ items: { id: number; name: string; definition: { framework: string; environments: string[] } }[] }>('/api/v1/plans');
    const rows = [['ID', 'NAME', 'FRAMEWORK', 'ENVIRONMENTS']];
    for (const p of res.items) rows.push([String(p.id), p.name, p.definition.framework, p.definition.environments.join(',')]);
    for (const l of table(rows)) out.line(l);
  });
}
