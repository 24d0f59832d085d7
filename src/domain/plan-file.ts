import { LineCounter, parseDocument } from 'yaml';
import { CONCURRENCY_POLICIES, FRAMEWORKS, PLATFORMS, isOneOf } from '../protocol/statuses.js';
import { WORKER_FRAMEWORKS } from './adapter-options.js';
import { AddressPolicy } from './address-policy.js';
import { parseDuration } from './duration.js';
import { gitRefProblem, gitRemoteProblem } from './git-remote.js';
import { FREE_FORM_LIMITS, checkFreeForm } from './free-form.js';
import type { EnvironmentDefinition, PlanDefinition, PlanFile, PlanProfile } from './plan-definition.js';
import { PLAN_DEFAULTS, usesWorker } from './plan-definition.js';
import { checkPlanOptions } from './plan-options.js';
import { PROFILE_KEYS } from './plan-profile.js';
import { readRetention } from './retention-policy.js';
import { closest } from './closest-name.js';
import { withLines } from './yaml-lines.js';
import { tooDeepInYaml } from './yaml-nesting.js';
import {
  Problems,
  type Problem,
  checkKeys,
  checkName,
  describeType,
  isPlainObject,
  readInteger,
  readString,
  readStringList,
} from './validation.js';

/**
 * The keys of a plan file, an environment, a plan and a selection. Exported for the tests that need
 * a plan document's text fields: `test/support/plan-document-shape.ts` is checked against them.
 */
export const FILE_KEYS = ['project', 'environments', 'plans', 'retention'] as const;
export const ENV_KEYS = ['platform', 'labels', 'variables', 'secrets'] as const;
// A profile sets some of a plan's keys: they stand here in the profile's order.
export const PLAN_KEYS = [
  'description',
  'framework',
  'workdir',
  'repo',
  ...PROFILE_KEYS,
  'concurrency',
  'priority',
  'options',
  'profiles',
  'failed_first',
  'on_unavailable',
] as const;
export const SELECTION_KEYS = ['include', 'exclude', 'tags', 'names'] as const;
const STRICT = new AddressPolicy();

/** A valid file (with what it may not mean: `warnings`), or every problem it has. */
export type PlanFileResult = { ok: true; file: PlanFile; warnings: Problem[] } | { ok: false; problems: Problems };

/**
 * Parses and validates the text of a `proctor.yaml`. Every problem is reported with its path; a file
 * with any problem yields no definitions at all, so nothing is ever half-applied.
 *
 * `knownEnvironments` are environments that already exist in the project: plans may name them
 * without declaring them again. `policy` judges literal addresses in `repo.url` (the server's
 * outbound policy; by default nothing private is allowed).
 */
export function parsePlanFile(
  text: string,
  knownEnvironments: readonly string[] = [],
  policy: AddressPolicy = STRICT,
): PlanFileResult {
  const problems = new Problems();
  let raw: unknown;
  const lines = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter: lines });
    if (doc.errors.some((e) => e.code === 'RESOURCE_EXHAUSTION')) {
      // The library ran out of stack composing a collection: name the field that nests too deeply,
      // as validation does for a JSON document (the fields of free-form values are 3 levels down).
      const fields = new Set(tooDeepInYaml(text, FREE_FORM_LIMITS.depth + 3).map((at) => dottedPath(at.slice(0, 3))));
      for (const field of fields) problems.add(field, `nested deeper than ${FREE_FORM_LIMITS.depth} levels`);
      if (!problems.empty) return { ok: false, problems };
    }
    for (const e of doc.errors)
      problems.add(yamlErrorAt(e.linePos?.[0]), yamlErrorMessage(e.message, text, e.linePos?.[0]?.line));
    if (!problems.empty) return { ok: false, problems };
    // Alias bombs and absurd nesting end here as a problem of the file, not of the server.
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    problems.add(
      '(file)',
      e instanceof RangeError ? 'nested too deeply' : ((e as Error).message.split('\n')[0] ?? 'unreadable YAML'),
    );
    return { ok: false, problems };
  }
  const result = validatePlanFile(raw, knownEnvironments, policy);
  if (result.ok) return { ...result, warnings: withLines(result.warnings, doc, lines) };
  const located = new Problems();
  located.list.push(...withLines(result.problems.list, doc, lines));
  return { ok: false, problems: located };
}

/** Where a YAML syntax error is: `line 4, column 1`. */
function yamlErrorAt(pos: { line: number; col: number } | undefined): string {
  return pos ? `line ${pos.line}, column ${pos.col}` : '(file)';
}

/**
 * The library's pretty message ends `at line 4, column 1:` and the source around it: the sentence
 * alone, then the line it points at, quoted.
 */
function yamlErrorMessage(message: string, text: string, line: number | undefined): string {
  const sentence = (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
  const source = line === undefined ? undefined : text.split('\n')[line - 1];
  return source === undefined
    ? sentence
    : `${sentence} (line ${line} reads ${JSON.stringify(source.length > 120 ? `${source.slice(0, 119)}…` : source)})`;
}

/** `['plans', 'p', '[0]']` as `plans.p[0]`. */
function dottedPath(segments: readonly string[]): string {
  return segments.map((s, i) => (i === 0 || s.startsWith('[') ? s : `.${s}`)).join('');
}

/** Validates an already-parsed plan file document (the API accepts JSON as well as YAML). */
export function validatePlanFile(
  raw: unknown,
  knownEnvironments: readonly string[] = [],
  policy: AddressPolicy = STRICT,
): PlanFileResult {
  const problems = new Problems();
  if (!isPlainObject(raw)) {
    problems.add('(file)', `expected a mapping with environments and plans, got ${describeType(raw)}`);
    return { ok: false, problems };
  }
  checkKeys(problems, '(file)', raw, FILE_KEYS);
  const project = raw.project === undefined ? 'default' : raw.project;
  checkName(problems, 'project', project);
  const environments = readMapping(problems, 'environments', raw.environments, readEnvironment);
  const envNames = new Set([...knownEnvironments, ...environments.map((e) => e.name)]);
  const plans = readMapping(problems, 'plans', raw.plans, (p, path, name, v) =>
    readPlan(p, path, name, v, envNames, policy),
  );
  // Absent, the project's policy stays as it is; present, it replaces it (`retention: {}`: the server defaults).
  const retention = raw.retention === undefined ? undefined : readRetention(problems, 'retention', raw.retention);
  if (environments.length === 0 && plans.length === 0 && retention === undefined && problems.empty) {
    problems.add('(file)', 'declares no environments and no plans');
  }
  if (!problems.empty) return { ok: false, problems };
  return {
    ok: true,
    file: { project: project as string, environments, plans, ...(retention ? { retention } : {}) },
    warnings: problems.warnings,
  };
}

function readMapping<T>(
  problems: Problems,
  path: string,
  v: unknown,
  read: (p: Problems, path: string, name: string, value: unknown) => T,
): T[] {
  if (v === undefined || v === null) return [];
  if (!isPlainObject(v)) {
    problems.add(path, `expected a mapping of name to definition, got ${describeType(v)}`);
    return [];
  }
  const out: T[] = [];
  for (const [name, value] of Object.entries(v)) {
    if (checkName(problems, `${path}.${name}`, name)) out.push(read(problems, `${path}.${name}`, name, value));
  }
  return out;
}

/** Validates one environment definition (also used by the environments API). */
export function readEnvironment(problems: Problems, path: string, name: string, v: unknown): EnvironmentDefinition {
  const env: EnvironmentDefinition = { name, platform: 'web', labels: [], variables: {}, secrets: [] };
  if (v === null || v === undefined) return env;
  if (!isPlainObject(v)) {
    problems.add(path, `expected a mapping with platform, labels and variables, got ${describeType(v)}`);
    return env;
  }
  checkKeys(problems, path, v, ENV_KEYS);
  if (v.platform !== undefined) {
    if (isOneOf(PLATFORMS, v.platform)) env.platform = v.platform;
    else problems.add(`${path}.platform`, `expected one of ${PLATFORMS.join(', ')}, got ${describeType(v.platform)}`);
  }
  env.labels = [...new Set(readStringList(problems, `${path}.labels`, v.labels))].sort();
  env.variables = readVariables(problems, `${path}.variables`, v.variables);
  env.secrets = readStringList(problems, `${path}.secrets`, v.secrets);
  for (const s of env.secrets) {
    if (!(s in env.variables)) problems.add(`${path}.secrets`, `"${s}" is not one of this environment's variables`);
  }
  return env;
}

function readVariables(problems: Problems, path: string, v: unknown): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) {
    problems.add(path, `expected a mapping of NAME: value, got ${describeType(v)}`);
    return {};
  }
  if (!checkFreeForm(problems, path, v)) return {};
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) problems.add(`${path}.${k}`, 'expected a variable name like BROWSER');
    else if (['string', 'number', 'boolean'].includes(typeof value)) out[k] = String(value);
    else problems.add(`${path}.${k}`, `expected a string, number or boolean, got ${describeType(value)}`);
  }
  return out;
}

/** Validates one plan definition (also used by the plans API). */
export function readPlan(
  problems: Problems,
  path: string,
  name: string,
  v: unknown,
  environments: ReadonlySet<string>,
  policy: AddressPolicy = STRICT,
): PlanDefinition {
  const plan: PlanDefinition = {
    name,
    description: '',
    framework: 'command',
    workdir: '.',
    repo: null,
    scenarios: { include: [], exclude: [], tags: [], names: [] },
    environments: [],
    jobTimeoutMs: PLAN_DEFAULTS.jobTimeoutMs,
    runTimeoutMs: null,
    retries: PLAN_DEFAULTS.retries,
    maxParallel: PLAN_DEFAULTS.maxParallel,
    failFast: PLAN_DEFAULTS.failFast,
    concurrency: PLAN_DEFAULTS.concurrency,
    priority: PLAN_DEFAULTS.priority,
    options: {},
  };
  if (!isPlainObject(v)) {
    problems.add(path, `expected a mapping with framework, workdir and environments, got ${describeType(v)}`);
    return plan;
  }
  checkKeys(problems, path, v, PLAN_KEYS);
  plan.description = readString(problems, `${path}.description`, v.description, '');
  if (isOneOf(FRAMEWORKS, v.framework)) plan.framework = v.framework;
  else problems.add(`${path}.framework`, frameworkProblem(v.framework));
  plan.workdir = readString(problems, `${path}.workdir`, v.workdir, '.');
  if (v.workdir === undefined && v.repo === undefined) {
    problems.warn(
      `${path}.workdir`,
      "not set: the plan runs in the agent's work directory itself (--workdir); write workdir: . to mean that, or the folder of the tests",
    );
  }
  plan.repo = readRepo(problems, `${path}.repo`, v.repo, policy);
  plan.scenarios = readSelection(problems, `${path}.scenarios`, v.scenarios);
  readPlanEnvironments(problems, `${path}.environments`, v.environments, environments, plan);
  readPlanSettings(problems, path, v, plan);
  if (v.options !== undefined) {
    if (!isPlainObject(v.options))
      problems.add(`${path}.options`, `expected a mapping of adapter options, got ${describeType(v.options)}`);
    else if (checkFreeForm(problems, `${path}.options`, v.options)) plan.options = v.options;
  }
  // Options that were read (or left out) meet the adapter's; against an unknown framework every one would be unknown.
  if ((v.options === undefined || plan.options === v.options) && isOneOf(FRAMEWORKS, v.framework)) {
    checkPlanOptions(problems, `${path}.options`, v.framework, plan.options);
  }
  checkWorkerOption(problems, `${path}.options.worker`, plan);
  const profiles = readProfiles(problems, `${path}.profiles`, v.profiles, environments, plan);
  if (profiles) plan.profiles = profiles;
  return plan;
}

/** `options.worker` (queue mode): only where the framework can keep a process up, in the form it takes. */
function checkWorkerOption(problems: Problems, path: string, plan: PlanDefinition): void {
  if (!usesWorker(plan)) return;
  const worker = plan.options.worker;
  if (!isOneOf(WORKER_FRAMEWORKS, plan.framework)) {
    problems.add(
      path,
      `framework ${plan.framework} has no worker mode (frameworks with one: ${WORKER_FRAMEWORKS.join(', ')}); remove options.worker`,
    );
  } else if (plan.framework === 'command' && (typeof worker !== 'string' || worker.trim() === '')) {
    problems.add(
      path,
      `expected the shell command that starts the worker (it reads one JSON batch per line on stdin), got ${describeType(worker)}`,
    );
  } else if (plan.framework !== 'command' && worker !== true) {
    problems.add(path, `expected true (${plan.framework} runs batches in one process), got ${describeType(worker)}`);
  }
}

/** Reads `profiles: { fast: {...}, deep: {...} }`: each a set of overrides of the plan's settings. */
function readProfiles(
  problems: Problems,
  path: string,
  v: unknown,
  known: ReadonlySet<string>,
  base: PlanDefinition,
): Record<string, PlanProfile> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) {
    problems.add(
      path,
      `expected a mapping of profile name to overrides (fast: {...}, deep: {...}), got ${describeType(v)}`,
    );
    return undefined;
  }
  const out: Record<string, PlanProfile> = {};
  for (const [name, raw] of Object.entries(v)) {
    const at = `${path}.${name}`;
    if (!checkName(problems, at, name)) continue;
    if (!isPlainObject(raw)) {
      problems.add(at, `expected a mapping of overrides (${PROFILE_KEYS.join(', ')}), got ${describeType(raw)}`);
      continue;
    }
    checkKeys(problems, at, raw, PROFILE_KEYS);
    // Read into a copy of the plan with the plan's own readers, then keep only what the profile set.
    const read: PlanDefinition = { ...base, runTimeoutMs: null };
    readPlanSettings(
      problems,
      at,
      { ...pick(raw, ['timeout', 'run_timeout', 'retries', 'max_parallel', 'fail_fast']) },
      read,
    );
    if (raw.environments !== undefined)
      readPlanEnvironments(problems, `${at}.environments`, raw.environments, known, read);
    const profile: PlanProfile = {};
    if (raw.scenarios !== undefined) profile.scenarios = readSelection(problems, `${at}.scenarios`, raw.scenarios);
    if (raw.environments !== undefined) profile.environments = read.environments;
    if (raw.timeout !== undefined) profile.jobTimeoutMs = read.jobTimeoutMs;
    if (raw.run_timeout !== undefined && read.runTimeoutMs !== null) profile.runTimeoutMs = read.runTimeoutMs;
    if (raw.retries !== undefined) profile.retries = read.retries;
    if (raw.max_parallel !== undefined) profile.maxParallel = read.maxParallel;
    if (raw.fail_fast !== undefined) profile.failFast = read.failFast;
    out[name] = profile;
  }
  return out;
}

function pick(obj: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => obj[k] !== undefined).map((k) => [k, obj[k]]));
}

function readPlanEnvironments(
  problems: Problems,
  path: string,
  v: unknown,
  known: ReadonlySet<string>,
  plan: PlanDefinition,
): void {
  plan.environments = readStringList(problems, path, v);
  if (plan.environments.length === 0 && v !== undefined) problems.add(path, 'expected at least one environment');
  if (v === undefined) problems.add(path, 'expected the list of environments this plan runs on');
  for (const e of plan.environments) {
    if (!known.has(e)) problems.add(path, `environment "${e}" is not declared under environments`);
  }
}

function readPlanSettings(problems: Problems, path: string, v: Record<string, unknown>, plan: PlanDefinition): void {
  if (v.timeout !== undefined) {
    const ms = readDuration(problems, `${path}.timeout`, v.timeout, '10m');
    if (ms !== null) plan.jobTimeoutMs = ms;
  }
  if (v.run_timeout !== undefined && v.run_timeout !== null) {
    const ms = readDuration(problems, `${path}.run_timeout`, v.run_timeout, '1h');
    if (ms !== null) plan.runTimeoutMs = ms;
  }
  plan.retries = readInteger(problems, `${path}.retries`, v.retries, { min: 0, max: 10, fallback: plan.retries });
  plan.maxParallel = readInteger(problems, `${path}.max_parallel`, v.max_parallel, {
    min: 1,
    max: 1000,
    fallback: plan.maxParallel,
  });
  plan.priority = readInteger(problems, `${path}.priority`, v.priority, { min: -100, max: 100, fallback: 0 });
  if (v.fail_fast === true) plan.failFast = 1;
  else if (v.fail_fast === false || v.fail_fast === undefined) plan.failFast = 0;
  else plan.failFast = readInteger(problems, `${path}.fail_fast`, v.fail_fast, { min: 0, max: 1_000_000, fallback: 0 });
  if (v.concurrency !== undefined) {
    if (isOneOf(CONCURRENCY_POLICIES, v.concurrency)) plan.concurrency = v.concurrency;
    else
      problems.add(
        `${path}.concurrency`,
        `expected one of ${CONCURRENCY_POLICIES.join(', ')}, got ${describeType(v.concurrency)}`,
      );
  }
  if (v.failed_first !== undefined) {
    if (typeof v.failed_first === 'boolean') plan.failedFirst = v.failed_first;
    else problems.add(`${path}.failed_first`, `expected true or false, got ${describeType(v.failed_first)}`);
  }
  if (v.on_unavailable !== undefined) {
    if (v.on_unavailable === 'wait' || v.on_unavailable === 'fail') plan.onUnavailable = v.on_unavailable;
    else problems.add(`${path}.on_unavailable`, `expected wait or fail, got ${describeType(v.on_unavailable)}`);
  }
}

/** A duration with its unit (`90s`, `10m`, `1h`); a bare number is refused, since nothing says whether it meant seconds or minutes. */
function readDuration(problems: Problems, path: string, v: unknown, example: string): number | null {
  const ms = typeof v === 'string' ? parseDuration(v) : null;
  if (ms !== null) return ms;
  const hint = typeof v === 'number' ? ` (a number has no unit: write "${v}s" or "${v}m")` : '';
  problems.add(path, `expected a duration like "${example}", got ${describeType(v)}${hint}`);
  return null;
}

/** `unknown framework "vitset" (did you mean vitest?); expected one of vitest, node-test, …`. */
function frameworkProblem(v: unknown): string {
  const list = FRAMEWORKS.join(', ');
  if (typeof v !== 'string' || v === '')
    return `expected the name of a test framework adapter (${list}), got ${describeType(v)}`;
  const near = closest(v, FRAMEWORKS);
  return `unknown framework "${v}"${near ? ` (did you mean ${near}?)` : ''}; expected one of ${list}`;
}

function readRepo(problems: Problems, path: string, v: unknown, policy: AddressPolicy): PlanDefinition['repo'] {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') {
    const problem = gitRemoteProblem(v, policy);
    if (problem) problems.add(path, problem);
    return { url: v, ref: 'HEAD' };
  }
  if (!isPlainObject(v) || typeof v.url !== 'string' || v.url === '') {
    problems.add(path, 'expected a repository URL, or a mapping with url and ref');
    return null;
  }
  checkKeys(problems, path, v, ['url', 'ref']);
  // The agent passes both to git: neither may be something git reads as an option or a local path.
  const urlProblem = gitRemoteProblem(v.url, policy);
  if (urlProblem) problems.add(`${path}.url`, urlProblem);
  const ref = readString(problems, `${path}.ref`, v.ref, 'HEAD');
  const refProblem = gitRefProblem(ref);
  if (refProblem) problems.add(`${path}.ref`, refProblem);
  return { url: v.url, ref };
}

function readSelection(problems: Problems, path: string, v: unknown): PlanDefinition['scenarios'] {
  const sel = { include: [] as string[], exclude: [] as string[], tags: [] as string[], names: [] as string[] };
  if (v === undefined || v === null) return sel;
  // One glob or a list of globs: both are the include list (a string here is no list mistaken).
  if (typeof v === 'string') return { ...sel, include: [v] };
  if (Array.isArray(v)) {
    sel.include = readStringList(problems, path, v);
    return sel;
  }
  if (!isPlainObject(v)) {
    problems.add(path, `expected a glob, a list of globs, or a mapping with include, exclude, tags, names`);
    return sel;
  }
  checkKeys(problems, path, v, SELECTION_KEYS);
  for (const k of SELECTION_KEYS) sel[k] = readStringList(problems, `${path}.${k}`, v[k]);
  sel.tags = sel.tags.map((t) => t.replace(/^@/, ''));
  return sel;
}
