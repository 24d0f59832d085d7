import type { Command } from 'commander';
import { RUN } from '../answer-shape.js';
import { ApiClient, connectionFrom } from '../api-client.js';
import { CliError } from '../cli-error.js';
import { connectionOptions, type Output } from '../output.js';

/** `proctor keep RUN [--unkeep]`: retention never deletes a kept run, its logs or its artifacts. */
export function keepCommand(program: Command, out: Output): void {
  connectionOptions(
    program
      .command('keep <run>')
      .description('Keep a run: the retention policy never deletes it, its logs or its artifacts')
      .option('--unkeep', 'stop keeping it: retention treats it like any other run')
      .addHelpText('after', '\nExamples:\n  proctor keep 42\n  proctor keep 42 --unkeep'),
  ).action(async (id: string, o: { unkeep?: boolean; server?: string; token?: string }) => {
    if (!/^\d+$/.test(id)) throw new CliError(`run "${id}": expected a numeric run id (proctor runs list shows them)`);
    const api = new ApiClient(connectionFrom(o, process.env));
    const run = await api.request(o.unkeep ? 'DELETE' : 'PUT', `/api/v1/runs/${id}/keep`, undefined, {}, RUN);
    out.line(
      run.keep
        ? `Run ${run.id} of plan ${run.plan.name} is kept: retention will not delete it`
        : `Run ${run.id} of plan ${run.plan.name} is no longer kept: its project's retention policy applies`,
    );
  });
}
