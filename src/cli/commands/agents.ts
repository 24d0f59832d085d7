import type { Command } from 'commander';
import type { AgentView } from '../../protocol/agent-view.js';
import type { RegistrationTokenView as TokenView } from '../../protocol/resource-views.js';
import { listOf } from '../answer-shape.js';
import { ApiClient, connectionFrom } from '../api-client.js';
import { collect, connectionOptions, table, type Output } from '../output.js';

type Conn = { server?: string; token?: string };

/** `proctor agents …`: registration tokens for new machines, and the agents that are connected. */
export function agentsCommand(program: Command, out: Output): void {
  const agents = program.command('agents').description('List agents and manage the tokens machines register with');

  connectionOptions(
    agents
      .command('list')
      .description('Agents with their labels, slots in use and current jobs')
      .addHelpText('after', '\nExample:\n  proctor agents list'),
  ).action(async (o: Conn) => {
    const res = await new ApiClient(connectionFrom(o, process.env)).get('/api/v1/agents', listOf<AgentView>());
    const rows = [['ID', 'NAME', 'STATE', 'LABELS', 'PROJECTS', 'SLOTS', 'JOBS']];
    for (const a of res.items) {
      rows.push([
        String(a.id),
        a.name,
        a.live ? 'live' : a.status,
        a.labels.join(',') || '-',
        a.project_ids?.join(',') ?? 'all',
        `${a.busy_slots}/${a.slots}`,
        a.jobs.map((j) => `run ${j.run_id}/job ${j.job_id}${j.lookahead ? ' (next)' : ''}`).join(' ') || '-',
      ]);
    }
    for (const l of table(rows)) out.line(l);
  });

  const token = agents.command('token').description('Registration tokens (need an ADMIN key)');
  connectionOptions(
    token
      .command('create')
      .description('Create a token agents register with; it is printed once')
      .option('--name <name>', 'what or whom it is for', 'agents')
      .option('--expires <duration>', 'stop accepting it after this long, e.g. 24h (default: until revoked)')
      .option(
        '--project <list>',
        "agents it registers claim only these projects' jobs (default: all, or your key's projects)",
        collect,
      )
      .addHelpText(
        'after',
        '\nExample:\n  proctor agents token create --name ci-runners --expires 720h\n  proctor agent --server "$PROCTOR_URL" --token <printed token> --labels chromium,linux',
      ),
  ).action(async (o: Conn & { name: string; expires?: string; project?: string[] }) => {
    const api = new ApiClient(connectionFrom(o, process.env));
    const body = {
      name: o.name,
      ...(o.expires ? { expires_in: o.expires } : {}),
      ...(o.project ? { projects: o.project } : {}),
    };
    const res = await api.post<{ token: TokenView; secret: string }>('/api/v1/agents/tokens', body);
    const scope = res.token.project_ids ? `, for project id(s) ${res.token.project_ids.join(', ')}` : '';
    out.line(
      `Created registration token ${res.token.id} (${res.token.prefix})${res.token.expires_at ? `, valid until ${res.token.expires_at}` : ''}${scope}.`,
    );
    out.line(`Token (shown once): ${res.secret}`);
  });

  connectionOptions(
    token
      .command('list')
      .description('List registration tokens (never their secrets)')
      .addHelpText('after', '\nExample:\n  proctor agents token list'),
  ).action(async (o: Conn) => {
    const res = await new ApiClient(connectionFrom(o, process.env)).get('/api/v1/agents/tokens', listOf<TokenView>());
    const rows = [['ID', 'PREFIX', 'NAME', 'PROJECTS', 'EXPIRES', 'STATE']];
    for (const t of res.items)
      rows.push([
        String(t.id),
        t.prefix,
        t.name,
        t.project_ids?.join(',') ?? 'all',
        t.expires_at ?? 'never',
        t.revoked_at ? 'revoked' : 'live',
      ]);
    for (const l of table(rows)) out.line(l);
  });

  connectionOptions(
    token
      .command('revoke <id>')
      .description('Revoke a registration token (registered agents keep working)')
      .addHelpText('after', '\nExample:\n  proctor agents token revoke 2'),
  ).action(async (id: string, o: Conn) => {
    const t = await new ApiClient(connectionFrom(o, process.env)).request<TokenView>(
      'DELETE',
      `/api/v1/agents/tokens/${encodeURIComponent(id)}`,
    );
    out.line(`Revoked registration token ${t.id} (${t.prefix}).`);
  });
}
