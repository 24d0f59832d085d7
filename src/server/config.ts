import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseCidrs } from '../domain/address-policy.js';
import { parseBlobUrl, type BlobLocation } from '../domain/blob-url.js';
import type { RetentionPolicy } from '../domain/retention-policy.js';
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
  /** OS user the embedded agent runs jobs as (the server must run as root); unset: the server's own user. */
  localAgentUser: string | undefined;
  /** Variables of the server's environment its embedded agent's jobs get besides the usual few (PATH, HOME, locale, proxy…). */
  localAgentEnv: string[];
  /** The embedded agent reuses a discovery while nothing it depends on changed (PROCTOR_DISCOVERY_REUSE=0 turns it off). */
  localDiscoveryReuse: boolean;
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
  /**
   * CIDR ranges every outbound call (webhooks, run callbacks, app builds by URL, git remotes) may
   * reach although private or loopback (PROCTOR_OUTBOUND_ALLOW_PRIVATE, formerly PROCTOR_WEBHOOK_ALLOW_PRIVATE).
   */
  outboundAllowPrivate: string[];
  /** Days webhook history (ended deliveries and their events) is kept; 0: forever (PROCTOR_WEBHOOK_RETENTION_DAYS). */
  webhookRetentionDays: number;
  /** Requests per minute of a key without its own limit; null: unlimited (PROCTOR_KEY_RATE_LIMIT). */
  keyRateLimitPerMinute: number | null;
  /** Active runs of a key without its own limit; null: unlimited (PROCTOR_KEY_MAX_ACTIVE_RUNS). */
  keyMaxActiveRuns: number | null;
  /** Where blobs (artifacts, app builds, ended logs) live (PROCTOR_BLOB_URL; unset: `<dataDir>/blobs`). */
  blobs: BlobLocation;
  /** The retention policy of projects whose `proctor.yaml` sets none (PROCTOR_RETENTION_*; unset: keep everything). */
  retention: RetentionPolicy;
  /** How many of a plan's newest finished runs keep their results whatever the policy: what duration history, estimates and flaky statistics read (PROCTOR_RETENTION_HISTORY_RUNS). */
  retentionHistoryRuns: number;
  /** How often a retention pass runs; 0: never by itself (PROCTOR_RETENTION_INTERVAL_MS). */
  retentionIntervalMs: number;
  /** Rows one retention statement deletes at most (PROCTOR_RETENTION_BATCH). */
  retentionBatch: number;
  /** Pause between two retention statements, so claims and completions go first (PROCTOR_RETENTION_PAUSE_MS). */
  retentionPauseMs: number;
  /** How long a blob just stored is never deleted, referenced or not: its row may be on its way (PROCTOR_BLOB_GRACE_MS). */
  blobGraceMs: number;
}

export interface ConfigSources {
  env: Record<string, string | undefined>;
  /** Options already parsed from the command line (flags win over the environment). */
  flags: Partial<Record<keyof ServerConfig, unknown>>;
}

function intSetting(
  problems: Problems,
  name: string,
  raw: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
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
  if (bad.length)
    problems.add(
      name,
      `expected comma-separated CIDR ranges like 127.0.0.0/8, got ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
    );
  return ranges;
}

/** A comma-separated list of environment variable names. */
function nameList(problems: Problems, name: string, raw: unknown): string[] {
  const names = String(raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = names.filter((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
  if (bad.length)
    problems.add(
      name,
      `expected comma-separated variable names like JAVA_OPTS,GRADLE_HOME, got ${bad.map((b) => JSON.stringify(b)).join(', ')}`,
    );
  return names.filter((n) => !bad.includes(n));
}

/** The outbound allow list, under its name or its old one (PROCTOR_WEBHOOK_ALLOW_PRIVATE, from when only webhooks used it). */
function outboundAllowSetting(problems: Problems, env: ConfigSources['env']): string[] {
  const current = env.PROCTOR_OUTBOUND_ALLOW_PRIVATE;
  const old = env.PROCTOR_WEBHOOK_ALLOW_PRIVATE;
  if (current !== undefined && old !== undefined && current.trim() !== old.trim()) {
    problems.add(
      'PROCTOR_OUTBOUND_ALLOW_PRIVATE',
      'PROCTOR_WEBHOOK_ALLOW_PRIVATE (its old name) is set too, to another list; keep only PROCTOR_OUTBOUND_ALLOW_PRIVATE',
    );
  }
  if (current !== undefined) return cidrSetting(problems, 'PROCTOR_OUTBOUND_ALLOW_PRIVATE', current);
  return cidrSetting(problems, 'PROCTOR_WEBHOOK_ALLOW_PRIVATE (old name of PROCTOR_OUTBOUND_ALLOW_PRIVATE)', old);
}

function blobSetting(problems: Problems, raw: string | undefined): BlobLocation {
  const parsed = parseBlobUrl(raw);
  if (typeof parsed === 'string') {
    problems.add('PROCTOR_BLOB_URL', parsed);
    return { kind: 'local' };
  }
  return parsed;
}

/** Builds the configuration from flags and `PROCTOR_*` variables; throws listing every invalid setting. */
export function loadConfig({ env, flags }: ConfigSources): Readonly<ServerConfig> {
  const p = new Problems();
  const databaseUrl = (flags.databaseUrl as string | undefined) ?? env.PROCTOR_DATABASE_URL ?? undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    p.add(
      '--database-url / PROCTOR_DATABASE_URL',
      'expected a postgres:// URL (leave it unset for the embedded SQLite database)',
    );
  }
  const cfg: ServerConfig = {
    host: String(flags.host ?? env.PROCTOR_HOST ?? '127.0.0.1'),
    port: intSetting(p, '--port / PROCTOR_PORT', flags.port ?? env.PROCTOR_PORT, 4400, 0, 65535),
    dataDir: resolve(String(flags.dataDir ?? env.PROCTOR_DATA_DIR ?? '.proctor')),
    databaseUrl: databaseUrl || undefined,
    localAgent: flags.localAgent !== false && env.PROCTOR_LOCAL_AGENT !== '0',
    localSlots: intSetting(
      p,
      '--local-slots / PROCTOR_LOCAL_SLOTS',
      flags.localSlots ?? env.PROCTOR_LOCAL_SLOTS,
      availableParallelism(),
      1,
      1024,
    ),
    localLabels: String(flags.localLabels ?? env.PROCTOR_LOCAL_LABELS ?? `local,${process.platform}`)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    workdir: resolve(String(flags.workdir ?? env.PROCTOR_WORKDIR ?? '.')),
    localAgentUser: String(flags.localAgentUser ?? env.PROCTOR_LOCAL_AGENT_USER ?? '').trim() || undefined,
    localAgentEnv: nameList(
      p,
      '--local-agent-env / PROCTOR_LOCAL_AGENT_ENV',
      flags.localAgentEnv ?? env.PROCTOR_LOCAL_AGENT_ENV,
    ),
    localDiscoveryReuse: flags.localDiscoveryReuse !== false && env.PROCTOR_DISCOVERY_REUSE !== '0',
    adminToken: (flags.adminToken as string | undefined) ?? env.PROCTOR_ADMIN_TOKEN ?? undefined,
    demo: flags.demo === true,
    logLevel: String(flags.logLevel ?? env.PROCTOR_LOG_LEVEL ?? 'info'),
    bodyLimit: intSetting(p, 'PROCTOR_BODY_LIMIT', env.PROCTOR_BODY_LIMIT, 1024 * 1024, 1024, 512 * 1024 * 1024),
    appBuildLimit: intSetting(
      p,
      'PROCTOR_APP_BUILD_LIMIT',
      env.PROCTOR_APP_BUILD_LIMIT,
      2 * 1024 ** 3,
      1,
      64 * 1024 ** 3,
    ),
    artifactLimit: intSetting(
      p,
      'PROCTOR_ARTIFACT_LIMIT',
      env.PROCTOR_ARTIFACT_LIMIT,
      256 * 1024 ** 2,
      1,
      16 * 1024 ** 3,
    ),
    leaseMs: intSetting(p, 'PROCTOR_LEASE_MS', env.PROCTOR_LEASE_MS, 30_000, 1_000, 3_600_000),
    maxAttempts: intSetting(p, 'PROCTOR_MAX_ATTEMPTS', env.PROCTOR_MAX_ATTEMPTS, 3, 1, 1_000),
    outboundAllowPrivate: outboundAllowSetting(p, env),
    webhookRetentionDays: intSetting(
      p,
      'PROCTOR_WEBHOOK_RETENTION_DAYS',
      env.PROCTOR_WEBHOOK_RETENTION_DAYS,
      30,
      0,
      36_500,
    ),
    keyRateLimitPerMinute: intSetting(p, 'PROCTOR_KEY_RATE_LIMIT', env.PROCTOR_KEY_RATE_LIMIT, 0, 0, 1_000_000) || null,
    keyMaxActiveRuns:
      intSetting(p, 'PROCTOR_KEY_MAX_ACTIVE_RUNS', env.PROCTOR_KEY_MAX_ACTIVE_RUNS, 0, 0, 1_000_000) || null,
    blobs: blobSetting(p, env.PROCTOR_BLOB_URL),
    retention: {
      runDays: intSetting(p, 'PROCTOR_RETENTION_RUN_DAYS', env.PROCTOR_RETENTION_RUN_DAYS, 0, 0, 36_500) || null,
      runLast: intSetting(p, 'PROCTOR_RETENTION_RUN_LAST', env.PROCTOR_RETENTION_RUN_LAST, 0, 0, 1_000_000) || null,
      logDays: intSetting(p, 'PROCTOR_RETENTION_LOG_DAYS', env.PROCTOR_RETENTION_LOG_DAYS, 0, 0, 36_500) || null,
      artifactDays:
        intSetting(p, 'PROCTOR_RETENTION_ARTIFACT_DAYS', env.PROCTOR_RETENTION_ARTIFACT_DAYS, 0, 0, 36_500) || null,
      appBuildLast:
        intSetting(p, 'PROCTOR_RETENTION_APP_BUILD_LAST', env.PROCTOR_RETENTION_APP_BUILD_LAST, 0, 0, 1_000_000) ||
        null,
    },
    // Five is what the scheduler's duration estimate reads; thirty, the dashboard's history window.
    retentionHistoryRuns: intSetting(
      p,
      'PROCTOR_RETENTION_HISTORY_RUNS',
      env.PROCTOR_RETENTION_HISTORY_RUNS,
      30,
      5,
      1_000,
    ),
    retentionIntervalMs: intSetting(
      p,
      'PROCTOR_RETENTION_INTERVAL_MS',
      env.PROCTOR_RETENTION_INTERVAL_MS,
      10 * 60_000,
      0,
      7 * 86_400_000,
    ),
    retentionBatch: intSetting(p, 'PROCTOR_RETENTION_BATCH', env.PROCTOR_RETENTION_BATCH, 500, 1, 100_000),
    retentionPauseMs: intSetting(p, 'PROCTOR_RETENTION_PAUSE_MS', env.PROCTOR_RETENTION_PAUSE_MS, 5, 0, 60_000),
    blobGraceMs: intSetting(p, 'PROCTOR_BLOB_GRACE_MS', env.PROCTOR_BLOB_GRACE_MS, 60 * 60_000, 0, 7 * 86_400_000),
  };
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(cfg.logLevel)) {
    p.add('--log-level / PROCTOR_LOG_LEVEL', 'expected one of fatal, error, warn, info, debug, trace, silent');
  }
  if (!p.empty) throw new Error(`invalid configuration:\n${p.toString()}`);
  return Object.freeze(cfg);
}
