import type { Kysely, Selectable } from 'kysely';
import type { WebhookEventType, WebhookFormat } from '../protocol/webhooks.js';
import { fromJson, toJson } from './json.js';
import type { Database, WebhookEndpointTable } from './schema.js';
import { freshSecrets, parseSecrets, rotated, type SigningSecrets } from './signing-secrets.js';
import { idsOrNone } from './id-list.js';

/** A receiver of a project's run events. */
export interface WebhookEndpointRecord {
  id: number;
  projectId: number;
  url: string;
  format: WebhookFormat;
  events: WebhookEventType[];
  description: string | null;
  secrets: SigningSecrets;
  createdAt: number;
  disabledAt: number | null;
  disabledReason: string | null;
}

function toRecord(r: Selectable<WebhookEndpointTable>): WebhookEndpointRecord {
  return {
    id: r.id,
    projectId: r.project_id,
    url: r.url,
    format: r.format as WebhookFormat,
    events: fromJson(r.events, []),
    description: r.description,
    secrets: parseSecrets(r.secrets)!,
    createdAt: r.created_at,
    disabledAt: r.disabled_at,
    disabledReason: r.disabled_reason,
  };
}

export interface NewWebhookEndpoint {
  projectId: number;
  url: string;
  format: WebhookFormat;
  events: readonly WebhookEventType[];
  description: string | null;
}

/** Stores an endpoint with a fresh secret (in clear: it must sign; the API shows it only once). */
export async function createWebhookEndpoint(
  db: Kysely<Database>,
  input: NewWebhookEndpoint,
  now: number,
): Promise<WebhookEndpointRecord> {
  const row = await db
    .insertInto('webhook_endpoints')
    .values({
      project_id: input.projectId,
      url: input.url,
      format: input.format,
      events: toJson(input.events),
      description: input.description,
      secrets: toJson(freshSecrets()),
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

/** The endpoint with that id, in any project (callers check the project). */
export async function getWebhookEndpoint(db: Kysely<Database>, id: number): Promise<WebhookEndpointRecord | undefined> {
  const r = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toRecord(r);
}

/** Endpoints of the given projects (null: all), oldest first. */
export async function listWebhookEndpoints(
  db: Kysely<Database>,
  projectIds: readonly number[] | null,
): Promise<WebhookEndpointRecord[]> {
  let q = db.selectFrom('webhook_endpoints').selectAll().orderBy('id');
  if (projectIds) q = q.where('project_id', 'in', idsOrNone(projectIds));
  return (await q.execute()).map(toRecord);
}

/** Deletes an endpoint and its deliveries; an attempt in flight finds its row gone and records nothing. */
export async function deleteWebhookEndpoint(db: Kysely<Database>, id: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
    await trx.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
  });
}

/** Rotates an endpoint's secret; returns the endpoint with its new secrets. */
export async function rotateWebhookSecret(
  db: Kysely<Database>,
  endpoint: WebhookEndpointRecord,
  now: number,
): Promise<WebhookEndpointRecord> {
  const secrets = rotated(endpoint.secrets, now);
  await db
    .updateTable('webhook_endpoints')
    .set({ secrets: toJson(secrets) })
    .where('id', '=', endpoint.id)
    .execute();
  return { ...endpoint, secrets };
}
