import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

/** A third party on `host` (127.0.0.1, 127.0.0.2, …) that counts what reaches it; `answer` decides. */
export async function countingListener(host = '127.0.0.1') {
  const hits: { path: string; headers: IncomingHttpHeaders }[] = [];
  const ok = (_path: string, res: ServerResponse) => void res.writeHead(200).end('build bytes');
  const l = {
    hits,
    port: 0,
    answer: ok,
    url: (path = '/') => `http://${host}:${l.port}${path}`,
    /** Forgets the hits and answers 200 again. */
    reset: () => {
      hits.length = 0;
      l.answer = ok;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections()),
  };
  const server = createServer((req, res) => {
    hits.push({ path: req.url ?? '/', headers: req.headers });
    l.answer(req.url ?? '/', res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  l.port = (server.address() as { port: number }).port;
  return l;
}

export type CountingListener = Awaited<ReturnType<typeof countingListener>>;
