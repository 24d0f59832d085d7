import { createHash } from 'node:crypto';
import type { ClaimedJob } from '../../src/protocol/agent-api.js';
import { ProtocolAgent } from './protocol-agent.js';
import { ADMIN_TOKEN, type TestServer } from './server.js';

export const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** What a made run left: its id, its jobs, and the checksums of its artifacts. */
export interface MadeRun {
  id: number;
  jobs: number[];
  artifacts: string[];
}

/** Uploads an artifact of a job as its agent would. */
export async function uploadArtifact(
  s: TestServer,
  agent: ProtocolAgent,
  job: ClaimedJob,
  name: string,
  body: Buffer,
): Promise<number> {
  const res = await fetch(
    `${s.url}/api/agent/v1/jobs/${job.job_id}/artifacts?name=${name}&sha256=${sha(body)}&content_type=image/png`,
    {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${agent.token}`,
        'x-lease-token': job.lease_token,
        'content-type': 'application/octet-stream',
      },
      body,
    },
  );
  if (res.status !== 201) throw new Error(`artifact upload: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: number }).id;
}

/**
 * One run of `plan` through the agent protocol: discovery of `scenarios`, one job per claim that
 * streams `log` (two chunks) and uploads two artifacts, one shared by every run (`shared`) and one
 * of its own, then passes.
 */
export async function makeRun(
  s: TestServer,
  agent: ProtocolAgent,
  plan: string,
  opts: { scenarios: string[]; log: string; shared: Buffer; body?: unknown },
): Promise<MadeRun> {
  const run = (await s.api('POST', `/api/v1/plans/${plan}/runs`, opts.body ?? {})).body;
  if (typeof run.id !== 'number') throw new Error(`trigger: ${JSON.stringify(run)}`);
  const [disc] = await agent.claim(1);
  if (!disc) throw new Error('no discovery job');
  await agent.discover(disc, opts.scenarios);
  const made: MadeRun = { id: run.id, jobs: [], artifacts: [] };
  for (let i = 0; i < 20; i++) {
    const jobs = await agent.claim(4);
    if (jobs.length === 0) break;
    for (const job of jobs) {
      made.jobs.push(job.job_id);
      const half = Math.floor(opts.log.length / 2);
      let offset = 0;
      for (const data of [opts.log.slice(0, half), opts.log.slice(half)]) {
        const r = await s.api(
          'POST',
          `/api/agent/v1/jobs/${job.job_id}/log`,
          { lease_token: job.lease_token, offset, data },
          { token: agent.token },
        );
        offset = r.body.next_offset;
      }
      const own = Buffer.from(`screenshot of run ${run.id} job ${job.job_id}`);
      await uploadArtifact(s, agent, job, 'shared.png', opts.shared);
      await uploadArtifact(s, agent, job, 'own.png', own);
      made.artifacts.push(sha(opts.shared), sha(own));
      const done = await agent.execute(job, () => 'passed');
      if (done.status !== 200) throw new Error(`complete: ${JSON.stringify(done.body)}`);
    }
  }
  const ended = (await s.api('GET', `/api/v1/runs/${run.id}`)).body;
  if (ended.status !== 'completed') throw new Error(`run ${run.id} did not complete: ${ended.status}`);
  return made;
}

export { ADMIN_TOKEN, ProtocolAgent };
