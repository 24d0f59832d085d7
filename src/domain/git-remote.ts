import type { AddressPolicy } from './address-policy.js';
import { hostOf, literalAddressProblem } from './outbound-url.js';
import { keepStart } from './text-cap.js';

/** The transports a plan's repository may use; git itself is told to refuse every other one. */
export const GIT_SCHEMES = ['https', 'http', 'ssh', 'git'] as const;
export type GitScheme = (typeof GIT_SCHEMES)[number];

/** A remote the agent may clone: its transport, the host to vet and `url`, the spelling git gets. */
export interface GitRemote {
  scheme: GitScheme;
  /** Without IPv6 brackets, normalised (`0x7f.1` → `127.0.0.1`). */
  host: string;
  port: number;
  /** What git is given: re-serialised from the parsed parts, so git reads the host that was vetted. */
  url: string;
}

const DEFAULT_PORT: Record<GitScheme, number> = { https: 443, http: 80, ssh: 22, git: 9418 };
const WHAT =
  'expected a network URL: https://host/repo.git, http://…, ssh://user@host/repo.git, git://… or user@host:path/repo.git';
const LOCAL = `${WHAT}, got a local path; a repository already on the agent's disk is a workdir, not a repo (write workdir: /path/to/checkout instead)`;
// A DNS name (underscores occur in internal names) or, bracketed in URLs, an IPv6 address.
const HOST_NAME = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*\.?$/;
const SCP_LIKE = /^([A-Za-z0-9._~+][A-Za-z0-9._~+-]*)@(\[[0-9A-Fa-f:.]+\]|[^/:@[\]]+):(.+)$/;

/**
 * Reads a plan's `repo.url` into the remote the agent clones, or says what is wrong with it: not
 * one of {@link GIT_SCHEMES} or scp-like `user@host:path`, a local path or `file://` (the agent's
 * own disk), anything git could read as an option (a leading `-`, in the URL, user or host), control
 * characters or whitespace.
 *
 * @example parseGitRemote('git@github.com:org/app.git') // { ok: true, remote: { scheme: 'ssh', host: 'github.com', port: 22, … } }
 */
export function parseGitRemote(raw: string): { ok: true; remote: GitRemote } | { ok: false; problem: string } {
  const no = (problem: string) => ({ ok: false as const, problem });
  if (raw.startsWith('-')) return no(`must not start with "-" (git would read it as an option); ${WHAT}`);
  if (/[\s\x00-\x1f\x7f\\]/.test(raw)) return no('must not contain whitespace, control characters or backslashes');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (scheme === 'file') return no(LOCAL);
    if (!(GIT_SCHEMES as readonly string[]).includes(scheme)) return no(`${WHAT}; ${scheme}:// is not allowed`);
    return fromUrl(scheme as GitScheme, raw);
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(raw))
    return no(`${WHAT}; git's ${raw.split('::')[0]}:: transports are not allowed`);
  const scp = SCP_LIKE.exec(raw);
  // git reads `host:path` as scp-like only when no slash comes before the colon.
  if (scp && !raw.slice(0, raw.indexOf(':')).includes('/')) {
    const [, user, hostPart, path] = scp as unknown as [string, string, string, string];
    const host = normalHost(hostPart);
    if (!host) return no(`"${hostPart}" is not a host name or address; ${WHAT}`);
    if (path.startsWith('-')) return no('the path after "host:" must not start with "-"');
    return {
      ok: true,
      remote: { scheme: 'ssh', host, port: 22, url: `${user}@${host.includes(':') ? `[${host}]` : host}:${path}` },
    };
  }
  if (/^[^/@]+:[^/]/.test(raw) && !raw.includes('@'))
    return no(`${WHAT}; write host:path with its user (git@host:path) or as ssh://host/path`);
  return no(LOCAL);
}

function fromUrl(scheme: GitScheme, raw: string): { ok: true; remote: GitRemote } | { ok: false; problem: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, problem: `not a URL git can read; ${WHAT}` };
  }
  // http(s) hosts are already normalised by the WHATWG parser; ssh and git hosts are opaque to it.
  const host = scheme === 'http' || scheme === 'https' ? hostOf(url) : normalHost(url.hostname);
  if (!host || !(host.includes(':') || HOST_NAME.test(host)))
    return { ok: false, problem: `"${url.hostname}" is not a host name or address; ${WHAT}` };
  // ssh gets `user@host` as one argument: a user that reads as an option would be one.
  if (/^(-|%2d)/i.test(url.username)) return { ok: false, problem: 'the user must not start with "-"' };
  const port = url.port === '' ? DEFAULT_PORT[scheme] : Number(url.port);
  const hostText = host.includes(':') ? `[${host}]` : host;
  const auth = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : '';
  const serialised = `${scheme}://${auth}${hostText}${url.port ? `:${url.port}` : ''}${url.pathname}${url.search}`;
  return { ok: true, remote: { scheme, host, port, url: serialised } };
}

/** A host as the http parser normalises it (case, IDN, numeric IPv4 forms), if it is a host at all. */
function normalHost(text: string): string | null {
  if (text.startsWith('-') || text === '') return null;
  let host: string;
  try {
    host = hostOf(new URL(`http://${text}/`));
  } catch {
    return null;
  }
  return host.includes(':') || HOST_NAME.test(host) ? host : null;
}

/**
 * The problem of a `repo.url` for plan validation: {@link parseGitRemote}'s, or a literal address the
 * policy refuses (a host name is judged, resolved, by the agent before it clones). Null when fine.
 */
export function gitRemoteProblem(raw: string, policy: AddressPolicy): string | null {
  const parsed = parseGitRemote(raw);
  if (!parsed.ok) return parsed.problem;
  return literalAddressProblem(parsed.remote.host, policy);
}

/**
 * The problem of a `repo.ref`, or null: a branch, tag or commit, never something git reads as an
 * option or a revision expression (`-x`, `a..b`, `HEAD~1`, `@{…}`).
 */
export function gitRefProblem(ref: string): string | null {
  if (ref === '') return 'expected a branch, tag or commit';
  if (ref.startsWith('-')) return 'must not start with "-" (git would read it as an option)';
  if (/[\s\x00-\x1f\x7f~^:?*[\\]|\.\.|@\{|\/\/|^\/|\/$|\.lock$|\.$/.test(ref))
    return `"${keepStart(ref, 100)}" is not a branch, tag or commit name git accepts`;
  return null;
}
