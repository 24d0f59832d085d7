import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type {
  ClaimResponse,
  CompleteResponse,
  CompleteRequest,
  HeartbeatRequest,
  HeartbeatResponse,
  LogChunkRequest,
  LogChunkResponse,
  RegisterRequest,
  RegisterResponse,
} from '../protocol/agent-api.js';
import { readErrorBody } from '../protocol/errors.js';
import { storedText } from '../domain/stored-text-rule.js';

/** An error answer of the server: `status` and `code` say whether retrying can help. */
export class ServerError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

/** The error of an answer that is not ok: the server's code, message and details, else its status and text. */
function serverError(status: number, text: string): ServerError {
  const e = readErrorBody(text);
  return new ServerError(status, e?.code ?? `HTTP_${status}`, e?.message ?? text.slice(0, 500), e?.details);
}

export interface AgentClientOptions {
  server: string;
  token: string;
  /** How long to keep retrying a call the server could not answer (network error, 5xx). */
  retryForMs?: number;
  onRetry?: (attempt: number, error: unknown, delayMs: number) => void;
  signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/**
 * The agent side of `/api/agent/v1`. Calls the server could not answer are retried with
 * exponential backoff and jitter; a 4xx answer is final and thrown as ServerError.
 */
export class AgentClient {
  constructor(private readonly opts: AgentClientOptions) {}

  register(body: RegisterRequest): Promise<RegisterResponse> {
    return this.call('POST', '/api/agent/v1/register', body);
  }

  claim(freeSlots: number, waitMs: number, signal?: AbortSignal): Promise<ClaimResponse> {
    return this.call('POST', '/api/agent/v1/claim', { free_slots: freeSlots, wait_ms: waitMs }, signal);
  }

  /** Tells the server this agent stopped cleanly; one try, since the agent is on its way out. */
  async offline(): Promise<void> {
    await fetch(new URL('/api/agent/v1/offline', this.opts.server), {
      method: 'POST',
      headers: { authorization: `Bearer ${this.opts.token}` },
      signal: AbortSignal.timeout(5000),
    });
  }

  heartbeat(body: HeartbeatRequest): Promise<HeartbeatResponse> {
    return this.call('POST', '/api/agent/v1/heartbeat', body);
  }

  appendLog(jobId: number, body: LogChunkRequest): Promise<LogChunkResponse> {
    return this.call('POST', `/api/agent/v1/jobs/${jobId}/log`, body);
  }

  /** Streams a file to the server as an artifact of the job's current attempt. */
  async uploadArtifact(
    jobId: number,
    leaseToken: string,
    meta: { name: string; sha256: string; scenario?: string; contentType?: string },
    file: string,
  ): Promise<void> {
    const q = new URLSearchParams({
      name: meta.name,
      sha256: meta.sha256,
      // As the server stores it: a lone surrogate (a framework's title may hold one) has no UTF-8 and
      // would arrive as U+FFFD, naming no scenario; its escape is text the server keeps as it is.
      ...(meta.scenario ? { scenario: storedText(meta.scenario) } : {}),
      ...(meta.contentType ? { content_type: meta.contentType } : {}),
    });
    const res = await fetch(new URL(`/api/agent/v1/jobs/${jobId}/artifacts?${q}`, this.opts.server), {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${this.opts.token}`,
        'content-type': 'application/octet-stream',
        'x-lease-token': leaseToken,
      },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit);
    if (!res.ok) {
      const text = await res.text();
      throw new ServerError(res.status, 'ARTIFACT_REFUSED', text.slice(0, 300));
    }
    await res.arrayBuffer();
  }

  complete(jobId: number, body: CompleteRequest): Promise<CompleteResponse> {
    return this.call('POST', `/api/agent/v1/jobs/${jobId}/complete`, body);
  }

  /**
   * Opens a download from the server (an app build's content) and answers the response to stream.
   * Not retried: the caller retries the job, which downloads again.
   */
  async download(path: string, signal?: AbortSignal): Promise<Response> {
    const res = await fetch(new URL(path, this.opts.server), {
      headers: { authorization: `Bearer ${this.opts.token}` },
      ...(signal ? { signal } : {}),
    });
    if (res.ok) return res;
    throw serverError(res.status, await res.text());
  }

  private async call<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const deadline = Date.now() + (this.opts.retryForMs ?? 5 * 60_000);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<T>(method, path, body, signal);
      } catch (e) {
        const retryable = !(e instanceof ServerError) || e.status >= 500 || e.status === 429;
        const aborted = signal?.aborted || this.opts.signal?.aborted;
        const delay = Math.min(10_000, 200 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2);
        if (!retryable || aborted || Date.now() + delay > deadline) throw e;
        this.opts.onRetry?.(attempt, e, delay);
        await sleep(delay, signal ?? this.opts.signal);
      }
    }
  }

  private async once<T>(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const res = await fetch(new URL(path, this.opts.server), {
      method,
      headers: { authorization: `Bearer ${this.opts.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      ...(signal ? { signal } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw serverError(res.status, text);
    return JSON.parse(text) as T;
  }
}
