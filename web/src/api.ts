import type { AgentList } from '../../src/protocol/agent-view.js';
import type { Static } from 'typebox';
import type { Me as MeSchema, RerunBody, ResultRow, Run, TriggerRunBody } from '../../src/protocol/api.js';
import type { PlanHistory, PlanLastRun } from '../../src/protocol/plan-history.js';
import type {
  EnvironmentView as WireEnvironmentView,
  JobView,
  PlanListItem as WirePlanListItem,
  PlanView as WirePlanView,
} from '../../src/protocol/resource-views.js';

/** Typed client of Proctor's public API; every call sends the key in the Authorization header. */

export type { AgentList, PlanHistory, PlanLastRun, RerunBody, ResultRow, Run, TriggerRunBody };
export type Me = Static<typeof MeSchema>;
export type { AgentView } from '../../src/protocol/agent-view.js';
export type { FlakyScenario, HistoryRun, JobCost, SlowScenario } from '../../src/protocol/plan-history.js';

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** A file kept with a result: screenshots, videos, Playwright traces. */
export type Artifact = ResultRow['artifacts'][number];
export type ResultView = ResultRow;
export type RunView = Run;

/**
 * Plans and environments as the API answers them (src/protocol/resource-views.ts); their
 * `definition` is the free-form document `proctor.yaml` holds, of which the dashboard reads these fields.
 */
export type PlanView = Omit<WirePlanView, 'definition'> & {
  definition: Record<string, unknown> & { environments?: string[]; framework?: string; description?: string };
};
export type PlanListItem = PlanView & Pick<WirePlanListItem, 'last_run'>;
export type EnvironmentView = Omit<WireEnvironmentView, 'definition'> & {
  definition: { platform?: string; labels?: string[]; variables?: Record<string, string> };
};
export type { JobView };

export interface RunQuery {
  project?: string;
  plan?: string;
  status?: string;
  result?: string;
  source?: string;
  branch?: string;
  build?: string;
  created_from?: string;
  created_before?: string;
  cursor?: string;
  limit?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function query(params: object): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function failure(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  return new ApiError(res.status, body?.error?.code ?? 'HTTP_ERROR', body?.error?.message ?? `HTTP ${res.status}`);
}

export type Api = ReturnType<typeof createApi>;

/** The client for one key; it never puts the key anywhere but the Authorization header. */
export function createApi(token: string) {
  const headers = (extra?: Record<string, string>) => ({ authorization: `Bearer ${token}`, ...extra });
  async function send(method: string, path: string, body?: unknown, extra?: Record<string, string>): Promise<Response> {
    const init: RequestInit = {
      method,
      headers: headers(body !== undefined ? { 'content-type': 'application/json', ...extra } : extra),
    };
    if (body !== undefined) init.body = JSON.stringify(body);
    const res = await fetch(path, init);
    if (!res.ok) throw await failure(res);
    return res;
  }
  const json = async <T>(method: string, path: string, body?: unknown, extra?: Record<string, string>) =>
    (await (await send(method, path, body, extra)).json()) as T;
  const enc = encodeURIComponent;
  return {
    me: () => json<Me>('GET', '/api/v1/me'),
    runs: (q: RunQuery) => json<Page<RunView>>('GET', `/api/v1/runs${query(q)}`),
    run: (id: number) => json<RunView>('GET', `/api/v1/runs/${id}`),
    results: (id: number, cursor?: string) =>
      json<Page<ResultView>>('GET', `/api/v1/runs/${id}/results${query({ limit: 1000, cursor })}`),
    jobs: (id: number) => json<{ items: JobView[] }>('GET', `/api/v1/runs/${id}/jobs`),
    jobLog: async (run: number, job: number) => (await send('GET', `/api/v1/runs/${run}/jobs/${job}/log`)).text(),
    cancel: (id: number) => json<RunView>('POST', `/api/v1/runs/${id}/cancel`),
    /** Keeps a run from retention (`on`), or lets its project's policy apply again. */
    keep: (id: number, on: boolean) => json<RunView>(on ? 'PUT' : 'DELETE', `/api/v1/runs/${id}/keep`),
    rerun: (id: number, body: RerunBody) =>
      json<RunView>('POST', `/api/v1/runs/${id}/rerun`, body, { 'x-proctor-client': 'dashboard' }),
    trigger: (plan: number, body: TriggerRunBody) =>
      json<RunView>('POST', `/api/v1/plans/${plan}/runs`, body, { 'x-proctor-client': 'dashboard' }),
    plans: () => json<{ items: PlanListItem[] }>('GET', '/api/v1/plans'),
    plan: (id: string) => json<PlanView>('GET', `/api/v1/plans/${enc(id)}`),
    history: (id: string, runs = 30) => json<PlanHistory>('GET', `/api/v1/plans/${enc(id)}/history${query({ runs })}`),
    environments: () => json<{ items: EnvironmentView[] }>('GET', '/api/v1/environments'),
    agents: () => json<AgentList>('GET', '/api/v1/agents'),
    /** The run's live updates (server-sent events), read with fetch so the key stays in a header. */
    runEvents: (id: number, signal: AbortSignal) =>
      fetch(`/api/v1/runs/${id}/events`, { headers: headers({ accept: 'text/event-stream' }), signal }),
    /** A file behind the API (artifacts), fetched with the key and handed over as a Blob. */
    blob: async (url: string) => (await send('GET', url)).blob(),
  };
}
