import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '../../protocol/api.js';
import { AppError } from '../../protocol/errors.js';
import {
  CHAT_DEFAULT_EVENTS,
  CreateWebhookBody,
  WEBHOOK_EVENT_TYPES,
  WebhookDelivery,
  WebhookEndpoint,
} from '../../protocol/webhooks.js';
import { findProject } from '../../storage/projects.js';
import { listEndpointDeliveries } from '../../storage/webhook-deliveries.js';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
} from '../../storage/webhook-endpoints.js';
import { webhookEndpointView } from '../../storage/resource-views.js';
import type { ServerDeps } from '../deps.js';
import { assertProject, keyOf, projectScope } from '../principal.js';
import { numericId, targetProject } from '../resolve.js';
import { assertOutboundUrl } from '../outbound-url-check.js';

const Params = Type.Object({ webhook: Type.String({ description: 'Numeric webhook id.' }) });
const ProjectQuery = Type.Object(
  { project: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);
const WithSecret = Type.Object({
  webhook: WebhookEndpoint,
  secret: Type.String({ description: '`whsec_…`: shown here only.' }),
});
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };

/** Webhook endpoints of a project: create, list, delete, rotate the secret, read deliveries. */
export function webhookRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { db } = deps.store;
  const load = async (principal: unknown, raw: string) => {
    const id = numericId(raw, 'webhook');
    const e = await getWebhookEndpoint(db, id);
    const missing = `webhook ${id} does not exist`;
    if (!e) throw new AppError('NOT_FOUND', missing);
    assertProject(keyOf(principal as never), e.projectId, missing);
    return e;
  };

  app.post<{ Querystring: { project?: string }; Body: CreateWebhookBody }>(
    '/api/v1/webhooks',
    {
      config: { auth: 'PLAN_WRITE' },
      schema: {
        tags: ['webhooks'],
        summary: 'Add a webhook endpoint to a project; the response is the only time its secret is shown',
        querystring: ProjectQuery,
        body: CreateWebhookBody,
        response: { 201: WithSecret, ...errors },
      },
    },
    async (req, reply) => {
      const key = keyOf(req.principal);
      assertOutboundUrl(deps.config, req.body.url, 'url');
      const project = await targetProject(db, key, req.query.project, deps.queue.clock());
      const format = req.body.format ?? 'standard';
      const events = req.body.events ?? (format === 'standard' ? WEBHOOK_EVENT_TYPES : CHAT_DEFAULT_EVENTS);
      const e = await createWebhookEndpoint(
        db,
        { projectId: project.id, url: req.body.url, format, events, description: req.body.description ?? null },
        deps.queue.clock(),
      );
      return reply.status(201).send({ webhook: webhookEndpointView(e), secret: e.secrets.current });
    },
  );

  app.get<{ Querystring: { project?: string } }>(
    '/api/v1/webhooks',
    {
      config: { auth: 'PLAN_WRITE' },
      schema: {
        tags: ['webhooks'],
        summary: 'List webhook endpoints (never their secrets)',
        querystring: ProjectQuery,
        response: { 200: Type.Object({ items: Type.Array(WebhookEndpoint) }), ...errors },
      },
    },
    async (req) => {
      const key = keyOf(req.principal);
      let scope = projectScope(key);
      if (req.query.project !== undefined) {
        const p = await findProject(db, req.query.project);
        const missing = `project "${req.query.project}" does not exist`;
        if (!p) throw new AppError('NOT_FOUND', missing);
        assertProject(key, p.id, missing);
        scope = [p.id];
      }
      return { items: (await listWebhookEndpoints(db, scope)).map(webhookEndpointView) };
    },
  );

  app.delete<{ Params: { webhook: string } }>(
    '/api/v1/webhooks/:webhook',
    {
      config: { auth: 'PLAN_WRITE' },
      schema: {
        tags: ['webhooks'],
        summary: 'Delete a webhook endpoint and its deliveries',
        params: Params,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (req, reply) => {
      await deleteWebhookEndpoint(db, (await load(req.principal, req.params.webhook)).id);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { webhook: string } }>(
    '/api/v1/webhooks/:webhook/rotate-secret',
    {
      config: { auth: 'PLAN_WRITE' },
      schema: {
        tags: ['webhooks'],
        summary: 'Replace the signing secret; the old one keeps signing (a second signature) for 24 h',
        params: Params,
        response: { 200: WithSecret, ...errors },
      },
    },
    async (req) => {
      const e = await rotateWebhookSecret(db, await load(req.principal, req.params.webhook), deps.queue.clock());
      return { webhook: webhookEndpointView(e), secret: e.secrets.current };
    },
  );

  app.get<{ Params: { webhook: string }; Querystring: { limit?: number } }>(
    '/api/v1/webhooks/:webhook/deliveries',
    {
      config: { auth: 'PLAN_WRITE' },
      schema: {
        tags: ['webhooks'],
        summary: 'The latest deliveries of an endpoint, newest first, with their attempts and last answer',
        params: Params,
        querystring: Type.Object(
          { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ items: Type.Array(WebhookDelivery) }), ...errors },
      },
    },
    async (req) => {
      const e = await load(req.principal, req.params.webhook);
      return { items: await listEndpointDeliveries(db, e.id, req.query.limit ?? 100) };
    },
  );
}
