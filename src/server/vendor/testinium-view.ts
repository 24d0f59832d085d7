import type { ResultRow, Run } from '../../protocol/api.js';
import { SCENARIO_RESULTS, type ScenarioResult } from '../../protocol/statuses.js';
import { isoTime } from '../../protocol/wire-time.js';
import type { AppBuildRecord } from '../../storage/app-builds.js';
import type { MobileOs } from '../../storage/plan-mobile-apps.js';
import type { PlanRecord } from '../../storage/plans.js';
import { PROCTOR_COMPANY } from './testinium-company.js';

/*
 * Proctor's plans, runs and results as Testinium's PlanDTO, TestExecutionDTO and TestResultDTO
 * (testinium-enterprise-1.16.7/plan and /reports). A plan is a test plan, a run a test
 * execution, a scenario × environment row a test result.
 */

const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));

/**
 * A result's `level`. Testinium's words (its Jenkins plugin knows SUCCESS, FAILURE, ERROR and
 * RUNNING): flaky passed in the end, aborted broke around the test (ERROR); a result that never
 * got to run says so.
 */
export const LEVEL = {
  passed: 'SUCCESS',
  flaky: 'SUCCESS',
  failed: 'FAILURE',
  aborted: 'ERROR',
  queued: 'RUNNING',
  running: 'RUNNING',
  skipped: 'SKIPPED',
  stopped: 'STOPPED',
  not_executed: 'NOT_EXECUTED',
} as const satisfies Record<ScenarioResult, string>;

/** Which app builds an OS takes, by file name: what Testinium's "Mobile app not Android" checks. */
export const OS_FILES: Record<MobileOs, RegExp> = { android: /\.(apk|aab)$/i, ios: /\.(ipa|app|app\.zip|zip)$/i };
export const OS_NAMES: Record<MobileOs, string> = { android: 'Android', ios: 'iOS' };

/** The OS an app build is for, by its file name; null when the name says neither (not a mobile app). */
export function mobileOsOf(fileName: string): MobileOs | null {
  if (OS_FILES.android.test(fileName)) return 'android';
  return OS_FILES.ios.test(fileName) ? 'ios' : null;
}

/**
 * A project as Testinium's ProjectDTO (enterprise 2.0, project/get-project-by-id-or-name), with its
 * mobile apps when given. Proctor projects are always enabled and know no test framework (a plan does).
 */
export function projectDto(p: { id: number; name: string }, apps?: readonly AppBuildRecord[]): Record<string, unknown> {
  const dto: Record<string, unknown> = {
    id: p.id,
    project_name: p.name,
    description: '',
    enabled: true,
    repository_path: null,
    test_framework: null,
    test_file_type: null,
    test_runner_tool: null,
  };
  if (apps) {
    dto.mobile_apps = apps.flatMap((b) => {
      const os = mobileOsOf(b.fileName);
      return os ? [mobileApp(b, os)] : [];
    });
  }
  return dto;
}

/** A `MobileApp` of a PlanDTO or ProjectDTO: an app build. */
export function mobileApp(build: AppBuildRecord, os: MobileOs): Record<string, unknown> {
  const created = isoTime(build.createdAt);
  return {
    id: build.id,
    mobile_app_name: build.fileName,
    mobile_app_hash: build.sha256 ?? '',
    operating_system: os.toUpperCase(),
    mobile_app_metadata: JSON.stringify({ label: build.name, versionName: build.version }),
    created_at: `${created.slice(0, 10)} ${created.slice(11, 19)}`,
  };
}

/** What a PlanDTO shows besides the plan: its environments' and scenarios' ids, its selected apps. */
export interface PlanExtras {
  environmentIds: number[];
  scenarioIds: number[];
  apps: Partial<Record<MobileOs, AppBuildRecord>>;
}

/** A plan as Testinium's PlanDTO. Scheduling, alerts and screenshots are Testinium's; these are its defaults. */
export function planDto(plan: PlanRecord, x: PlanExtras): Record<string, unknown> {
  const d = plan.definition;
  return {
    id: plan.id,
    project_id: plan.projectId,
    company_id: PROCTOR_COMPANY.id,
    plan_name: d.name,
    group_plan: false,
    description: d.description,
    enabled: true,
    plan_parallel_test_limit: d.maxParallel,
    scenarios: x.scenarioIds,
    period: { period_type: 'MANUAL', days_of_week: '2,3,4,5,6,7,1', repeat_period: 60 },
    alerts: [],
    alerts_enabled: false,
    failed_test_retry_count: d.retries,
    screen_shot_type: 'NO',
    video_enabled: false,
    environments: x.environmentIds.map((id) => ({ id })),
    clear_app_data: false,
    fetch_app_files: [],
    selected_android_mobile_app: x.apps.android ? mobileApp(x.apps.android, 'android') : null,
    selected_ios_mobile_app: x.apps.ios ? mobileApp(x.apps.ios, 'ios') : null,
  };
}

/** A result row as Testinium's TestResultDTO. */
export function testResultDto(
  run: Pick<Run, 'id' | 'uuid' | 'plan' | 'project'>,
  r: ResultRow,
): Record<string, unknown> {
  const log = r.job_id === null ? null : `/api/v1/runs/${run.id}/jobs/${r.job_id}/log`;
  return {
    id: r.id,
    level: LEVEL[r.status],
    start_date: ms(r.started_at),
    end_date: ms(r.finished_at),
    runtime: r.duration_ms ?? 0,
    session_id: `${run.uuid}-${r.id}`,
    message: r.message ?? '',
    screen_shot_type: 'NO',
    video_enabled: false,
    performance_data_enabled: false,
    test_key: `TEST-C${PROCTOR_COMPANY.id}-P${run.plan.id}-E${run.id}-S${r.scenario.id}-ENV:${r.environment}`,
    test_scenario: { id: r.scenario.id, name: r.scenario.key },
    test_plan: { id: run.plan.id },
    project: { id: run.project.id },
    video_format: null,
    environment: { id: r.environment_id, name: r.environment },
    test_execution: { id: run.id },
    node_log_path: log,
    executor_log_path: log,
  };
}

/** Counts per level (`result_summary`), and the same as `[FAILURE, 1]` text. */
function summary(counts: Run['counts']): { result_summary: Record<string, number>; test_result_status_counts: string } {
  const out: Record<string, number> = {};
  for (const status of SCENARIO_RESULTS)
    if (counts[status] > 0) out[LEVEL[status]] = (out[LEVEL[status]] ?? 0) + counts[status];
  const text = Object.entries(out)
    .map(([k, n]) => `${k}, ${n}`)
    .join(', ');
  return { result_summary: out, test_result_status_counts: `[${text}]` };
}

/**
 * A run as Testinium's TestExecutionDTO: `start_date` when it started (its creation while it
 * waits, so clients that time a run from it can), `end_date` null until it has ended, its results
 * (none in the list form of a plan's executions) and the count of each level.
 */
export function testExecutionDto(run: Run, rows: readonly ResultRow[] | null): Record<string, unknown> {
  return {
    id: run.id,
    plan: { id: run.plan.id },
    start_date: ms(run.started_at) ?? ms(run.created_at),
    end_date: ms(run.finished_at),
    test_results: rows ? rows.map((r) => testResultDto(run, r)) : [],
    ...summary(run.counts),
  };
}
