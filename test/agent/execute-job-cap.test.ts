import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { executeJob } from '../../src/agent/execute-job.js';
import { AGENT_REPORT_LIMITS, type ClaimedJob } from '../../src/protocol/agent-api.js';

/**
 * What the agent sends when a job's error is longer than the protocol's limit: the server would
 * cap it too, but a server that refused it (as one did, with a 400) left the job to lose lease
 * after lease. The agent reports what `executeJob` returns, so its completion is what is sent.
 */
it('sends an error longer than the limit cut to it, keeping its end behind a marker that says how much was dropped', async () => {
  const workRoot = mkdtempSync(join(tmpdir(), 'proctor-cap-'));
  // A workdir that does not exist: the error names it twice, as written and as resolved.
  const workdir = `missing-${'w'.repeat(100_000)}`;
  const job: ClaimedJob = {
    job_id: 1,
    run_id: 1,
    kind: 'discover',
    attempt: 1,
    lease_token: 'lease',
    lease_expires_at: 0,
    timeout_ms: 60_000,
    framework: 'command',
    workdir,
    repo: null,
    options: { command: 'true' },
    environment: { name: 'e', variables: {}, secrets: [] },
    parameters: {},
    scenarios: [],
  };
  const sent = await executeJob(job, { workRoot, signal: AbortSignal.timeout(30_000) });
  expect([sent.outcome, sent.reason]).toEqual(['errored', 'bad_options']);
  const full = `workdir "${workdir}" does not exist on this agent (looked in ${join(workRoot, workdir)}); fix the plan's workdir or start the agent with --workdir`;
  expect(full.length).toBeGreaterThan(2 * AGENT_REPORT_LIMITS.error);
  const error = sent.error!;
  expect(error.length).toBeLessThanOrEqual(AGENT_REPORT_LIMITS.error);
  expect(error.length).toBeGreaterThan(AGENT_REPORT_LIMITS.error - 50);
  const marker = /^…\[(\d+) characters truncated\]…\n/.exec(error);
  expect(marker, error.slice(0, 80)).not.toBeNull();
  expect(error).toBe(`${marker![0]}${full.slice(Number(marker![1]))}`);
  expect(error.endsWith('start the agent with --workdir')).toBe(true);
});
