import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  ClaimRequest,
  ClaimResponse,
  type ClaimedJob,
  CompleteRequest,
  CompleteResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  LogChunkRequest,
  LogChunkResponse,
  RegisterRequest,
  RegisterResponse,
} from '../../protocol/agent-api.js';
import { ErrorResponse } from '../../protocol/api.js';
import { appendLog } from '../../queue/append-log.js';
import { claimLookahead } from '../../queue/claim-lookahead.js';
import type { Claimer } from '../../queue/claim.js';
import { claimWaiting } from '../../queue/claim-wait.js';
import { completeAndClaim } from '../../queue/complete-and-claim.js';
import { heartbeat } from '../../queue/heartbeat.js';
import { releaseClaim } from '../../queue/release-claim.js';
import { registerAgent, setAgentStatus, type AgentRecord } from '../../storage/agents.js';
import type { ServerDeps } from '../deps.js';
import { agentOf } from '../principal.js';
import { numericId } from '../resolve.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
/** Heartbeats come this often; leases last several heartbeats, so one lost request costs nothing. */
export const HEARTBEAT_MS = 500;

const HUNG_UP = new Error('the agent closed the connection');

const claimerOf = (agent: AgentRecord): Claimer => ({
  agentId: agent.id,
  labels: agent.labels,
  projectIds: agent.projectIds,
});

export function agentRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const q = deps.queue;

  app.post<{ Body: RegisterRequest }>(
    '/api/agent/v1/register',
    {
      config: { auth: 'registration' },
      schema: {
        tags: ['agent'],
        summary: 'Register an agent with a registration token (or an ADMIN key); returns its credential',
        body: RegisterRequest,
        response: { 201: RegisterResponse, ...errors },
      },
    },
    async (req, reply) => {
      const principal = req.principal?.kind === 'registration' ? req.principal : null;
      const reg = principal?.token ?? null;
      // An agent reaches the projects of what registered it: a token's, or an ADMIN key's.
      const projectIds = reg ? reg.projectIds : (principal?.key?.projectIds ?? null);
      const { agent, token } = await registerAgent(
        deps.store.db,
        { ...req.body, registrationTokenId: reg?.id ?? null, projectIds },
        q.clock(),
      );
      return reply
        .status(201)
        .send({ agent_id: agent.id, token, heartbeat_ms: HEARTBEAT_MS, lease_ms: q.settings.leaseMs });
    },
  );

  app.post<{ Body: ClaimRequest }>(
    '/api/agent/v1/claim',
    {
      config: { auth: 'agent' },
      schema: {
        tags: ['agent'],
        summary: 'Claim jobs; waits up to wait_ms for one to fit',
        body: ClaimRequest,
        response: { 200: ClaimResponse, ...errors },
      },
    },
    async (req, reply) => {
      const agent = agentOf(req.principal);
      const delivery = trackDelivery(req, reply);
      const jobs = await claimWaiting(
        q,
        { ...claimerOf(agent), lastSeenAt: agent.lastSeenAt },
        req.body.free_slots,
        req.body.wait_ms ?? 0,
        delivery.gone,
      );
      return { jobs: await delivery.handOver(jobs) };
    },
  );

  app.post<{ Body: HeartbeatRequest }>(
    '/api/agent/v1/heartbeat',
    {
      config: { auth: 'agent' },
      schema: {
        tags: ['agent'],
        summary: 'Renew the leases of running jobs; returns jobs to cancel',
        body: HeartbeatRequest,
        response: { 200: HeartbeatResponse, ...errors },
      },
    },
    async (req) => heartbeat(q, agentOf(req.principal).id, req.body),
  );

  app.post(
    '/api/agent/v1/offline',
    {
      config: { auth: 'agent' },
      schema: {
        tags: ['agent'],
        summary: 'Say the agent stopped cleanly: it shows as offline, not lost (its next claim brings it back online)',
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await setAgentStatus(deps.store.db, agentOf(req.principal).id, 'offline');
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { job: string }; Body: LogChunkRequest }>(
    '/api/agent/v1/jobs/:job/log',
    {
      config: { auth: 'agent' },
      schema: {
        tags: ['agent'],
        summary:
          "Append a chunk of an attempt's log (in order; a duplicate or a gap is refused with the offset to resume from)",
        params: Type.Object({ job: Type.String() }),
        body: LogChunkRequest,
        response: { 200: LogChunkResponse, ...errors },
      },
    },
    async (req) => appendLog(q, agentOf(req.principal).id, numericId(req.params.job, 'job'), req.body),
  );

  app.post<{ Params: { job: string }; Body: CompleteRequest }>(
    '/api/agent/v1/jobs/:job/complete',
    {
      config: { auth: 'agent' },
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags: ['agent'],
        summary:
          'Complete an attempt with its parsed results (idempotent; fenced by the lease token), and claim the next jobs in the same call',
        params: Type.Object({ job: Type.String() }),
        body: CompleteRequest,
        response: { 200: CompleteResponse, ...errors },
      },
    },
    async (req, reply) => {
      const agent = agentOf(req.principal);
      const delivery = trackDelivery(req, reply);
      const { claim, ...completion } = req.body;
      const claimer = claimerOf(agent);
      const { jobs, ...out } = await completeAndClaim(
        q,
        numericId(req.params.job, 'job'),
        claimer,
        completion,
        claim?.free_slots ?? 0,
      );
      const after = claim?.lookahead ? (claim.lookahead.after_job ?? jobs[0]?.job_id) : undefined;
      // A lookahead only saves time: failing it must not lose the jobs already claimed.
      const next =
        after === undefined
          ? null
          : await claimLookahead(q, claimer, after).catch((e: unknown) => {
              req.log.warn({ err: e }, 'lookahead claim failed');
              return null;
            });
      const delivered = await delivery.handOver(next ? [...jobs, next] : jobs);
      return {
        ...out,
        jobs: delivered.slice(0, jobs.length),
        ...(claim?.lookahead ? { lookahead: delivered.slice(jobs.length) } : {}),
      };
    },
  );

  /**
   * Watches whether the agent is still there to receive the answer. Jobs claimed for a response
   * that never reaches it (it hung up, or sending failed) go back to the queue at once instead of
   * waiting for their lease to expire.
   */
  function trackDelivery(
    req: FastifyRequest,
    reply: FastifyReply,
  ): { gone: AbortSignal; handOver(jobs: ClaimedJob[]): Promise<ClaimedJob[]> } {
    const gone = new AbortController();
    // The response closing before we answered means the agent hung up. (A reason of our own: the
    // default one is a DOMException with a stack trace, for every response.)
    reply.raw.once('close', () => gone.abort(HUNG_UP));
    const release = (jobs: ClaimedJob[]) =>
      Promise.all(jobs.map((j) => releaseClaim(q, j.job_id, j.lease_token))).catch((e) =>
        req.log.error({ err: e }, 'releasing an undelivered claim failed'),
      );
    return {
      gone: gone.signal,
      async handOver(jobs) {
        if (jobs.length === 0) return jobs;
        if (gone.signal.aborted) {
          await release(jobs);
          return [];
        }
        reply.raw.once('close', () => void (reply.raw.writableFinished ? undefined : release(jobs)));
        return jobs;
      },
    };
  }
}
