import { existsSync, statSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Proctor</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>Proctor</h1>
<p>The dashboard has not been built. Run <code>npm run build</code> and restart <code>proctor serve</code>.</p>
<p>The API works meanwhile: see <a href="/api/docs">/api/docs</a>.</p>
</body></html>
`;

const isApi = (path: string) => path === '/api' || path.startsWith('/api/');
const acceptsHtml = (req: FastifyRequest) => (req.headers.accept ?? '').includes('text/html');

/** The file under `root` a URL path names, if it is one; never a path outside `root`. */
function fileUnder(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const rel = normalize(decoded).replace(/^([/\\])+/, '');
  if (rel === '' || rel.split(sep).includes('..') || rel.includes('\0')) return null;
  const full = join(root, rel);
  try {
    return statSync(full).isFile() ? rel : null;
  } catch {
    return null;
  }
}

/**
 * The dashboard at `/`: files of the Vite build in `webRoot`, and `index.html` for every other page
 * a browser asks for (client-side routes), so a reload of `/runs/12` works. API paths and requests
 * that do not accept HTML get the usual JSON 404. Without a build, pages say how to make one.
 */
export async function dashboardRoutes(app: FastifyInstance, webRoot: string | undefined): Promise<void> {
  const built = webRoot !== undefined && existsSync(join(webRoot, 'index.html'));
  if (built) await app.register(fastifyStatic, { root: webRoot, serve: false });
  app.get('/*', { config: { auth: 'public' }, schema: { hide: true } }, async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (isApi(path)) return reply.callNotFound();
    const file = built ? fileUnder(webRoot, path) : null;
    if (file !== null) {
      // Vite names the files under assets/ by their content hash: they never change.
      const immutable = file.startsWith(`assets${sep}`);
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      return reply.sendFile(file, { cacheControl: false });
    }
    if (!acceptsHtml(req)) return reply.callNotFound();
    reply.header('cache-control', 'no-cache');
    return built
      ? reply.sendFile('index.html', { cacheControl: false })
      : reply.type('text/html; charset=utf-8').send(NOT_BUILT);
  });
}
