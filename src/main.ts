#!/usr/bin/env node
import { hostname, availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { Agent } from './agent/agent.js';
import { AgentClient, ServerError } from './agent/http-client.js';
import { adminCommand } from './cli/commands/admin.js';
import { agentsCommand } from './cli/commands/agents.js';
import { applyCommand } from './cli/commands/apply.js';
import { keepCommand } from './cli/commands/keep.js';
import { keysCommand } from './cli/commands/keys.js';
import { loginCommand } from './cli/commands/login.js';
import { logsCommand } from './cli/commands/logs.js';
import { rerunCommand } from './cli/commands/rerun.js';
import { EXIT_CODES_HELP } from './cli/commands/run-follow.js';
import { runCommands } from './cli/commands/runs.js';
import { CliError, EXIT } from './cli/cli-error.js';
import { unexpectedErrorLine } from './cli/unexpected-error.js';
import { AppError } from './protocol/errors.js';
import { stdio } from './cli/output.js';
import { embeddedJobVariableNames } from './agent/job-environment.js';
import { banner, loadConfig, makeLogger, serve, SetupError } from './serve.js';
import { hideEnvironValues } from './server/environ-hide.js';

const VERSION = '0.1.0';

/**
 * The `proctor` binary: the one place that wires components together and touches `process`.
 */
const program = new Command('proctor')
  .description(
    'Proctor: self-hosted test plan execution. Plans as code, remote triggers, agents, per-scenario results.',
  )
  .version(VERSION)
  // Before the commands are added: they inherit it, so a usage mistake anywhere is ours to report (exit 2).
  .exitOverride()
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
${EXIT_CODES_HELP.replace('Exit codes (with --wait)', 'Exit codes of run / rerun --wait')}

Environment: PROCTOR_URL, PROCTOR_TOKEN (CLI; else the profile proctor login saves); PROCTOR_PORT, PROCTOR_DATA_DIR, PROCTOR_DATABASE_URL, PROCTOR_ADMIN_TOKEN (serve).

Examples:
  proctor serve
  proctor login --server http://127.0.0.1:4400 --token pk_…
  proctor run unit --wait --junit junit.xml`,
  );

program
  .command('serve')
  .description('Run the server with an embedded local agent (SQLite in ./.proctor unless --database-url)')
  .option('--port <port>', 'port to listen on (default: $PROCTOR_PORT or 4400)')
  .option('--host <host>', 'address to listen on (default 127.0.0.1)')
  .option('--data-dir <dir>', 'where the SQLite database lives (default: $PROCTOR_DATA_DIR or ./.proctor)')
  .option('--database-url <url>', 'postgres://… to use PostgreSQL (default: $PROCTOR_DATABASE_URL)')
  .option('--local-slots <n>', 'parallel jobs of the embedded agent (default: CPU count)')
  .option('--local-labels <list>', 'labels of the embedded agent (default: local,<platform>)')
  .option('--no-local-agent', 'run no embedded agent; jobs wait for remote agents')
  .option('--workdir <dir>', 'directory plan workdirs are resolved against (default: current directory)')
  .option(
    '--local-agent-user <user>',
    "run the embedded agent's jobs as this OS user, who cannot read the server's data (the server must run as root)",
  )
  .option(
    '--local-agent-env <names>',
    "variables of the server's environment its embedded agent's jobs also get, comma-separated",
  )
  .option(
    '--no-local-discovery-reuse',
    'the embedded agent runs every discovery, even when nothing under the workdir changed (also PROCTOR_DISCOVERY_REUSE=0)',
  )
  .option('--demo', 'apply the demo project from examples/demo')
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
  .addHelpText(
    'after',
    '\nExample:\n  proctor serve --port 4400 --local-slots 4\n  PROCTOR_DATABASE_URL=postgres://127.0.0.1/proctor proctor serve --no-local-agent',
  )
  .action(async (flags: Record<string, unknown>) => {
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig({ env: process.env, flags });
    } catch (e) {
      throw new CliError((e as Error).message, EXIT.USAGE);
    }
    const logger = makeLogger(config.logLevel);
    const proctor = await serve(config, logger).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') {
        // npm names the script it runs: under `npm start` a flag needs npm's `--` to reach us.
        const how =
          process.env.npm_lifecycle_event === 'start'
            ? 'npm start -- --port N or PROCTOR_PORT=N npm start'
            : '--port N or PROCTOR_PORT=N';
        throw new CliError(
          `port ${config.port} is in use: stop the other server, or choose another port with ${how}`,
          EXIT.USAGE,
        );
      }
      if (e instanceof SetupError || e instanceof AppError) throw new CliError(e.message, EXIT.USAGE);
      // The database is not there (PostgreSQL down, a wrong host): what to check, not a stack.
      const code = String(e.code ?? (e.cause as NodeJS.ErrnoException | undefined)?.code);
      if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '28P01', '28000', '3D000'].includes(code)) {
        throw new CliError(
          `cannot open the database (${e.message}): check --database-url / PROCTOR_DATABASE_URL and that PostgreSQL is running`,
          EXIT.INFRASTRUCTURE,
        );
      }
      throw e;
    });
    // The embedded agent's jobs run beside this process: what they may not get, they may not read here either.
    if (
      proctor.agent &&
      hideEnvironValues(process.env, embeddedJobVariableNames(process.env, config.localAgentEnv)) === null
    ) {
      logger.debug('this system does not let the server blank its environment in /proc/self/environ');
    }
    process.stdout.write(banner(proctor, config));
    const shutdown = async (signal: string) => {
      logger.info({ signal }, 'shutting down');
      await proctor.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
  });

program
  .command('agent')
  .description('Run an agent that claims jobs from a Proctor server')
  .requiredOption('--server <url>', 'Proctor server URL')
  .requiredOption('--token <token>', 'a registration token (proctor agents token create), or a key with ADMIN')
  .option('--labels <list>', 'labels this agent carries, comma-separated', '')
  .option('--slots <n>', 'parallel jobs (default: CPU count)')
  .option('--workdir <dir>', 'directory plan workdirs are resolved against', '.')
  .option('--name <name>', 'agent name', hostname())
  .option('--drain <seconds>', 'on SIGTERM, how long running jobs may finish before they are handed back', '30')
  .option(
    '--no-discovery-reuse',
    'run every discovery, even when nothing under the workdir changed since the last (also PROCTOR_DISCOVERY_REUSE=0)',
  )
  .addHelpText(
    'after',
    '\nExample:\n  proctor agent --server https://proctor.example.com --token "$PROCTOR_TOKEN" --labels chromium,linux --slots 4',
  )
  .action(
    async (o: {
      server: string;
      token: string;
      labels: string;
      slots?: string;
      workdir: string;
      name: string;
      drain: string;
      discoveryReuse: boolean;
    }) => {
      const slots = o.slots === undefined ? availableParallelism() : Number(o.slots);
      if (!Number.isInteger(slots) || slots < 1)
        throw new CliError(`--slots "${o.slots}": expected a whole number ≥ 1`);
      const drainS = Number(o.drain);
      if (!Number.isFinite(drainS) || drainS < 0) throw new CliError(`--drain "${o.drain}": expected seconds ≥ 0`);
      const labels = o.labels
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const logger = makeLogger(process.env.PROCTOR_LOG_LEVEL ?? 'info');
      // Listening before registering: a stop while it registers (or waits for the server) ends at once.
      let agent: Agent | null = null;
      const stop = async () => {
        if (!agent) process.exit(0);
        logger.info(
          { drain_s: drainS },
          'stopping: no more claims; running jobs may finish, then the rest is handed back',
        );
        await agent.stop(drainS * 1000);
        process.exit(0);
      };
      process.once('SIGTERM', () => void stop());
      process.once('SIGINT', () => void stop());
      const reg = await new AgentClient({
        server: o.server,
        token: o.token,
        onRetry: (n, e) => logger.warn({ attempt: n, err: String(e) }, 'server unreachable; retrying'),
      })
        .register({ name: o.name, labels, slots })
        .catch((e: unknown) => {
          if (e instanceof ServerError)
            throw new CliError(`the server refused to register this agent (${e.status}): ${e.message}`, EXIT.USAGE);
          throw new CliError(`cannot reach ${o.server}: ${(e as Error).message}`, EXIT.INFRASTRUCTURE);
        });
      agent = new Agent({
        client: new AgentClient({ server: o.server, token: reg.token }),
        slots,
        workRoot: resolve(o.workdir),
        logger,
        heartbeatMs: reg.heartbeat_ms,
        discoveryReuse: o.discoveryReuse && process.env.PROCTOR_DISCOVERY_REUSE !== '0',
      });
      agent.start();
      logger.info({ agent: reg.agent_id, labels, slots }, 'agent started');
    },
  );

agentsCommand(program, stdio);
applyCommand(program, stdio);
keysCommand(program, stdio);
runCommands(program, stdio);
rerunCommand(program, stdio);
logsCommand(program, stdio);
keepCommand(program, stdio);
adminCommand(program, stdio);
loginCommand(program, stdio);

// Output piped into a reader that stopped early (`proctor logs 42 | head`): nothing more to say.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : EXIT.USAGE);
  if (e instanceof CliError) {
    process.stderr.write(`proctor: ${e.message}\n`);
    process.exit(e.exitCode);
  }
  // One line, like every other error, saying whose fault it is and what to report.
  process.stderr.write(`${unexpectedErrorLine(e, process.argv.slice(2), VERSION)}\n`);
  process.exit(EXIT.INFRASTRUCTURE);
}
