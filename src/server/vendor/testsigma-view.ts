import type { Run } from '../../protocol/api.js';
import type { PlanRecord } from '../../storage/plans.js';

/** What the Testsigma view needs besides the run itself. */
export interface TestsigmaContext {
  plan: PlanRecord;
  /** The environment id the trigger named (`environmentId`), echoed back. */
  environmentId: number | null;
  /** The newest run of the plan (`execution.lastRunId`). */
  lastRunId: number | null;
}

/**
 * Testsigma's result names. testsigma-execution-results.md lists "QUEUED, PASSED, FAILED, ABORTED,
 * or STOPPED" but its example answers "FAILURE"; the example is what clients parse, so the family
 * is Testsigma's own (SUCCESS, FAILURE, ABORTED, STOPPED, QUEUED), of which FAILURE is one.
 */
const RESULT: Record<string, string> = { passed: 'SUCCESS', failed: 'FAILURE', aborted: 'ABORTED', stopped: 'STOPPED' };
const STATUS: Record<string, string> = { queued: 'STATUS_CREATED', running: 'STATUS_IN_PROGRESS', completed: 'STATUS_COMPLETED', cancelled: 'STATUS_COMPLETED' };
const MESSAGE: Record<string, string> = {
  QUEUED: 'Test Plan execution is initiated and waiting to be queued',
  IN_PROGRESS: 'Test plan execution is in progress',
  SUCCESS: 'Test plan execution completed successfully',
  FAILURE: 'Test plan execution failed',
  ABORTED: 'Test plan execution aborted',
  STOPPED: 'Test plan execution stopped',
};
/** Testsigma has no "chosen pairs" rerun; ALL_TESTS reads as "every test of this (narrowed) rerun". */
const RERUN_TYPE: Record<string, string> = { failed: 'ONLY_FAILED_TESTS', pairs: 'ALL_TESTS' };

const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));

/** Settings Testsigma reports per plan; Proctor has no such knobs, so these are Testsigma's defaults. */
const EXECUTION_DETAILS = {
  page_timeout: 30,
  element_timeout: 30,
  recovery_action: 'Run_Next_Testcase',
  on_aborted_action: 'Reuse_Session',
  screenshot_option: 'FAILED_STEPS',
  group_prerequisite_fail: 'Abort',
  test_case_prerequisite_fail: 'Abort',
  test_step_prerequisite_fail: 'Run_Next_Testcase',
  global_param_name: null,
};

/**
 * A run as Testsigma's execution result ("Test Plan Run"): the body of both endpoints of
 * testsigma-execution-results.md. `execution` (the plan's details) is null in the answer to a
 * trigger, as in the document's example, and filled in the status answer.
 */
export function executionResult(run: Run, ctx: TestsigmaContext, withExecution: boolean): Record<string, unknown> {
  const c = run.counts;
  const result = run.result === null ? 'QUEUED' : RESULT[run.result] ?? 'ABORTED';
  const message = run.status === 'running' ? MESSAGE.IN_PROGRESS : MESSAGE[result];
  return {
    id: run.id,
    execution: withExecution ? execution(run, ctx) : null,
    executionId: run.plan.id,
    startTime: ms(run.started_at) ?? ms(run.created_at),
    endTime: ms(run.finished_at),
    duration: run.duration_ms,
    result,
    status: STATUS[run.status] ?? 'STATUS_CREATED',
    message,
    executedBy: run.trigger.user_id,
    buildNo: run.trigger.build,
    environmentId: ctx.environmentId,
    totalCount: c.total,
    failedCount: c.failed,
    // Flaky scenarios passed in the end; skipped ones never ran: Testsigma calls that "not executed".
    passedCount: c.passed + c.flaky,
    abortedCount: c.aborted,
    stoppedCount: c.stopped,
    notExecutedCount: c.not_executed + c.skipped,
    preRequisiteFailedCount: 0,
    queuedCount: c.queued,
    isVisuallyPassed: null,
    environment: null,
    childResult: null,
    reRunParentId: run.rerun_parent_id,
    reRunType: run.rerun_type === null ? null : RERUN_TYPE[run.rerun_type] ?? null,
    triggeredType: run.trigger.source === 'dashboard' ? 'MANUAL' : 'API',
    totalRunningCount: c.running,
    executionDetails: EXECUTION_DETAILS,
    totalQueuedCount: c.queued,
  };
}

/** The nested `execution`: the plan (Testsigma's "Test Plan"), its application and project. */
function execution(run: Run, ctx: TestsigmaContext): Record<string, unknown> {
  const p = ctx.plan;
  const project = {
    id: run.project.id,
    name: run.project.name,
    description: '',
    customFields: '{}',
    hasMultipleApps: false,
    hasMultipleVersions: false,
    isDemo: false,
    projectType: 'WebApplication',
    createdBy: null,
    updatedBy: null,
    createdDate: null,
    updatedDate: null,
    files: null,
  };
  // Proctor has no applications or versions: the project stands for both, as one default version.
  const application = { id: run.project.id, name: run.project.name, description: '', customFields: '{}', projectId: run.project.id, applicationType: 'WebApplication', project, createdById: null, updatedById: null, createdDate: null, updatedDate: null };
  const applicationVersion = { id: run.project.id, applicationId: run.project.id, versionName: 'Default Version', description: null, startTime: null, customFields: null, endTime: null, application, updatedDate: null, createdById: null, updatedById: null, createdDate: null };
  return {
    id: p.id,
    applicationVersionId: run.project.id,
    name: p.definition.name,
    description: p.definition.description || null,
    mailList: null,
    elementTimeOut: EXECUTION_DETAILS.element_timeout,
    pageTimeOut: EXECUTION_DETAILS.page_timeout,
    environmentId: ctx.environmentId,
    screenshot: EXECUTION_DETAILS.screenshot_option,
    recoveryAction: EXECUTION_DETAILS.recovery_action,
    onAbortedAction: EXECUTION_DETAILS.on_aborted_action,
    onSuitePreRequisiteFail: EXECUTION_DETAILS.group_prerequisite_fail,
    onStepPreRequisiteFail: EXECUTION_DETAILS.test_step_prerequisite_fail,
    reRunType: 'NONE',
    executionLabType: 'Hybrid',
    executionType: 'CROSS_BROWSER',
    isManual: false,
    lastRunId: ctx.lastRunId,
    applicationVersion,
    lastRun: null,
    slack: { enabled: null, channel: null, user_name: null },
    createdDate: p.createdAt,
    updatedDate: p.updatedAt,
    createdById: null,
    updatedById: null,
    matchBrowserVersion: false,
    visualTestingEnabled: false,
    notificationStatusList: [],
    msTeamsConnectorNotificationEnabled: false,
    googleChatConnectorNotificationEnabled: false,
    environments: [],
    retrySessionCreation: false,
    retrySessionCreationTimeout: null,
    onTestCasePreRequisiteFail: EXECUTION_DETAILS.test_case_prerequisite_fail,
  };
}
