import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { parse } from 'yaml';
import { Agent } from './agent/agent.js';
import { AgentClient } from './agent/http-client.js';
import { applyPlanFile } from './server/apply-plan-file.js';
import { loadConfig, type ServerConfig } from './server/config.js';
import { HEARTBEAT_MS } from './server/routes/agent.js';
import { startServer, type RunningServer, type StartOptions } from './server/start.js';
import { registerAgent } from './storage/agents.js';
import { listApiKeys } from './storage/api-keys.js';

/** The package's own folder, where `examples/` lives whether run from a clone or an install. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface Proctor {
  server: RunningServer;
  agent: Agent | null;
  close(): Promise<void>;
}

/**
 * `proctor serve`: the server, and unless disabled an embedded agent that talks to it over HTTP like
 * any remote agent. With `demo`, the example project is applied as well.
 */
export async function serve(config: ServerConfig, logger: Logger, opts: StartOptions = {}): Promise<Proctor> {
  const server = await startServer(config, logger, { webRoot: join(PACKAGE_ROOT, 'dist', 'web'), ...opts });
  let agent: Agent | null = null;
  try {
    if (config.demo) await applyDemo(server, logger);
    if (config.localAgent) {
      const { token } = await registerAgent(server.store.db, { name: `local@${hostname()}`, labels: config.localLabels, slots: config.localSlots }, server.queue.clock());
      const client = new AgentClient({ server: server.url, token, retryForMs: 30_000 });
      agent = new Agent({ client, slots: config.localSlots, workRoot: config.workdir, logger: logger.child({ component: 'local-agent' }), heartbeatMs: HEARTBEAT_MS });
      agent.start();
    }
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    server,
    agent,
    async close() {
      await agent?.stop(0);
      await server.close();
    },
  };
}

/** Applies `examples/demo/proctor.yaml` with its workdirs made absolute, so any cwd works. */
async function applyDemo(server: RunningServer, logger: Logger): Promise<void> {
  const file = join(PACKAGE_ROOT, 'examples', 'demo', 'proctor.yaml');
  const doc = parse(readFileSync(file, 'utf8')) as { plans?: Record<string, { workdir?: string }> };
  for (const plan of Object.values(doc.plans ?? {})) {
    if (plan.workdir && !isAbsolute(plan.workdir)) plan.workdir = join(PACKAGE_ROOT, 'examples', 'demo', plan.workdir);
  }
  // The demo is applied as the first live admin key, the identity every fresh install has.
  const adminKey = (await listApiKeys(server.store.db)).find((k) => k.revokedAt === null && k.authorities.includes('ADMIN'));
  if (!adminKey) return;
  const outcome = await applyPlanFile(server.store, adminKey, { document: doc }, { dryRun: false, now: server.queue.clock() });
  logger.info({ project: outcome.project, changes: outcome.changes.filter((c) => c.action !== 'unchanged').length }, 'demo project applied');
}

/** What `proctor serve` prints once it is up: where it is, how to get in, how to try it. */
export function banner(p: Proctor, config: ServerConfig): string {
  const { url, admin, store } = p.server;
  const token = admin?.token;
  const shownToken = token ?? '$PROCTOR_TOKEN';
  const lines = [
    '',
    `Proctor is running at ${url}`,
    `  API docs     ${url}/api/docs`,
    `  Database     ${store.location} (${store.cap.name === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
    `  Local agent  ${p.agent ? `${config.localSlots} slot(s), labels ${config.localLabels.join(',')}, workdir ${config.workdir}` : 'disabled'}`,
  ];
  if (admin?.created && !config.adminToken) lines.push(`  Admin key    ${admin.token}   (shown once: keep it)`);
  else if (!token) lines.push('  Admin key    printed at the first start; or restart with PROCTOR_ADMIN_TOKEN');
  if (config.demo) {
    lines.push(
      '',
      'Trigger the demo plan and read its results:',
      `  curl -s -X POST -H "Authorization: Bearer ${shownToken}" -H "content-type: application/json" -d '{}' ${url}/api/v1/plans/demo-vitest/runs`,
      `  curl -s -H "Authorization: Bearer ${shownToken}" ${url}/api/v1/runs/<id>/results`,
    );
  }
  return `${lines.join('\n')}\n`;
}

export function makeLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid } });
}

export { loadConfig };
