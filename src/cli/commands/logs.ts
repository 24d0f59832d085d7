import type { Command } from 'commander';
import type { JobView } from '../../protocol/resource-views.js';
import { listOf, RUN } from '../answer-shape.js';
import { ApiClient, connectionFrom } from '../api-client.js';
import { CliError } from '../cli-error.js';
import { plural } from '../../domain/plural.js';
import { stripAnsi } from '../follow-format.js';
import { connectionOptions, type Output } from '../output.js';
import { sleep, withRetry } from '../retry.js';
import { isRunOver } from '../run-verdict.js';

/** `==> job 7 (execute, node, 3 scenarios, completed; attempt 2, a retry: attempt 1 lost) <==`. */
function header(job: JobView): string {
  const last = job.attempts.at(-1);
  const earlier = job.attempts
    .slice(0, -1)
    .map((a) => `attempt ${a.attempt} ${a.status}${a.end_reason ? ` (${a.end_reason})` : ''}`);
  const attempt = last && last.attempt > 1 ? `; attempt ${last.attempt}, a retry: ${earlier.join(', ')}` : '';
  return `==> job ${job.id} (${job.kind}, ${job.environment}, ${plural(job.scenario_count, 'scenario')}, ${job.status}${attempt}) <==`;
}

/**
 * Prints one job's log from offset 0; with `follow`, keeps asking for what was added until the
 * server says the attempt ended (`x-log-complete: true`), resuming from `x-log-next-offset`.
 * Returns false when the job has no attempt yet.
 */
async function printLog(
  api: ApiClient,
  runId: string,
  jobId: number,
  follow: boolean,
  write: (t: string) => void,
  header = () => {},
): Promise<boolean> {
  let offset = 0;
  const retry = <T>(fn: () => Promise<T>) => withRetry(fn, { giveUpAfterMs: 120_000 });
  for (let first = true; ; first = false) {
    let answer: { text: string; headers: Headers };
    try {
      answer = await retry(() => api.raw('GET', `/api/v1/runs/${runId}/jobs/${jobId}/log?offset=${offset}`));
    } catch (e) {
      if (first && e instanceof CliError && /no such attempt/.test(e.message)) return false;
      throw e;
    }
    if (first) header();
    write(answer.text);
    offset = Number(answer.headers.get('x-log-next-offset') ?? offset + answer.text.length);
    if (!follow || answer.headers.get('x-log-complete') === 'true') return true;
    await sleep(1000);
  }
}

/** `proctor logs <run> [--job ID] [--follow]`: the framework output of a run's jobs. */
export function logsCommand(program: Command, out: Output): void {
  connectionOptions(
    program
      .command('logs <run>')
      .description("Print the logs of a run's jobs (the framework process output), or follow them live")
      .option('--job <id>', 'only this job (proctor logs RUN lists the jobs in its headers)')
      .option(
        '--follow',
        'keep printing until the job ends; with no --job, follow every job in turn until the run ends',
      )
      .addHelpText('after', '\nExamples:\n  proctor logs 42\n  proctor logs 42 --job 7 --follow'),
  ).action(async (runId: string, o: { server?: string; token?: string; job?: string; follow?: boolean }) => {
    if (!/^\d+$/.test(runId)) throw new CliError(`run "${runId}": expected a numeric run id`);
    if (o.job !== undefined && !/^\d+$/.test(o.job)) throw new CliError(`--job "${o.job}": expected a numeric job id`);
    const api = new ApiClient(connectionFrom(o, process.env));
    // Frameworks color their output: kept for a terminal, stripped for a file or a pipe.
    const write = process.stdout.isTTY
      ? (t: string) => void process.stdout.write(t)
      : (t: string) => void process.stdout.write(stripAnsi(t));
    if (o.job !== undefined) {
      while (!(await printLog(api, runId, Number(o.job), o.follow === true, write))) {
        if (!o.follow)
          throw new CliError(`job ${o.job} of run ${runId} has not started yet; pass --follow to wait for it`);
        await sleep(1000);
      }
      return;
    }
    const headerOf = (job: JobView) => () => out.line(header(job));
    const printed = new Set<number>();
    for (;;) {
      const { items } = await api.get(`/api/v1/runs/${runId}/jobs`, listOf<JobView>());
      for (const job of items.filter((j) => !printed.has(j.id))) {
        const header = headerOf(job);
        if (job.status === 'queued' || !(await printLog(api, runId, job.id, o.follow === true, write, header))) {
          if (o.follow) break; // in order: wait until it starts
          continue;
        }
        printed.add(job.id);
      }
      if (!o.follow) return;
      // The run is over and every job it had is printed: done (jobs of an ended run do not change).
      const run = await api.get(`/api/v1/runs/${runId}`, RUN);
      if (isRunOver(run)) {
        // A last pass without following: the ended run's remaining jobs, skipping those that never ran.
        const again = await api.get(`/api/v1/runs/${runId}/jobs`, listOf<JobView>());
        for (const job of again.items.filter((j) => !printed.has(j.id))) {
          await printLog(api, runId, job.id, false, write, headerOf(job));
        }
        return;
      }
      await sleep(1000);
    }
  });
}
