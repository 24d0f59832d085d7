import type { Command } from 'commander';
import type { RerunBody } from '../../protocol/api.js';
import { RUN } from '../answer-shape.js';
import { ApiClient, connectionFrom } from '../api-client.js';
import { CliError } from '../cli-error.js';
import { connectionOptions, type Output } from '../output.js';
import { checkFollowFlags, EXIT_CODES_HELP, followOptions, followRun, type FollowFlags } from './run-follow.js';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `cart.test.ts > cart > totals@node` → a pair; the last `@` splits, so keys may contain `@`. */
export function parsePair(value: string): { scenario: string | number; environment: string } {
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1)
    throw new CliError(
      `--pair "${value}": expected SCENARIO@ENVIRONMENT (a scenario key or id, e.g. "cart.test.ts > cart > totals@node")`,
    );
  const scenario = value.slice(0, at);
  return { scenario: /^\d+$/.test(scenario) ? Number(scenario) : scenario, environment: value.slice(at + 1) };
}

/** `proctor rerun <run> --failed | --pair S@E …`: a new run of only those pairs, followed like `run`. */
export function rerunCommand(program: Command, out: Output): void {
  connectionOptions(
    followOptions(
      program
        .command('rerun <run>')
        .description('Rerun the failed scenarios of a run, or chosen scenario × environment pairs, as a new run')
        .option('--failed', 'rerun every failed or aborted scenario of the run')
        .option(
          '--pair <scenario@environment>',
          'rerun this scenario (key or id) in this environment (repeatable)',
          collect,
        ),
    ).addHelpText(
      'after',
      `
${EXIT_CODES_HELP}

Examples:
  proctor rerun 42 --failed --wait --junit rerun-junit.xml
  proctor rerun 42 --pair "cart.test.ts > cart > totals@node" --pair 17@chrome --wait`,
    ),
  ).action(
    async (id: string, o: { server?: string; token?: string; failed?: boolean; pair?: string[] } & FollowFlags) => {
      if (!/^\d+$/.test(id))
        throw new CliError(`run "${id}": expected a numeric run id (proctor runs list shows them)`);
      if ((o.failed === true) === (o.pair !== undefined))
        throw new CliError('pass either --failed or one or more --pair SCENARIO@ENVIRONMENT (proctor rerun --help)');
      const body: RerunBody = o.failed ? { failed: true } : { pairs: o.pair!.map(parsePair) };
      checkFollowFlags(o);
      const api = new ApiClient(connectionFrom(o, process.env));
      const run = await api.post(`/api/v1/runs/${id}/rerun`, body, {}, RUN);
      process.exitCode = await followRun(api, run, o, out, process.env);
    },
  );
}
