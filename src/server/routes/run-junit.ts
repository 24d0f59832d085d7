import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '../../protocol/api.js';
import type { ServerDeps } from '../deps.js';
import { downloadHeaders } from '../download-headers.js';
import { loadRun } from '../resolve.js';
import { runJUnitXml } from '../run-junit-report.js';

export function runJUnitRoute(app: FastifyInstance, deps: ServerDeps): void {
  app.get<{ Params: { run: string } }>(
    '/api/v1/runs/:run/junit',
    {
      config: { auth: 'PLAN_READ' },
      schema: {
        tags: ['runs'],
        summary: 'The results of a run as JUnit XML, one testsuite per environment',
        params: Type.Object({ run: Type.String() }),
        response: {
          200: Type.String({ contentMediaType: 'application/xml' }),
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
        },
      },
    },
    async (req, reply) => {
      const run = await loadRun(deps.store.db, req.principal, req.params.run);
      const xml = await runJUnitXml(deps.store.db, run);
      // Inline for readers that show it; the sandbox keeps an XML document (which a browser may run
      // as XHTML) from acting as a page of ours.
      return downloadHeaders(reply, {
        type: 'application/xml; charset=utf-8',
        disposition: { kind: 'inline', fileName: `proctor-run-${run.id}.xml` },
      }).send(xml);
    },
  );
}
