import { Type, type Static, type TSchema } from 'typebox';

/** Wire shapes and status lists of outbound callbacks and webhooks. */

/** What happened to a run; one event of each per run, except `job.finished` (one per started job). */
export const WEBHOOK_EVENT_TYPES = ['run.queued', 'run.started', 'job.finished', 'run.finished'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** How an endpoint wants its bodies: Standard Webhooks JSON, or a chat service's incoming-webhook message. */
export const WEBHOOK_FORMATS = ['standard', 'slack', 'teams', 'google-chat'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** Chat formats summarise runs; by default they only hear about finished runs. */
export const CHAT_DEFAULT_EVENTS: readonly WebhookEventType[] = ['run.finished'];

export const DELIVERY_STATUSES = ['pending', 'sending', 'delivered', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];
/** A delivery in one of these still holds back the later events of its run for its receiver. */
export const OPEN_DELIVERY_STATUSES = ['pending', 'sending'] as const satisfies readonly DeliveryStatus[];

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Enum = <const T extends string[]>(values: readonly [...T], options?: { description: string }) =>
  Type.Enum<T>(values, options);

export const WebhookEndpoint = Type.Object({
  id: Type.Integer(),
  project_id: Type.Integer(),
  url: Type.String(),
  format: Enum(WEBHOOK_FORMATS),
  events: Type.Array(Enum(WEBHOOK_EVENT_TYPES)),
  description: Nullable(Type.String()),
  /** Until then deliveries are signed with the previous secret as well. */
  previous_secret_expires_at: Nullable(Type.String()),
  disabled_at: Nullable(Type.String()),
  disabled_reason: Nullable(Type.String()),
  created_at: Type.String(),
});
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;

/** The secret that signs a project's run callbacks (`GET /api/v1/projects/{project}/callback-secret`). */
export const CallbackSecretView = Type.Object({
  project: Type.Object({ id: Type.Integer(), name: Type.String() }),
  secret: Type.String({ description: '`whsec_…`: signs the callbacks of every run of the project.' }),
  previous_secret: Nullable(Type.String()),
  previous_secret_expires_at: Nullable(Type.String()),
});
export type CallbackSecretView = Static<typeof CallbackSecretView>;

export const CreateWebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2000, description: 'http(s) URL that receives the events.' }),
    format: Type.Optional(Enum(WEBHOOK_FORMATS, { description: 'Default: standard.' })),
    events: Type.Optional(
      Type.Array(Enum(WEBHOOK_EVENT_TYPES), {
        minItems: 1,
        maxItems: WEBHOOK_EVENT_TYPES.length,
        uniqueItems: true,
        description: 'Default: every event (standard), run.finished (chat formats).',
      }),
    ),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const WebhookDelivery = Type.Object({
  id: Type.Integer(),
  /** The `webhook-id` header: the same on every attempt. */
  message_id: Type.String(),
  event_type: Type.String(),
  run_id: Type.Integer(),
  status: Enum(DELIVERY_STATUSES),
  attempts: Type.Integer(),
  next_attempt_at: Nullable(Type.String()),
  last_attempt_at: Nullable(Type.String()),
  response_status: Nullable(Type.Integer()),
  last_error: Nullable(Type.String()),
  created_at: Type.String(),
  finished_at: Nullable(Type.String()),
});
export type WebhookDelivery = Static<typeof WebhookDelivery>;

/**
 * The body of a `standard` delivery. `data.run` is the run as the native API shows it when the event
 * is processed (normally within a second of it); `type` says what happened.
 */
export interface WebhookPayload {
  type: WebhookEventType;
  timestamp: string;
  data: { run: Record<string, unknown> & { id: number }; job?: Record<string, unknown> };
}
