import { type Problems, checkKeys, describeType, isPlainObject } from './validation.js';

/**
 * How long a project keeps what its runs leave behind. Each limit is a number, `null` for no limit
 * (keep forever); each limit that is set deletes what is beyond it, whatever the others say.
 */
export interface RetentionPolicy {
  /** Runs (with results, jobs, logs, artifacts) that ended more than this many days ago. */
  runDays: number | null;
  /** Runs of a plan beyond its newest this many. */
  runLast: number | null;
  /** Logs of runs that ended more than this many days ago (their results stay). */
  logDays: number | null;
  /** Artifacts of runs that ended more than this many days ago. */
  artifactDays: number | null;
  /** Uploaded versions of an app build (per name) beyond its newest this many. */
  appBuildLast: number | null;
}

/** What a `proctor.yaml` says: a limit, `forever` (null), or nothing (undefined: the server default). */
export type RetentionSettings = { [K in keyof RetentionPolicy]?: number | null };

/** Keeps everything: the server default unless PROCTOR_RETENTION_* say otherwise. */
export const KEEP_EVERYTHING: RetentionPolicy = {
  runDays: null,
  runLast: null,
  logDays: null,
  artifactDays: null,
  appBuildLast: null,
};

const BLOCK_KEYS = ['runs', 'logs', 'artifacts', 'app_builds'] as const;
const MAX_DAYS = 36_500;
const MAX_COUNT = 1_000_000;

/**
 * Reads the `retention:` block of a `proctor.yaml`:
 *
 * ```yaml
 * retention:
 *   runs: { days: 90, last: 500 }   # per plan
 *   logs: { days: 14 }
 *   artifacts: { days: 30 }
 *   app_builds: { last: 10 }        # per name
 * ```
 *
 * Every problem is recorded with its path (`retention.runs.days: …`); a limit may be `forever`.
 */
export function readRetention(problems: Problems, path: string, v: unknown): RetentionSettings {
  const out: RetentionSettings = {};
  if (v === null) return out;
  if (!isPlainObject(v)) {
    problems.add(
      path,
      `expected a mapping with ${BLOCK_KEYS.join(', ')} (runs: { days: 90, last: 500 }), got ${describeType(v)}`,
    );
    return out;
  }
  checkKeys(problems, path, v, BLOCK_KEYS);
  const runs = limits(problems, `${path}.runs`, v.runs, ['days', 'last']);
  const logs = limits(problems, `${path}.logs`, v.logs, ['days']);
  const artifacts = limits(problems, `${path}.artifacts`, v.artifacts, ['days']);
  const builds = limits(problems, `${path}.app_builds`, v.app_builds, ['last']);
  if (runs.days !== undefined) out.runDays = runs.days;
  if (runs.last !== undefined) out.runLast = runs.last;
  if (logs.days !== undefined) out.logDays = logs.days;
  if (artifacts.days !== undefined) out.artifactDays = artifacts.days;
  if (builds.last !== undefined) out.appBuildLast = builds.last;
  for (const [what, days] of [
    ['logs', out.logDays],
    ['artifacts', out.artifactDays],
  ] as const) {
    if (typeof days === 'number' && typeof out.runDays === 'number' && days > out.runDays) {
      problems.warn(
        `${path}.${what}.days`,
        `${days} days is longer than retention.runs.days (${out.runDays}): ${what} go with their run after ${out.runDays} days`,
      );
    }
  }
  return out;
}

function limits(
  problems: Problems,
  path: string,
  v: unknown,
  keys: readonly ('days' | 'last')[],
): { days?: number | null; last?: number | null } {
  const out: { days?: number | null; last?: number | null } = {};
  if (v === undefined || v === null) return out;
  if (!isPlainObject(v)) {
    problems.add(
      path,
      `expected a mapping with ${keys.join(' and ')} (${keys.map((k) => (k === 'days' ? 'days: 30' : 'last: 100')).join(', ')}), got ${describeType(v)}`,
    );
    return out;
  }
  checkKeys(problems, path, v, keys);
  for (const key of keys) {
    const raw = v[key];
    if (raw === undefined) continue;
    const max = key === 'days' ? MAX_DAYS : MAX_COUNT;
    if (raw === 'forever' || raw === null) out[key] = null;
    else if (typeof raw === 'number' && Number.isInteger(raw) && raw >= 1 && raw <= max) out[key] = raw;
    else {
      const what = key === 'days' ? 'days' : path.endsWith('app_builds') ? 'versions' : 'runs';
      const hint =
        raw === 0
          ? ' (0 would delete everything at once: write forever to keep everything)'
          : typeof raw === 'string' && /^\d+d$/.test(raw)
            ? ` (write ${raw.slice(0, -1)}: the unit is days)`
            : '';
      problems.add(
        `${path}.${key}`,
        `expected a whole number of ${what} from 1 to ${max}, or forever, got ${describeType(raw)}${hint}`,
      );
    }
  }
  return out;
}

/** The policy in force: the project's settings over the server's defaults. */
export function effectivePolicy(settings: RetentionSettings | null, defaults: RetentionPolicy): RetentionPolicy {
  const out = { ...defaults };
  for (const k of Object.keys(defaults) as (keyof RetentionPolicy)[]) {
    if (settings && settings[k] !== undefined) out[k] = settings[k]!;
  }
  return out;
}

/** Settings in the shape of `proctor.yaml` (what apply reads back), with only the limits set. */
export function retentionToDocument(s: RetentionSettings): Record<string, Record<string, number | 'forever'>> {
  const v = (x: number | null) => (x === null ? 'forever' : x);
  const doc: Record<string, Record<string, number | 'forever'>> = {};
  const put = (block: string, key: string, x: number | null | undefined) => {
    if (x !== undefined) (doc[block] ??= {})[key] = v(x);
  };
  put('runs', 'days', s.runDays);
  put('runs', 'last', s.runLast);
  put('logs', 'days', s.logDays);
  put('artifacts', 'days', s.artifactDays);
  put('app_builds', 'last', s.appBuildLast);
  return doc;
}
