import { chmodSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { parse } from 'yaml';
import { Agent } from './agent/agent.js';
import { AgentClient } from './agent/http-client.js';
import { embeddedJobEnvironment } from './agent/job-environment.js';
import { plural } from './domain/plural.js';
import { lookUpUser, type JobSandbox } from './agent/job-sandbox.js';
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
  const sandbox = config.localAgent ? localAgentSandbox(config, process.env) : null;
  keepPrivate(config.dataDir);
  const server = await startServer(config, logger, { webRoot: join(PACKAGE_ROOT, 'dist', 'web'), ...opts });
  let agent: Agent | null = null;
  try {
    if (config.demo) await applyDemo(server, logger);
    if (sandbox) {
      const { token } = await registerAgent(
        server.store.db,
        { name: `local@${hostname()}`, labels: config.localLabels, slots: config.localSlots, projectIds: null },
        server.queue.clock(),
      );
      const client = new AgentClient({ server: server.url, token, retryForMs: 30_000 });
      agent = new Agent({
        client,
        slots: config.localSlots,
        workRoot: config.workdir,
        sandbox,
        discoveryReuse: config.localDiscoveryReuse,
        logger: logger.child({ component: 'local-agent' }),
        heartbeatMs: HEARTBEAT_MS,
      });
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

/** A setting `proctor serve` cannot work with; `main` reports it as a usage error (exit 2), in one line. */
export class SetupError extends Error {}

/**
 * The embedded agent runs inside the server: its jobs start from a few harmless variables of the
 * server's environment (never its secrets), work inside `--workdir` (or Proctor's own examples)
 * but never in the data directory, and, with `--local-agent-user`, run as that user.
 */
export function localAgentSandbox(config: ServerConfig, env: NodeJS.ProcessEnv): JobSandbox {
  // Proctor's own example suites are always at hand (the demo's plans and the README's point at them).
  const roots = [config.workdir, join(PACKAGE_ROOT, 'examples')];
  const base = embeddedJobEnvironment(env, config.localAgentEnv);
  if (!config.localAgentUser) return { env: base, roots, forbidden: [config.dataDir] };
  let user: ReturnType<typeof lookUpUser>;
  try {
    user = lookUpUser(config.localAgentUser);
  } catch (e) {
    throw new SetupError(`--local-agent-user: ${(e as Error).message}`);
  }
  if (process.getuid?.() !== 0 && process.getuid?.() !== user.uid) {
    throw new SetupError(
      `--local-agent-user ${user.name}: the server must run as root to start jobs as another user; run it as root, or run \`proctor agent\` as ${user.name} instead`,
    );
  }
  return {
    env: { ...base, HOME: user.home, USER: user.name, LOGNAME: user.name },
    roots,
    forbidden: [config.dataDir],
    user,
  };
}

/** The data directory holds the database, keys' hashes and blobs: only the server's user may enter it. */
function keepPrivate(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (statSync(dataDir).uid === process.getuid?.()) chmodSync(dataDir, 0o700);
}

/** Applies `examples/demo/proctor.yaml` with its workdirs made absolute, so any cwd works. */
async function applyDemo(server: RunningServer, logger: Logger): Promise<void> {
  const file = join(PACKAGE_ROOT, 'examples', 'demo', 'proctor.yaml');
  const doc = parse(readFileSync(file, 'utf8')) as { plans?: Record<string, { workdir?: string }> };
  for (const plan of Object.values(doc.plans ?? {})) {
    if (plan.workdir && !isAbsolute(plan.workdir)) plan.workdir = join(PACKAGE_ROOT, 'examples', 'demo', plan.workdir);
  }
  // The demo is applied as the first live admin key, the identity every fresh install has.
  const adminKey = (await listApiKeys(server.store.db)).find(
    (k) => k.revokedAt === null && k.authorities.includes('ADMIN'),
  );
  if (!adminKey) return;
  const outcome = await applyPlanFile(
    server.store,
    adminKey,
    { document: doc },
    { dryRun: false, now: server.queue.clock() },
  );
  logger.info(
    { project: outcome.project, changes: outcome.changes.filter((c) => c.action !== 'unchanged').length },
    'demo project applied',
  );
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
    `  Local agent  ${p.agent ? `${plural(config.localSlots, 'slot')}, labels ${config.localLabels.join(',')}, workdir ${config.workdir}` : 'disabled'}`,
  ];
  if (p.agent) {
    lines.push(
      config.localAgentUser
        ? `               runs plans as ${config.localAgentUser}, who cannot read the server's data`
        : `               runs plans as ${userInfo().username}, the server's own user: only for plan authors you trust (--local-agent-user)`,
    );
  }
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
