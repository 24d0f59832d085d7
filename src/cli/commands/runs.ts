import type { Command } from 'commander';
import { formatDuration } from '../../domain/duration.js';
import { plural } from '../../domain/plural.js';
import { endedText } from '../follow-format.js';
import { listOf, PLAN, RUN } from '../answer-shape.js';
import { ApiClient, connectionFrom } from '../api-client.js';
import { CliError } from '../cli-error.js';
import { connectionOptions, table, type Output } from '../output.js';
import { runSummary as summary } from '../run-verdict.js';
import { checkFollowFlags, EXIT_CODES_HELP, followOptions, followRun, type FollowFlags } from './run-follow.js';

type Conn = { server?: string; token?: string };
const collect = (v: string, prev: string[] = []) => [...prev, v];

export function runCommands(program: Command, out: Output): void {
  connectionOptions(
    followOptions(
      program
        .command('run <plan>')
        .description('Trigger a run of a plan (by name or id) and, with --wait, follow it to its verdict')
        .option('--env <name>', 'run only on this environment (repeatable)', collect)
        .option('--scenario <key>', 'run only this scenario key or file (repeatable)', collect)
        .option('--ref <ref>', 'git ref under test')
        .option('--build <number>', 'build number of the pipeline')
        .option('--param <k=v>', 'parameter handed to the tests as an environment variable (repeatable)', collect)
        .option('--priority <n>', 'queue priority, -100..100')
        .option('--profile <name>', 'a profile the plan declares (fast, deep, …)')
        .option('--idempotency-key <key>', 'a retried trigger with the same key returns the same run'),
    ).addHelpText(
      'after',
      `
Following: in a terminal a live view (progress, counts per environment, failures as they happen);
otherwise (a pipe, CI=true) one line per event; --json one JSON object per line. An unreachable
server is retried for --retry-for and the view resumes where it was. Ctrl-C in a terminal asks
whether to cancel the remote run; in CI only --cancel-on-interrupt cancels it.
In GitHub Actions, failures become ::error annotations and a summary goes to $GITHUB_STEP_SUMMARY.

${EXIT_CODES_HELP}

Examples:
  proctor run unit --wait
  proctor run unit --env chrome --build "$CI_BUILD" --wait --timeout 30m --junit proctor-junit.xml
  proctor run unit --wait --json | jq -c 'select(.event == "failed") | .result.scenario.key'`,
    ),
  ).action(
    async (
      plan: string,
      o: Conn &
        FollowFlags & {
          env?: string[];
          scenario?: string[];
          ref?: string;
          build?: string;
          param?: string[];
          priority?: string;
          profile?: string;
          idempotencyKey?: string;
        },
    ) => {
      const parameters: Record<string, string> = {};
      for (const p of o.param ?? []) {
        const i = p.indexOf('=');
        if (i <= 0) throw new CliError(`--param "${p}": expected NAME=value`);
        parameters[p.slice(0, i)] = p.slice(i + 1);
      }
      if (o.priority !== undefined && !/^-?\d+$/.test(o.priority))
        throw new CliError(`--priority "${o.priority}": expected a whole number from -100 to 100`);
      checkFollowFlags(o);
      const api = new ApiClient(connectionFrom(o, process.env));
      const body = {
        ...(o.env ? { environments: o.env } : {}),
        ...(o.scenario ? { scenarios: o.scenario } : {}),
        ...(o.ref ? { ref: o.ref } : {}),
        ...(o.build ? { build: o.build } : {}),
        ...(o.param ? { parameters } : {}),
        ...(o.priority !== undefined ? { priority: Number(o.priority) } : {}),
        ...(o.profile ? { profile: o.profile } : {}),
      };
      const run = await api.post(
        `/api/v1/plans/${encodeURIComponent(plan)}/runs`,
        body,
        o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {},
        RUN,
      );
      process.exitCode = await followRun(api, run, o, out, process.env);
    },
  );

  connectionOptions(
    program
      .command('status <run>')
      .description('Show the status, result and counts of a run')
      .option('--json', 'print the run as JSON')
      .addHelpText('after', '\nExamples:\n  proctor status 42\n  proctor status 42 --json | jq .counts'),
  ).action(async (id: string, o: Conn & { json?: boolean }) => {
    const run = await new ApiClient(connectionFrom(o, process.env)).get(`/api/v1/runs/${encodeURIComponent(id)}`, RUN);
    out.line(o.json ? JSON.stringify(run) : summary(run));
    if (!o.json && run.duration_ms !== null)
      out.line(`took ${formatDuration(run.duration_ms)}${run.ended_by ? `, ${endedText(run)}` : ''}`);
  });

  connectionOptions(
    program
      .command('cancel <run>')
      .description('Cancel a queued or running run; its running jobs are stopped')
      .addHelpText('after', '\nExample:\n  proctor cancel 42'),
  ).action(async (id: string, o: Conn) => {
    if (!/^\d+$/.test(id)) throw new CliError(`run "${id}": expected a numeric run id (proctor runs list shows them)`);
    const api = new ApiClient(connectionFrom(o, process.env));
    const run = await api.post(`/api/v1/runs/${id}/cancel`, {}, {}, RUN);
    out.line(
      `Cancelled run ${run.id} of plan ${run.plan.name}${run.counts.running > 0 ? `; stopping ${plural(run.counts.running, 'running scenario')}` : ''}: ${api.pageUrl(`/runs/${run.id}`)}`,
    );
  });

  const runs = program.command('runs').description('List runs');
  connectionOptions(
    runs
      .command('list')
      .description('List recent runs, newest first')
      .option('--plan <plan>', 'only this plan')
      .option('--limit <n>', 'how many', '20')
      .addHelpText('after', '\nExample:\n  proctor runs list --plan unit --limit 5'),
  ).action(async (o: Conn & { plan?: string; limit: string }) => {
    const api = new ApiClient(connectionFrom(o, process.env));
    const q = new URLSearchParams({ limit: o.limit, ...(o.plan ? { plan: o.plan } : {}) });
    const res = await api.get(`/api/v1/runs?${q}`, listOf(RUN));
    const rows = [['ID', 'PLAN', 'STATUS', 'RESULT', 'PASSED', 'FAILED', 'TOTAL', 'CREATED']];
    for (const r of res.items)
      rows.push([
        String(r.id),
        r.plan.name,
        r.status,
        r.result ?? '-',
        String(r.counts.passed),
        String(r.counts.failed),
        String(r.counts.total),
        r.created_at,
      ]);
    for (const l of table(rows)) out.line(l);
  });

  const plans = program.command('plans').description('List plans');
  connectionOptions(
    plans.command('list').description('List plans').addHelpText('after', '\nExample:\n  proctor plans list'),
  ).action(async (o: Conn) => {
    const res = await new ApiClient(connectionFrom(o, process.env)).get('/api/v1/plans', listOf(PLAN));
    const rows = [['ID', 'NAME', 'FRAMEWORK', 'ENVIRONMENTS']];
    for (const p of res.items)
      rows.push([String(p.id), p.name, p.definition.framework, p.definition.environments.join(',')]);
    for (const l of table(rows)) out.line(l);
  });
}
