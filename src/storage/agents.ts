import type { Kysely } from 'kysely';
import type { AgentStatus } from '../protocol/statuses.js';
import { newCredential, parseToken, sameHash, hashSecret } from './credential.js';
import type { DialectCapabilities } from './dialect.js';
import { fromJson, toJson } from './json.js';
import { prepared } from './prepared.js';
import type { Database } from './schema.js';

export interface AgentRecord {
  id: number;
  name: string;
  labels: string[];
  slots: number;
  status: string;
  createdAt: number;
  lastSeenAt: number | null;
  /** The projects whose jobs it may claim; null: every project. */
  projectIds: number[] | null;
}

type AgentRow = {
  id: number;
  name: string;
  labels: string;
  slots: number;
  status: string;
  created_at: number;
  last_seen_at: number | null;
  project_ids: string | null;
};

function toRecord(r: AgentRow): AgentRecord {
  return {
    id: r.id,
    name: r.name,
    labels: fromJson(r.labels, []),
    slots: r.slots,
    status: r.status,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    projectIds: fromJson(r.project_ids, null),
  };
}

/** Registers an agent and returns its credential (shown once). */
export async function registerAgent(
  db: Kysely<Database>,
  input: {
    name: string;
    labels: string[];
    slots: number;
    registrationTokenId?: number | null;
    projectIds: number[] | null;
  },
  now: number,
): Promise<{ agent: AgentRecord; token: string }> {
  const cred = newCredential('ag');
  const row = await db
    .insertInto('agents')
    .values({
      name: input.name,
      labels: toJson([...new Set(input.labels)].sort()),
      slots: input.slots,
      prefix: cred.prefix,
      secret_hash: cred.hash,
      status: 'online',
      created_at: now,
      last_seen_at: now,
      registration_token_id: input.registrationTokenId ?? null,
      project_ids: input.projectIds === null ? null : toJson(input.projectIds),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { agent: toRecord(row), token: cred.token };
}

const agentByPrefix = prepared((db, v: { prefix: string }) =>
  db.selectFrom('agents').selectAll().where('prefix', '=', v.prefix),
);

/** The agent an agent credential belongs to; undefined for anything else, and for a retired agent. Runs on every agent call. */
export async function authenticateAgent(
  db: Kysely<Database>,
  cap: DialectCapabilities,
  token: string,
): Promise<AgentRecord | undefined> {
  const parsed = parseToken(token);
  if (!parsed || !token.startsWith('ag_')) return undefined;
  const r = await agentByPrefix.first(db, cap, { prefix: parsed.prefix });
  if (!r || r.status === 'retired' || !sameHash(r.secret_hash, hashSecret(token))) return undefined;
  return toRecord(r);
}

/** Marks an agent as seen now (and online again if it had been marked lost). */
export async function touchAgent(db: Kysely<Database>, id: number, now: number): Promise<void> {
  await db
    .updateTable('agents')
    .set({ last_seen_at: now, status: 'online' })
    .where('id', '=', id)
    .where('status', '!=', 'retired')
    .execute();
}

export async function setAgentStatus(db: Kysely<Database>, id: number, status: AgentStatus): Promise<void> {
  await db.updateTable('agents').set({ status }).where('id', '=', id).execute();
}

/**
 * Marks agents lost (they stopped being seen): the agent whose lease expired (`id`), or every online
 * agent not seen since `notSeenSince`. A lost agent is online again at its next call (`touchAgent`).
 */
export async function markAgentsLost(
  db: Kysely<Database>,
  which: { id: number } | { notSeenSince: number },
): Promise<void> {
  const q = db.updateTable('agents').set({ status: 'lost' });
  await ('id' in which
    ? q.where('id', '=', which.id)
    : q.where('status', '=', 'online').where('last_seen_at', '<', which.notSeenSince)
  ).execute();
}

export async function listAgents(db: Kysely<Database>): Promise<AgentRecord[]> {
  return (await db.selectFrom('agents').selectAll().where('status', '!=', 'retired').orderBy('id').execute()).map(
    toRecord,
  );
}
