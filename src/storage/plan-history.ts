import type { ExpressionBuilder, Kysely } from 'kysely';
import type { Run } from '../protocol/api.js';
import { ESTIMATE_HISTORY_RUNS } from '../domain/job-costs.js';
import type {
  FlakyReason,
  JobCost,
  FlakyScenario,
  HistoryRun,
  PlanHistory,
  SlowScenario,
  StripCell,
} from '../protocol/plan-history.js';
import { TERMINAL_RUN_STATUSES, type ScenarioResult } from '../protocol/statuses.js';
import { learnJobCosts } from './job-costs.js';
import { listRunViews } from './run-views.js';
import type { Database } from './schema.js';

/** What counts as a pass and as a failure when telling whether a scenario's result changed. */
const PASSING: ScenarioResult[] = ['passed', 'flaky'];
const FAILING: ScenarioResult[] = ['failed'];

export interface HistoryOptions {
  /** How many of the plan's latest runs make the window. */
  runs: number;
  /** How many slowest and flaky scenarios to return. */
  top: number;
  /** What a job is expected to cost before its costs can be told apart (`learnJobCosts`). */
  priorJobCostMs: number;
}

/** What tells two runs' code apart: the git ref under test, else the build number. */
type CodeMark = Pick<Run['trigger'], 'ref' | 'build'>;

/** Runs read per page while looking for the window's runs; reruns make the window longer than `runs`. */
const PAGE = 100;

/**
 * A plan's recent history: its last runs that are not reruns (oldest first) with pass rate and
 * duration, and the slowest and the flaky scenarios of those runs and the reruns made meanwhile. A
 * rerun runs a chosen subset again (often only the failures), so counting it would skew the pass rate
 * and the durations. A scenario is flaky when it passed only on a retry, or when its result changed
 * between passed and failed from one run to the next without a known code change.
 *
 * @example const h = await planHistory(db, { id: 3, name: 'unit' }, { runs: 30, top: 10 });
 */
export async function planHistory(
  db: Kysely<Database>,
  plan: { id: number; name: string },
  opts: HistoryOptions,
): Promise<PlanHistory> {
  const { counted, reruns } = await historyWindow(db, plan.id, opts.runs);
  if (counted.length === 0) return { plan, runs: [], reruns: 0, slowest: [], flaky: [], job_costs: [] };
  const all = [...counted, ...reruns];
  const runIds = all.map((r) => r.id);
  const marks = new Map(all.map((r) => [r.id, { ref: r.trigger.ref, build: r.trigger.build }]));
  return {
    plan,
    runs: counted.reverse().map(historyRun),
    reruns: reruns.length,
    slowest: await slowestScenarios(db, runIds, opts.top),
    flaky: await flakyScenarios(db, runIds, marks, opts.top),
    job_costs: await planJobCosts(db, plan.id, opts.priorJobCostMs),
  };
}

/** The job costs the plan's next run will count: learnt from its last finished runs, as the queue does. */
async function planJobCosts(db: Kysely<Database>, planId: number, priorMs: number): Promise<JobCost[]> {
  const runs = await db
    .selectFrom('runs')
    .select('id')
    .where('plan_id', '=', planId)
    .where('status', 'in', TERMINAL_RUN_STATUSES)
    .orderBy('id', 'desc')
    .limit(ESTIMATE_HISTORY_RUNS)
    .execute();
  const learnt = await learnJobCosts(
    db,
    runs.map((r) => r.id),
    priorMs,
  );
  return learnt.map((c) => ({
    environment: c.environmentName,
    fixed_ms: c.fixedMs,
    per_file_ms: c.perFileMs,
    jobs: c.jobs,
  }));
}

/**
 * The plan's last `count` runs that are not reruns, and the reruns created since the oldest of them,
 * both newest first. Ids grow with creation, so reading newest first by id pages through time.
 */
async function historyWindow(
  db: Kysely<Database>,
  planId: number,
  count: number,
): Promise<{ counted: Run[]; reruns: Run[] }> {
  const counted: Run[] = [];
  const reruns: Run[] = [];
  let beforeId: number | undefined;
  for (;;) {
    const page = await listRunViews(db, { projectIds: null, planId, limit: PAGE, beforeId });
    for (const r of page.items) {
      if (counted.length === count) return { counted, reruns };
      (r.rerun_parent_id === null ? counted : reruns).push(r);
    }
    if (counted.length === count || page.next_cursor === null || page.items.length === 0) return { counted, reruns };
    beforeId = page.items.at(-1)!.id;
  }
}

function historyRun(r: Run): HistoryRun {
  const c = r.counts;
  const ran = c.passed + c.flaky + c.failed + c.aborted + c.stopped;
  return {
    id: r.id,
    status: r.status,
    result: r.result,
    counts: c,
    pass_rate: ran > 0 ? (c.passed + c.flaky) / ran : null,
    duration_ms: r.duration_ms,
    created_at: r.created_at,
    build: r.trigger.build,
    branch: r.trigger.branch,
    ref: r.trigger.ref,
  };
}

async function slowestScenarios(db: Kysely<Database>, runIds: number[], top: number): Promise<SlowScenario[]> {
  const rows = await db
    .selectFrom('results')
    .innerJoin('scenarios', 'scenarios.id', 'results.scenario_id')
    .select((eb) => [
      'results.scenario_id',
      'scenarios.key',
      'results.environment_name',
      eb.fn.avg<number>('results.duration_ms').as('avg_ms'),
      eb.fn.max<number>('results.duration_ms').as('max_ms'),
      eb.fn.countAll<number>().as('samples'),
    ])
    .where('results.run_id', 'in', runIds)
    .where('results.duration_ms', 'is not', null)
    .groupBy(['results.scenario_id', 'scenarios.key', 'results.environment_name'])
    .orderBy('avg_ms', 'desc')
    .orderBy('results.scenario_id')
    .limit(top)
    .execute();
  return rows.map((r) => ({
    scenario: { id: r.scenario_id, key: r.key },
    environment: r.environment_name,
    avg_ms: Math.round(Number(r.avg_ms)),
    max_ms: Number(r.max_ms),
    samples: Number(r.samples),
  }));
}

/** `sum(case when status in (…) then 1 else 0 end)`: how many of a group's rows have one of the statuses. */
function countWhere(eb: ExpressionBuilder<Database, 'results'>, statuses: ScenarioResult[]) {
  return eb.fn.sum<number>(eb.case().when('results.status', 'in', statuses).then(1).else(0).end());
}

/**
 * Candidates are found in SQL (a retried pass, or both a pass and a failure in the window); whether a
 * change happened without a code change needs the run order, refs and builds, so it is decided here.
 */
async function flakyScenarios(
  db: Kysely<Database>,
  runIds: number[],
  marks: Map<number, CodeMark>,
  top: number,
): Promise<FlakyScenario[]> {
  const candidates = await db
    .selectFrom('results')
    .innerJoin('scenarios', 'scenarios.id', 'results.scenario_id')
    .select(['results.scenario_id', 'scenarios.key', 'results.environment_name'])
    .where('results.run_id', 'in', runIds)
    .groupBy(['results.scenario_id', 'scenarios.key', 'results.environment_name'])
    .having((eb) =>
      eb.or([
        eb(countWhere(eb, ['flaky']), '>', 0),
        eb.and([eb(countWhere(eb, PASSING), '>', 0), eb(countWhere(eb, FAILING), '>', 0)]),
      ]),
    )
    .orderBy('results.scenario_id')
    .limit(top * 5)
    .execute();
  if (candidates.length === 0) return [];
  const strips = await statusStrips(db, runIds, [...new Set(candidates.map((c) => c.scenario_id))]);
  const out: FlakyScenario[] = [];
  for (const c of candidates) {
    const strip = strips.get(stripKey(c.scenario_id, c.environment_name)) ?? [];
    const verdict = judgeStrip(strip, marks);
    if (verdict.reasons.length > 0)
      out.push({ scenario: { id: c.scenario_id, key: c.key }, environment: c.environment_name, ...verdict, strip });
  }
  return out.sort((a, b) => b.flips + b.retried_passes - (a.flips + a.retried_passes)).slice(0, top);
}

const stripKey = (scenarioId: number, environment: string) => `${scenarioId}\u0000${environment}`;

async function statusStrips(
  db: Kysely<Database>,
  runIds: number[],
  scenarioIds: number[],
): Promise<Map<string, StripCell[]>> {
  const rows = await db
    .selectFrom('results')
    .select(['run_id', 'scenario_id', 'environment_name', 'status'])
    .where('run_id', 'in', runIds)
    .where('scenario_id', 'in', scenarioIds)
    .orderBy('run_id')
    .execute();
  const strips = new Map<string, StripCell[]>();
  for (const r of rows) {
    const key = stripKey(r.scenario_id, r.environment_name);
    const strip = strips.get(key) ?? [];
    strip.push({ run_id: r.run_id, status: r.status });
    strips.set(key, strip);
  }
  return strips;
}

/**
 * Whether two runs tested the same code: compared by git ref when both name one, else by build
 * number when both carry one; `unknown` when they carry nothing to compare.
 */
export function codeBetween(a: CodeMark | undefined, b: CodeMark | undefined): 'same' | 'changed' | 'unknown' {
  if (a?.ref && b?.ref) return a.ref === b.ref ? 'same' : 'changed';
  if (a?.build && b?.build) return a.build === b.build ? 'same' : 'changed';
  return 'unknown';
}

/**
 * Counts retried passes and pass/fail changes between consecutive runs that are not across a known
 * code change; `flips_same_code` are those known to be on the same code.
 */
export function judgeStrip(
  strip: StripCell[],
  marks: Map<number, CodeMark>,
): { reasons: FlakyReason[]; flips: number; flips_same_code: number; retried_passes: number } {
  const retried = strip.filter((c) => c.status === 'flaky').length;
  const decided = strip.filter((c) => PASSING.includes(c.status) || FAILING.includes(c.status));
  let flips = 0;
  let same = 0;
  for (let i = 1; i < decided.length; i++) {
    const [a, b] = [decided[i - 1]!, decided[i]!];
    if (PASSING.includes(a.status) === PASSING.includes(b.status)) continue;
    const code = codeBetween(marks.get(a.run_id), marks.get(b.run_id));
    if (code === 'changed') continue;
    flips++;
    if (code === 'same') same++;
  }
  const reasons: FlakyReason[] = [];
  if (retried > 0) reasons.push('passed_on_retry');
  if (same > 0) reasons.push('changed_without_code_change');
  if (flips > same) reasons.push('changed_code_unknown');
  return { reasons, flips, flips_same_code: same, retried_passes: retried };
}
