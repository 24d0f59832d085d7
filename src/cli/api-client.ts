import { readErrorBody } from '../protocol/errors.js';
import { OBJECT, type Shape } from './answer-shape.js';
import { CliError, EXIT, UnexpectedAnswer } from './cli-error.js';
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
  const profile =
    (flags.server ?? env.PROCTOR_URL) !== undefined && (flags.token ?? env.PROCTOR_TOKEN) !== undefined
      ? null
      : readProfile(env);
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

  /**
   * The answer as JSON of `shape` (any object by default); anything else (a web page, JSON of
   * another shape) is an UnexpectedAnswer that names the URL, the status and what came.
   */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    shape: Shape<T> = OBJECT as Shape<T>,
  ): Promise<T> {
    const { text, headers: h, status } = await this.exchange(method, path, body, headers);
    const type = h.get('content-type') ?? '';
    let value: unknown;
    try {
      value = /\bjson\b/.test(type) ? JSON.parse(text) : undefined;
    } catch {
      // the same as no JSON at all
    }
    if (value === undefined) throw this.notProctor(method, path, status, described(type, text));
    if (!shape.is(value))
      throw this.notProctor(method, path, status, `JSON that is not ${shape.what} ("${excerpt(text)}")`);
    return value;
  }

  private notProctor(method: string, path: string, status: number, got: string): UnexpectedAnswer {
    return new UnexpectedAnswer(
      `the server at ${this.conn.url} answered ${status} to ${method} ${path} with ${got}, not Proctor's JSON: is --server / PROCTOR_URL a Proctor server?`,
    );
  }

  /**
   * The body as text with the response headers (logs report their offset in headers); a web page
   * is refused like in `request`: no answer of Proctor's API is HTML.
   */
  async raw(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ text: string; headers: Headers }> {
    const answer = await this.exchange(method, path, body, headers);
    const type = answer.headers.get('content-type') ?? '';
    if (/^text\/html\b/.test(type)) throw this.notProctor(method, path, answer.status, described(type, answer.text));
    return answer;
  }

  /** One call: the body as text, or a CliError for a server that cannot be reached or says no. */
  private async exchange(
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<{ text: string; headers: Headers; status: number }> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.conn.url), {
        method,
        headers: {
          authorization: `Bearer ${this.conn.token}`,
          // Runs the CLI triggers are recorded with the source `cli`.
          'x-proctor-client': 'cli',
          ...(body !== undefined
            ? { 'content-type': typeof body === 'string' ? 'application/yaml' : 'application/json' }
            : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new CliError(
        `cannot reach the Proctor server at ${this.conn.url} (${(e as Error).cause ?? (e as Error).message}); is it running? set PROCTOR_URL`,
        EXIT.INFRASTRUCTURE,
      );
    }
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new CliError(`the connection to ${this.conn.url} broke (${(e as Error).message})`, EXIT.INFRASTRUCTURE);
    }
    if (!res.ok) throw this.refusal(method, path, res, text);
    return { text, headers: res.headers, status: res.status };
  }

  /** A failure status: Proctor's error body says why; a page of something else says that it is not Proctor. */
  private refusal(method: string, path: string, res: Response, text: string): CliError {
    const type = res.headers.get('content-type') ?? '';
    if (!/\bjson\b/.test(type) && /^\s*</.test(text)) {
      // A proxy's error page while Proctor restarts is retried like any 5xx.
      if (res.status >= 500)
        return new CliError(
          `the server at ${this.conn.url} failed (${res.status}, ${described(type, text)})`,
          EXIT.INFRASTRUCTURE,
        );
      return this.notProctor(method, path, res.status, described(type, text));
    }
    return apiError(res.status, text);
  }

  /** A download to stream (a backup): the response once its status is known to be a success. */
  async download(path: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.conn.url), {
        headers: { authorization: `Bearer ${this.conn.token}`, 'x-proctor-client': 'cli' },
      });
    } catch (e) {
      throw new CliError(
        `cannot reach the Proctor server at ${this.conn.url} (${(e as Error).cause ?? (e as Error).message}); is it running? set PROCTOR_URL`,
        EXIT.INFRASTRUCTURE,
      );
    }
    if (!res.ok) throw this.refusal('GET', path, res, await res.text().catch(() => ''));
    const type = res.headers.get('content-type') ?? '';
    if (/^text\/html\b/.test(type))
      throw this.notProctor('GET', path, res.status, described(type, await res.text().catch(() => '')));
    return res;
  }

  get<T>(path: string, shape?: Shape<T>): Promise<T> {
    return this.request<T>('GET', path, undefined, {}, shape);
  }

  post<T>(path: string, body: unknown, headers?: Record<string, string>, shape?: Shape<T>): Promise<T> {
    return this.request<T>('POST', path, body, headers, shape);
  }
}

function apiError(status: number, text: string): CliError {
  const error = readErrorBody(text);
  const message = error?.message ?? text.slice(0, 300);
  if (status === 401) return new CliError(`the server refused the token: ${message}`, EXIT.USAGE);
  if (status === 403) return new CliError(`not allowed: ${message}`, EXIT.USAGE);
  if (status >= 500) return new CliError(`the server failed (${status}): ${message}`, EXIT.INFRASTRUCTURE);
  return new CliError(message, EXIT.USAGE, error?.details);
}

/** What came, for a message: `text/html ("<!doctype html><html><head><title>…")`. */
function described(type: string, text: string): string {
  const start = excerpt(text);
  return `${type.split(';')[0] || 'no content type'}${start ? ` ("${start}")` : ''}`;
}

/** The start of a body on one line. */
function excerpt(text: string): string {
  const line = text.replace(/[\s\x00-\x1f\x7f]+/g, ' ').trim();
  return line.length <= 60 ? line : `${line.slice(0, 60)}…`;
}
