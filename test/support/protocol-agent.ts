import type { ClaimedJob, CompleteRequest } from '../../src/protocol/agent-api.js';
import type { TestServer } from './server.js';

/** Drives the agent protocol by hand, so tests decide exactly what an agent reports. */
export class ProtocolAgent {
  private constructor(
    private readonly s: TestServer,
    readonly token: string,
  ) {}

  /** Registers with the admin key, or with `token` (a registration token or another ADMIN key). */
  static async register(s: TestServer, labels: string[] = [], slots = 4, token?: string): Promise<ProtocolAgent> {
    const r = await s.api(
      'POST',
      '/api/agent/v1/register',
      { name: 'protocol-agent', labels, slots },
      token === undefined ? {} : { token },
    );
    if (r.status !== 201) throw new Error(`register failed: ${JSON.stringify(r.body)}`);
    return new ProtocolAgent(s, r.body.token);
  }

  async claim(freeSlots = 1, waitMs = 0): Promise<ClaimedJob[]> {
    const r = await this.s.api(
      'POST',
      '/api/agent/v1/claim',
      { free_slots: freeSlots, wait_ms: waitMs },
      { token: this.token },
    );
    if (r.status !== 200) throw new Error(`claim failed: ${JSON.stringify(r.body)}`);
    return r.body.jobs;
  }

  async complete(job: ClaimedJob, body: Omit<CompleteRequest, 'lease_token'>, leaseToken = job.lease_token) {
    return this.s.api(
      'POST',
      `/api/agent/v1/jobs/${job.job_id}/complete`,
      { lease_token: leaseToken, ...body },
      { token: this.token },
    );
  }

  async heartbeat(jobs: ClaimedJob[]) {
    return this.s.api(
      'POST',
      '/api/agent/v1/heartbeat',
      { jobs: jobs.map((j) => ({ job_id: j.job_id, lease_token: j.lease_token })) },
      { token: this.token },
    );
  }

  /** Completes a discovery job with the given scenario keys (file = the part before " > "). */
  discover(job: ClaimedJob, keys: string[], extra: Partial<CompleteRequest> = {}) {
    return this.complete(job, {
      outcome: 'completed',
      scenarios: keys.map((key) => ({ key, file: key.split(' > ')[0]!, path: key.split(' > ').slice(1), tags: [] })),
      ...extra,
    });
  }

  /** Completes an execution job, each scenario with the outcome `outcomeOf` gives it. */
  execute(
    job: ClaimedJob,
    outcomeOf: (key: string) => 'passed' | 'failed' | 'skipped' | 'errored' | undefined,
    extra: Partial<CompleteRequest> = {},
  ) {
    const results = job.scenarios
      .map((s) => ({ s, outcome: outcomeOf(s.key) }))
      .filter((x) => x.outcome !== undefined)
      .map(({ s, outcome }) => ({
        key: s.key,
        file: s.file,
        path: s.path,
        outcome: outcome!,
        durationMs: 5,
        ...(outcome === 'failed' ? { message: `boom in ${s.key}`, stack: 'at test' } : {}),
      }));
    return this.complete(job, { outcome: 'completed', results, exit_code: 0, ...extra });
  }
}
