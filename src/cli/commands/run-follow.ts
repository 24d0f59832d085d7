import type { Command } from 'commander';
import type { Run } from '../../protocol/api.js';
import { parseDuration } from '../../domain/duration.js';
import { CONFIGURATION_REASONS } from '../../protocol/agent-api.js';
import { listOf } from '../answer-shape.js';
import type { ApiClient } from '../api-client.js';
import { CliError, EXIT } from '../cli-error.js';
import { jsonReporter } from '../follow-json.js';
import { plainReporter } from '../follow-plain.js';
import { ttyReporter } from '../follow-tty.js';
import { annotations, appendStepSummary, inGitHubActions, stepSummary } from '../github-actions.js';
import { askYesNo, interruptSignal } from '../interrupt.js';
import type { Output } from '../output.js';
import { writeReportFiles, type ReportFile } from '../report-files.js';
import { withRetry } from '../retry.js';
import { exitCodeOf } from '../run-verdict.js';
import { watchRun, type FollowEvent } from '../run-watch.js';

/** Flags of every command that can follow a run (`run`, `rerun`). */
export interface FollowFlags {
  wait?: boolean;
  timeout?: string;
  json?: boolean;
  failOnFlaky?: boolean;
  cancelOnInterrupt?: boolean;
  junit?: string;
  ctrf?: string;
  retryFor?: string;
  pollInterval?: string;
}

export const EXIT_CODES_HELP = `Exit codes (with --wait):
  0    all passed (flaky counts as passed unless --fail-on-flaky)
  1    tests failed
  2    usage or configuration error (bad flag, missing token, refused key, a plan whose workdir,
       options or framework the agent cannot use)
  3    timed out (--timeout, or the run's own run_timeout)
  4    infrastructure error (server unreachable after --retry-for, an answer that is not
       Proctor's, run aborted by the system)
  130  interrupted (Ctrl-C)`;

export function followOptions(cmd: Command): Command {
  return cmd
    .option('--wait', 'follow the run to its verdict and exit with its code (implied by --junit, --ctrf)')
    .option('--timeout <duration>', 'with --wait: stop following after this long and exit 3, e.g. 30m')
    .option('--json', 'one JSON object per line per event on stdout, nothing else')
    .option('--fail-on-flaky', 'exit 1 when any scenario passed only on a retry')
    .option('--cancel-on-interrupt', 'without a terminal (CI): cancel the remote run on Ctrl-C / SIGINT')
    .option('--junit <file>', 'at the end, write the results as JUnit XML')
    .option('--ctrf <file>', 'at the end, write the results as CTRF JSON')
    .option('--retry-for <duration>', 'keep retrying an unreachable server this long before exit 4', '2m')
    .option('--poll-interval <duration>', 'how often to ask the server', '1s');
}

function duration(flag: string, value: string | undefined): number | null {
  if (value === undefined) return null;
  const ms = parseDuration(value);
  if (ms === null) throw new CliError(`${flag} "${value}": expected a duration like "30m" or "90s"`);
  return ms;
}

/** Checks the follow flags before anything is triggered, so a typo costs no run. */
export function checkFollowFlags(flags: FollowFlags): void {
  duration('--timeout', flags.timeout);
  duration('--retry-for', flags.retryFor);
  duration('--poll-interval', flags.pollInterval);
}

/**
 * Whether a run the system aborted ended because of its configuration: one of its jobs errored for
 * a reason that says the plan or the agent's setup is wrong (a workdir that does not exist, a
 * missing framework), which retrying will not mend.
 */
async function configurationCause(api: ApiClient, runId: number): Promise<boolean> {
  const { items } = await api.get(
    `/api/v1/runs/${runId}/jobs`,
    listOf<{ status: string; end_reason: string | null }>(),
  );
  return items.some(
    (j) => j.status === 'errored' && (CONFIGURATION_REASONS as readonly string[]).includes(j.end_reason ?? ''),
  );
}

/** Whether stdout is a person's terminal: the live view; otherwise (a pipe, CI=true) plain lines. */
export function interactive(env: NodeJS.ProcessEnv): boolean {
  return process.stdout.isTTY === true && !(env.CI && env.CI !== 'false');
}

function reporterFor(flags: FollowFlags, out: Output, env: NodeJS.ProcessEnv): (e: FollowEvent) => void {
  if (flags.json) return jsonReporter(out);
  if (interactive(env))
    return ttyReporter(
      (t) => process.stdout.write(t),
      () => process.stdout.columns ?? 80,
    );
  return plainReporter(out);
}

/**
 * Reports a triggered run and, with `--wait`, follows it to its end: reports, GitHub annotations and
 * summary, and the exit code (see EXIT_CODES_HELP).
 */
export async function followRun(
  api: ApiClient,
  run: Run,
  flags: FollowFlags,
  out: Output,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const emit = reporterFor(flags, out, env);
  const triggered = { type: 'triggered' as const, run, url: api.pageUrl(`/runs/${run.id}`) };
  if (!flags.wait && !flags.junit && !flags.ctrf) {
    emit(triggered);
    return EXIT.PASSED;
  }
  const retryForMs = duration('--retry-for', flags.retryFor) ?? 120_000;
  // Listening before the first line appears: a Ctrl-C from then on is ours to handle.
  const interrupt = interruptSignal();
  let end: Awaited<ReturnType<typeof watchRun>>;
  try {
    emit(triggered);
    end = await watchRun(
      api,
      run,
      {
        pollMs: duration('--poll-interval', flags.pollInterval) ?? 1000,
        timeoutMs: duration('--timeout', flags.timeout),
        retryForMs,
        allRows: !flags.json && interactive(env),
        signal: interrupt.signal,
      },
      emit,
    );
  } finally {
    interrupt.dispose();
  }
  if (end.end === 'interrupted') {
    const cancel =
      interactive(env) && !flags.json
        ? await askYesNo('\nCancel the remote run too? [y/N] ', 15_000)
        : flags.cancelOnInterrupt === true;
    if (cancel)
      await api
        .post(`/api/v1/runs/${run.id}/cancel`, {})
        .catch((e: Error) => out.error(`could not cancel run ${run.id}: ${e.message}`));
    emit({ type: 'interrupted', run: end.run, cancelled: cancel, exitCode: EXIT.INTERRUPTED });
    return EXIT.INTERRUPTED;
  }
  const retry = <T>(fn: () => Promise<T>) => withRetry(fn, { giveUpAfterMs: retryForMs });
  const files: ReportFile[] = [
    ...(flags.junit ? [{ format: 'junit' as const, path: flags.junit }] : []),
    ...(flags.ctrf ? [{ format: 'ctrf' as const, path: flags.ctrf }] : []),
  ];
  for (const path of await writeReportFiles(api, run.id, files, retry)) out.error(`wrote ${path}`);
  let exitCode = end.end === 'timed_out' ? EXIT.TIMED_OUT : exitCodeOf(end.run, flags.failOnFlaky);
  if (exitCode === EXIT.INFRASTRUCTURE && (await retry(() => configurationCause(api, run.id)))) exitCode = EXIT.USAGE;
  emit(
    end.end === 'timed_out'
      ? { type: 'timed_out', run: end.run, exitCode }
      : { type: 'finished', run: end.run, exitCode, failures: end.failures },
  );
  if (inGitHubActions(env)) {
    // Workflow commands are read from stdout and stderr; with --json stdout holds only events.
    for (const a of annotations(end.failures)) (flags.json ? out.error : out.line)(a);
    appendStepSummary(env, stepSummary(end.run, end.failures, exitCode));
  }
  return exitCode;
}
