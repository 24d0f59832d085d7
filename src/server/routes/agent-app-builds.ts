import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '../../protocol/api.js';
import { AppError } from '../../protocol/errors.js';
import { agentHoldsAppBuild, findAppBuild } from '../../storage/app-builds.js';
import { sendBlob } from '../blob-download.js';
import type { ServerDeps } from '../deps.js';
import { agentOf } from '../principal.js';
import { numericId } from '../resolve.js';

/** `GET /api/agent/v1/app-builds/{build}/content`: the file of a build a job of this agent uses. */
export function agentAppBuildRoutes(app: FastifyInstance, deps: ServerDeps): void {
  app.get<{ Params: { build: string } }>(
    '/api/agent/v1/app-builds/:build/content',
    {
      config: { auth: 'agent' },
      schema: {
        tags: ['agent'],
        summary: 'Download an app build used by a job this agent holds; X-Checksum-Sha256 carries its checksum',
        params: Type.Object({ build: Type.String() }),
        response: { 400: ErrorResponse, 401: ErrorResponse, 404: ErrorResponse },
      },
    },
    async (req, reply) => {
      const agent = agentOf(req.principal);
      const id = numericId(req.params.build, 'build');
      const build = await findAppBuild(deps.store.db, id);
      // Not "forbidden": a build outside the agent's work does not exist as far as it is concerned.
      if (!build || !(await agentHoldsAppBuild(deps.store.db, agent.id, id)))
        throw new AppError('NOT_FOUND', `app build ${id} is not used by any job this agent holds`);
      if (build.url !== null || build.sha256 === null)
        throw new AppError('NOT_FOUND', `app build ${id} is a URL build: fetch ${build.url}`);
      // The file name is the uploader's text: it goes out encoded, never as it came. The agent checks
      // the checksum it was given with the job, so a redirect to the bucket loses nothing.
      return sendBlob(reply, deps.blobs, {
        sha256: build.sha256,
        size: build.size,
        type: 'application/octet-stream',
        disposition: { kind: 'attachment', fileName: build.fileName },
        what: `app build ${id}`,
        headers: { 'x-checksum-sha256': build.sha256 },
      });
    },
  );
}
