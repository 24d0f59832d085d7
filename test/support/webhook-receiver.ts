import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP receiver on 127.0.0.1 that records every request; `answer` decides the response.
 * It can be stopped and started again on the same port, like a receiver that goes down.
 */
export class WebhookReceiver {
  readonly received: ReceivedRequest[] = [];
  answer: (r: ReceivedRequest) => { status: number; headers?: Record<string, string> } = () => ({ status: 200 });
  private server: Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.received.push(r);
        const a = this.answer(r);
        res.writeHead(a.status, { 'content-type': 'text/plain', ...a.headers }).end('ok');
      });
    });
    await new Promise<void>((resolve, reject) =>
      server.once('error', reject).listen(this.port, '127.0.0.1', () => resolve()),
    );
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : this.port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()).closeAllConnections());
  }

  /** Requests to one path, in arrival order. */
  at(path: string): ReceivedRequest[] {
    return this.received.filter((r) => r.path === path);
  }
}
