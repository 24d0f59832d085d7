import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse, Me } from '../../protocol/api.js';
import { listProjects } from '../../storage/projects.js';
import type { ServerDeps } from '../deps.js';
import { keyOf, projectScope } from '../principal.js';

const Project = Type.Object({ id: Type.Integer(), name: Type.String() });

export function meRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get(
    '/api/v1/me',
    {
      config: { auth: 'key' },
      schema: {
        tags: ['keys'],
        summary: "The calling key's user, authorities and projects",
        response: { 200: Me, 401: ErrorResponse },
      },
    },
    async (req) => {
      const key = keyOf(req.principal);
      return {
        user: { id: key.userId, name: key.userName },
        key: { id: key.id, name: key.name, prefix: key.prefix },
        authorities: key.authorities,
        projects: await listProjects(deps.store.db, projectScope(key)),
      };
    },
  );

  app.get(
    '/api/v1/projects',
    {
      config: { auth: 'key' },
      schema: {
        tags: ['projects'],
        summary: 'Projects this key may see',
        response: { 200: Type.Object({ items: Type.Array(Project) }), 401: ErrorResponse },
      },
    },
    async (req) => ({ items: await listProjects(deps.store.db, projectScope(keyOf(req.principal))) }),
  );
}
