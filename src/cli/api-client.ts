import type { ErrorBody } from '../protocol/errors.js';
import { CliError, EXIT } from './cli-error.js';
import { profilePath, readProfile } from './profile.js';

export interface Connection {
  url: string;
  token: string;
}

/**
 * Reads the server URL and token from flags, else `PROCTOR_URL` / `PROCTOR_TOKEN`, else the profile
 * `proctor login` saved, saying what is missing.
 */
export function connectionFrom(flags: { server?: string; token?: string }, env: NodeJS.ProcessEnv): Connection {
  const profile = (flags.server ?? env.PROCTOR_URL) !== undefined && (flags.token ?? env.PROCTOR_TOKEN) !== undefined ? null : readProfile(env);
  const url = flags.server ?? env.PROCTOR_URL ?? profile?.server ?? 'http://127.0.0.1:4400';
  const token = flags.token ?? env.PROCTOR_TOKEN ?? profile?.token;
  if (!token) {
    throw new CliError(
      `no token: set PROCTOR_TOKEN, pass --token, or run proctor login --server URL --token KEY (saved in ${profilePath(env)}); proctor serve prints an admin key at its first start`,
    );
  }
  try {
    new URL(url);
  } catch {
    throw new CliError(`--server / PROCTOR_URL: "${url}" is not a URL like http://127.0.0.1:4400`);
  }
  return { url, token };
}

/** A small client of the native API that turns every failure into a CliError with a next step. */
export class ApiClient {
  constructor(private readonly conn: Connection) {}

  /** A page of the server's dashboard, `/runs/42` → `http://127.0.0.1:4400/runs/42`. */
  pageUrl(path: string): string {
    return new URL(path, this.conn.url).href;
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const { text, headers: h } = await this.raw(method, path, body, headers);
    return (h.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T;
  }

  /** The body as text with the response headers (logs report their offset in headers). */
  async raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ text: string; headers: Headers }> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.conn.url), {
        method,
        headers: {
          authorization: `Bearer ${this.conn.token}`,
          // Runs the CLI triggers are recorded with the source `cli`.
          'x-proctor-client': 'cli',
          ...(body !== undefined ? { 'content-type': typeof body === 'string' ? 'application/yaml' : 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new CliError(`cannot reach the Proctor server at ${this.conn.url} (${(e as Error).cause ?? (e as Error).message}); is it running? set PROCTOR_URL`, EXIT.INFRASTRUCTURE);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new CliError(`the connection to ${this.conn.url} broke (${(e as Error).message})`, EXIT.INFRASTRUCTURE);
    }
    if (!res.ok) throw apiError(res.status, text);
    return { text, headers: res.headers };
  }

  /** A download to stream (a backup): the response once its status is known to be a success. */
  async download(path: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.conn.url), { headers: { authorization: `Bearer ${this.conn.token}`, 'x-proctor-client': 'cli' } });
    } catch (e) {
      throw new CliError(`cannot reach the Proctor server at ${this.conn.url} (${(e as Error).cause ?? (e as Error).message}); is it running? set PROCTOR_URL`, EXIT.INFRASTRUCTURE);
    }
    if (!res.ok) throw apiError(res.status, await res.text().catch(() => ''));
    return res;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request<T>('POST', path, body, headers);
  }
}

function apiError(status: number, text: string): CliError {
  let body: ErrorBody | undefined;
  try {
    body = JSON.parse(text) as ErrorBody;
  } catch {
    // not our error shape
  }
  const message = body?.error?.message ?? text.slice(0, 300);
  if (status === 401) return new CliError(`the server refused the token: ${message}`, EXIT.USAGE);
  if (status === 403) return new CliError(`not allowed: ${message}`, EXIT.USAGE);
  if (status >= 500) return new CliError(`the server failed (${status}): ${message}`, EXIT.INFRASTRUCTURE);
  return new CliError(message, EXIT.USAGE, body?.error?.details);
}
