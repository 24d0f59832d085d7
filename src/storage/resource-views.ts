import { environmentToDocument, planToDocument } from '../domain/plan-document.js';
import type { RetentionPolicy } from '../domain/retention-policy.js';
import type { AgentView } from '../protocol/agent-view.js';
import type { AppBuild } from '../protocol/api.js';
import type { PlanLastRun } from '../protocol/plan-history.js';
import type { RetentionPolicyView } from '../protocol/admin-api.js';
import type { EnvironmentView, KeyView, PlanView, RegistrationTokenView } from '../protocol/resource-views.js';
import type { CallbackSecretView, WebhookEndpoint } from '../protocol/webhooks.js';
import { isoTime, isoTimeOrNull } from '../protocol/wire-time.js';
import type { AgentJobRow } from './agent-jobs.js';
import type { AgentRecord } from './agents.js';
import type { ApiKey } from './api-keys.js';
import type { AppBuildRecord } from './app-builds.js';
import type { EnvironmentRecord } from './environments.js';
import type { PlanLastRunRecord, PlanRecord } from './plans.js';
import type { RegistrationToken } from './registration-tokens.js';
import type { SigningSecrets } from './signing-secrets.js';
import type { WebhookEndpointRecord } from './webhook-endpoints.js';

/*
 * Records of plans, environments, keys, registration tokens, agents, app builds, webhook endpoints,
 * signing secrets and retention policies as the API shows them: the views are declared in
 * `protocol/`, and these functions are the one place a record becomes one (runs and results:
 * run-views.ts; a run's jobs: run-jobs.ts).
 */

/** A plan with its definition as `proctor.yaml` would write it. */
export function planView(p: PlanRecord): PlanView {
  return {
    id: p.id,
    uuid: p.uuid,
    project_id: p.projectId,
    name: p.definition.name,
    definition: planToDocument(p.definition),
    created_at: isoTime(p.createdAt),
    updated_at: isoTime(p.updatedAt),
  };
}

/** A plan's latest run in the plans list; null before its first run. */
export function planLastRunView(r: PlanLastRunRecord | undefined): PlanLastRun | null {
  if (!r) return null;
  return {
    id: r.id,
    status: r.status,
    result: r.result,
    created_at: isoTime(r.createdAt),
    finished_at: isoTimeOrNull(r.finishedAt),
    rerun_parent_id: r.rerunParentId,
  };
}

export function environmentView(e: EnvironmentRecord): EnvironmentView {
  return {
    id: e.id,
    project_id: e.projectId,
    name: e.definition.name,
    definition: environmentToDocument(e.definition),
    created_at: isoTime(e.createdAt),
    updated_at: isoTime(e.updatedAt),
  };
}

/** An API key without its secret (only its hash is stored). */
export function keyView(k: ApiKey): KeyView {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    user: { id: k.userId, name: k.userName },
    authorities: k.authorities,
    project_ids: k.projectIds,
    created_at: isoTime(k.createdAt),
    last_used_at: isoTimeOrNull(k.lastUsedAt),
    revoked_at: isoTimeOrNull(k.revokedAt),
    rate_limit_per_minute: k.rateLimitPerMinute,
    max_active_runs: k.maxActiveRuns,
  };
}

/**
 * An agent with the running jobs among `jobs` that are its own. `scope` is the projects the caller
 * may see (null: all): the agent's projects and jobs outside it are left out, its busy slots are not.
 * `liveSince`: an online agent seen since then can take jobs now.
 */
export function agentView(a: AgentRecord, jobs: AgentJobRow[], scope: number[] | null, liveSince: number): AgentView {
  const mine = jobs.filter((j) => j.agentId === a.id);
  const visible = (projectId: number) => scope === null || scope.includes(projectId);
  return {
    id: a.id,
    name: a.name,
    labels: a.labels,
    project_ids: a.projectIds === null ? null : a.projectIds.filter(visible),
    status: a.status,
    live: a.status === 'online' && a.lastSeenAt !== null && a.lastSeenAt >= liveSince,
    slots: a.slots,
    busy_slots: mine.filter((j) => !j.lookahead).length,
    last_seen_at: isoTimeOrNull(a.lastSeenAt),
    jobs: mine
      .filter((j) => visible(j.projectId))
      .map((j) => ({
        job_id: j.jobId,
        run_id: j.runId,
        plan: j.plan,
        kind: j.kind,
        environment: j.environment,
        started_at: isoTimeOrNull(j.startedAt),
        lookahead: j.lookahead,
        suite_run: j.suiteRun,
      })),
  };
}

export function appBuildView(b: AppBuildRecord): AppBuild {
  return {
    id: b.id,
    uuid: b.uuid,
    project_id: b.projectId,
    name: b.name,
    version: b.version,
    file_name: b.fileName,
    sha256: b.sha256,
    size: b.size,
    url: b.url,
    created_by: b.createdBy,
    created_at: isoTime(b.createdAt),
  };
}

/** A registration token without its secret (only its hash is stored). */
export function registrationTokenView(t: RegistrationToken): RegistrationTokenView {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    created_at: isoTime(t.createdAt),
    expires_at: isoTimeOrNull(t.expiresAt),
    revoked_at: isoTimeOrNull(t.revokedAt),
    project_ids: t.projectIds,
  };
}

/** A webhook endpoint without its secrets (shown once, when made or rotated). */
export function webhookEndpointView(e: WebhookEndpointRecord): WebhookEndpoint {
  return {
    id: e.id,
    project_id: e.projectId,
    url: e.url,
    format: e.format,
    events: e.events,
    description: e.description,
    previous_secret_expires_at: e.secrets.previous ? isoTimeOrNull(e.secrets.previousExpiresAt) : null,
    disabled_at: isoTimeOrNull(e.disabledAt),
    disabled_reason: e.disabledReason,
    created_at: isoTime(e.createdAt),
  };
}

/** A project's callback secrets: the previous one only while it still signs. */
export function callbackSecretView(project: { id: number; name: string }, s: SigningSecrets): CallbackSecretView {
  const live = s.previous !== null && s.previousExpiresAt !== null;
  return {
    project,
    secret: s.current,
    previous_secret: live ? s.previous : null,
    previous_secret_expires_at: live ? isoTime(s.previousExpiresAt!) : null,
  };
}

export function retentionPolicyView(p: RetentionPolicy): RetentionPolicyView {
  return {
    run_days: p.runDays,
    run_last: p.runLast,
    log_days: p.logDays,
    artifact_days: p.artifactDays,
    app_build_last: p.appBuildLast,
  };
}
