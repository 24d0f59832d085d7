import type { Command } from 'commander';
import type { Run } from '../../protocol/api.js';
import { ApiClient, connectionFrom } from '../api-client.js';
import { CliError } from '../cli-error.js';
import { connectionOptions, type Output } from '../output.js';
import { sleep, withRetry } from '../retry.js';

interface JobView {
  id: number;
  kind: string;
  environment: string;
  status: string;
  scenario_count: number;
}

/**
 * Prints one job's log from `offset`; with `follow`, keeps asking for what was added until the
 * server says the attempt ended (`x-log-complete: true`), resuming from `x-log-next-offset`.
 */
async function printLog(api: ApiClient, runId: string, jobId: number, follow: boolean, write: (t: string) => void): Promise<void> {
  let offset = 0;
  const retry = <T>(fn: () => Promise<T>) => withRetry(fn, { giveUpAfterMs: 120_000 });
  for (;;) {
    const { text, headers } = await retry(() => api.raw('GET', `/api/v1/runs/${runId}/jobs/${jobId}/log?offset=${offset}`));
    write(text);
    offset = Number(headers.get('x-log-next-offset') ?? offset + text.length);
    if (!follow || headers.get('x-log-complete') === 'true') return;
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
      .option('--follow', 'keep printing until the job ends; with no --job, follow every job in turn until the run ends')
      .addHelpText('after', '\nExamples:\n  proctor logs 42\n  proctor logs 42 --job 7 --follow'),
  ).action(async (runId: string, o: { server?: string; token?: string; job?: string; follow?: boolean }) => {
    if (!/^\d+$/.test(runId)) throw new CliError(`run "${runId}": expected a numeric run id`);
    if (o.job !== undefined && !/^\d+$/.test(o.job)) throw new CliError(`--job "${o.job}": expected a numeric job id`);
    const api = new ApiClient(connectionFrom(o, process.env));
    const write = (t: string) => void process.stdout.write(t);
    if (o.job !== undefined) return printLog(api, runId, Number(o.job), o.follow === true, write);
    const printed = new Set<number>();
    for (;;) {
      const { items } = await api.get<{ items: JobView[] }>(`/api/v1/runs/${runId}/jobs`);
      for (const job of items.filter((j) => !printed.has(j.id))) {
        if (!o.follow && job.status === 'queued') continue;
        if (o.follow && job.status === 'queued') break;
        printed.add(job.id);
        out.line(`==> job ${job.id} (${job.kind}, ${job.environment}, ${job.scenario_count} scenarios, ${job.status}) <==`);
        await printLog(api, runId, job.id, o.follow === true, write).catch((e: unknown) => {
          if (!(e instanceof CliError) || !/no such attempt/.test(e.message)) throw e;
          out.line('(no attempt yet)');
        });
      }
      if (!o.follow) return;
      const run = await api.get<Run>(`/api/v1/runs/${runId}`);
      if ((run.status === 'completed' || run.status === 'cancelled') && items.every((j) => printed.has(j.id))) {
        const again = await api.get<{ items: JobView[] }>(`/api/v1/runs/${runId}/jobs`);
        if (again.items.every((j) => printed.has(j.id))) return;
      }
      await sleep(1000);
    }
  });
}
