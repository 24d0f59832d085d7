import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, connectionFrom } from '../api-client.js';
import { CliError } from '../cli-error.js';
import { connectionOptions, type Output } from '../output.js';

interface ApplyOutcome {
  project: string;
  dry_run: boolean;
  changes: { kind: string; name: string; action: string }[];
}

export function applyCommand(program: Command, out: Output): void {
  connectionOptions(
    program
      .command('apply')
      .description('Create or update the environments and plans of a proctor.yaml, all or nothing')
      .requiredOption('-f, --file <path>', 'the plan file, or - for standard input')
      .option('--dry-run', 'validate and show what would change, change nothing')
      .addHelpText('after', '\nExample:\n  proctor apply -f proctor.yaml --dry-run'),
  ).action(async (opts: { file: string; dryRun?: boolean; server?: string; token?: string }) => {
    let text: string;
    try {
      text = readFileSync(opts.file === '-' ? 0 : opts.file, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read ${opts.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const api = new ApiClient(connectionFrom(opts, process.env));
    const res = await api.post<ApplyOutcome>(`/api/v1/apply${opts.dryRun ? '?dry_run=true' : ''}`, text);
    out.line(`${res.dry_run ? 'Would apply' : 'Applied'} ${opts.file} to project ${res.project}:`);
    for (const c of res.changes) out.line(`  ${c.kind} ${c.name}: ${c.action}`);
  });
}
