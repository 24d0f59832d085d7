import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseCidrs } from '../domain/address-policy.js';
import { Problems } from '../domain/validation.js';

/** Every setting of `proctor serve`, validated once at start-up and frozen. */
export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string | undefined;
  localAgent: boolean;
  localSlots: number;
  localLabels: string[];
  /** Directory the local agent resolves plan workdirs against. */
  workdir: string;
  adminToken: string | undefined;
  demo: boolean;
  logLevel: string;
  /** Largest request body of the native API, in bytes. */
  bodyLimit: number;
  /** Largest app build upload, in bytes (PROCTOR_APP_BUILD_LIMIT). */
  appBuildLimit: number;
  /** Largest artifact (screenshot, video, trace) an agent may upload, in bytes. */
  artifactLimit: number;
  /** How long a claimed job stays an agent's without a heartbeat. */
  leaseMs: number;
  /** Attempts of a job lost with its agent before the job is errored. */
  maxAttempts: number;
  /** CIDR ranges callbacks and webhooks may reach although private or loopback (PROCTOR_WEBHOOK_ALLOW_PRIVATE). */
  webhookAllowPrivate: string[];
  /** Days webhook history (ended deliveries and their events) is kept; 0: forever (PROCTOR_WEBHOOK_RETENTION_DAYS). */
  webhookRetentionDays: number;
  /** Requests per minute of a key without its own limit; null: unlimited (PROCTOR_KEY_RATE_LIMIT). */
  keyRateLimitPerMinute: number | null;
  /** Active runs of a key without its own limit; null: unlimited (PROCTOR_KEY_MAX_ACTIVE_RUNS). */
  keyMaxActiveRuns: number | null;
}

export interface ConfigSources {
  env: Record<string, string | undefined>;
  /** Options already parsed from the command line (flags win over the environment). */
  flags: Partial<Record<keyof ServerConfig, unknown>>;
}

function intSetting(problems: Problems, name: string, raw: unknown, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.add(name, `expected a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    return fallback;
  }
  return n;
}

function cidrSetting(problems: Problems, name: string, raw: string | undefined): string[] {
  const { ranges, bad } = parseCidrs(raw ?? '');
  if (bad.length) problems.add(name, `expected comma-separated CIDR ranges like 127.0.0.0/8, got ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  return ranges;
}

/** Builds the configuration from flags and `PROCTOR_*` variables; throws listing every invalid setting. */
export function loadConfig({ env, flags }: ConfigSources): Readonly<ServerConfig> {
  const p = new Problems();
  const databaseUrl = (flags.databaseUrl as string | undefined) ?? env.PROCTOR_DATABASE_URL ?? undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    p.add('--database-url / PROCTOR_DATABASE_URL', 'expected a postgres:// URL (leave it unset for the embedded SQLite database)');
  }
  const cfg: ServerConfig = {
    host: String(flags.host ?? env.PROCTOR_HOST ?? '127.0.0.1'),
    port: intSetting(p, '--port / PROCTOR_PORT', flags.port ?? env.PROCTOR_PORT, 4400, 0, 65535),
    dataDir: resolve(String(flags.dataDir ?? env.PROCTOR_DATA_DIR ?? '.proctor')),
    databaseUrl: databaseUrl || undefined,
    localAgent: flags.localAgent !== false && env.PROCTOR_LOCAL_AGENT !== '0',
    localSlots: intSetting(p, '--local-slots / PROCTOR_LOCAL_SLOTS', flags.localSlots ?? env.PROCTOR_LOCAL_SLOTS, availableParallelism(), 1, 1024),
    localLabels: String(flags.localLabels ?? env.PROCTOR_LOCAL_LABELS ?? `local,${process.platform}`)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    workdir: resolve(String(flags.workdir ?? env.PROCTOR_WORKDIR ?? '.')),
    adminToken: (flags.adminToken as string | undefined) ?? env.PROCTOR_ADMIN_TOKEN ?? undefined,
    demo: flags.demo === true,
    logLevel: String(flags.logLevel ?? env.PROCTOR_LOG_LEVEL ?? 'info'),
    bodyLimit: intSetting(p, 'PROCTOR_BODY_LIMIT', env.PROCTOR_BODY_LIMIT, 1024 * 1024, 1024, 512 * 1024 * 1024),
    appBuildLimit: intSetting(p, 'PROCTOR_APP_BUILD_LIMIT', env.PROCTOR_APP_BUILD_LIMIT, 2 * 1024 ** 3, 1, 64 * 1024 ** 3),
    artifactLimit: intSetting(p, 'PROCTOR_ARTIFACT_LIMIT', env.PROCTOR_ARTIFACT_LIMIT, 256 * 1024 ** 2, 1, 16 * 1024 ** 3),
    leaseMs: intSetting(p, 'PROCTOR_LEASE_MS', env.PROCTOR_LEASE_MS, 30_000, 1_000, 3_600_000),
    maxAttempts: intSetting(p, 'PROCTOR_MAX_ATTEMPTS', env.PROCTOR_MAX_ATTEMPTS, 3, 1, 1_000),
    webhookAllowPrivate: cidrSetting(p, 'PROCTOR_WEBHOOK_ALLOW_PRIVATE', env.PROCTOR_WEBHOOK_ALLOW_PRIVATE),
    webhookRetentionDays: intSetting(p, 'PROCTOR_WEBHOOK_RETENTION_DAYS', env.PROCTOR_WEBHOOK_RETENTION_DAYS, 30, 0, 36_500),
    keyRateLimitPerMinute: intSetting(p, 'PROCTOR_KEY_RATE_LIMIT', env.PROCTOR_KEY_RATE_LIMIT, 0, 0, 1_000_000) || null,
    keyMaxActiveRuns: intSetting(p, 'PROCTOR_KEY_MAX_ACTIVE_RUNS', env.PROCTOR_KEY_MAX_ACTIVE_RUNS, 0, 0, 1_000_000) || null,
  };
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(cfg.logLevel)) {
    p.add('--log-level / PROCTOR_LOG_LEVEL', 'expected one of fatal, error, warn, info, debug, trace, silent');
  }
  if (!p.empty) throw new Error(`invalid configuration:\n${p.toString()}`);
  return Object.freeze(cfg);
}
