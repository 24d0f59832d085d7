import type { Command } from 'commander';
import type { KeyView } from '../../protocol/resource-views.js';
import { AUTHORITIES } from '../../protocol/statuses.js';
import { listOf } from '../answer-shape.js';
import { ApiClient, connectionFrom } from '../api-client.js';
import { CliError } from '../cli-error.js';
import { collect, connectionOptions, table, type Output } from '../output.js';

export function keysCommand(program: Command, out: Output): void {
  const keys = program.command('keys').description('Create, list and revoke API keys (needs an ADMIN key)');

  connectionOptions(
    keys
      .command('create')
      .description('Create an API key; its token is printed once')
      .requiredOption('--name <name>', 'what the key is for')
      .option('--authority <list>', `authorities: ${AUTHORITIES.join(', ')} (repeat or comma-separate)`, collect)
      .option('--project <list>', 'limit the key to these projects (default: all)', collect)
      .option('--user <name>', 'owner of the key (default: you)')
      .addHelpText('after', '\nExample:\n  proctor keys create --name ci --authority PLAN_READ,PLAN_RUN --project web'),
  ).action(
    async (o: {
      name: string;
      authority?: string[];
      project?: string[];
      user?: string;
      server?: string;
      token?: string;
    }) => {
      const authorities = o.authority ?? ['PLAN_READ', 'PLAN_RUN'];
      const bad = authorities.filter((a) => !(AUTHORITIES as readonly string[]).includes(a));
      if (bad.length) throw new CliError(`--authority: unknown ${bad.join(', ')}; expected ${AUTHORITIES.join(', ')}`);
      const api = new ApiClient(connectionFrom(o, process.env));
      const res = await api.post<{ key: KeyView; token: string }>('/api/v1/keys', {
        name: o.name,
        authorities,
        ...(o.project ? { projects: o.project } : {}),
        ...(o.user ? { user: o.user } : {}),
      });
      out.line(`Created key ${res.key.id} (${res.key.prefix}) with ${res.key.authorities.join(', ')}.`);
      out.line(`Token (shown once): ${res.token}`);
    },
  );

  connectionOptions(
    keys
      .command('list')
      .description('List API keys (never their secrets)')
      .addHelpText('after', '\nExample:\n  proctor keys list'),
  ).action(async (o: { server?: string; token?: string }) => {
    const api = new ApiClient(connectionFrom(o, process.env));
    const res = await api.get('/api/v1/keys', listOf<KeyView>());
    const rows = [['ID', 'PREFIX', 'NAME', 'USER', 'AUTHORITIES', 'PROJECTS', 'STATE']];
    for (const k of res.items) {
      rows.push([
        String(k.id),
        k.prefix,
        k.name,
        k.user.name,
        k.authorities.join(','),
        k.project_ids?.join(',') ?? 'all',
        k.revoked_at ? 'revoked' : 'live',
      ]);
    }
    for (const l of table(rows)) out.line(l);
  });

  connectionOptions(
    keys
      .command('revoke <id>')
      .description('Revoke an API key')
      .addHelpText('after', '\nExample:\n  proctor keys revoke 3'),
  ).action(async (id: string, o: { server?: string; token?: string }) => {
    const api = new ApiClient(connectionFrom(o, process.env));
    const k = await api.request<KeyView>('DELETE', `/api/v1/keys/${encodeURIComponent(id)}`);
    out.line(`Revoked key ${k.id} (${k.prefix}).`);
  });
}
