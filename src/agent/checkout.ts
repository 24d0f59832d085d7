import { createHash } from 'node:crypto';
import { lookup as dnsLookup } from 'node:dns/promises';
import { existsSync } from 'node:fs';
import { chown, mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { AddressPolicy } from '../domain/address-policy.js';
import { gitRefProblem, parseGitRemote, type GitRemote } from '../domain/git-remote.js';
import { literalAddressProblem } from '../domain/outbound-url.js';
import { OutboundRefusedError, vetHost, type LookupFn } from '../domain/outbound-target.js';
import { runProcess, type ProcessUser } from './process-runner.js';

const systemLookup: LookupFn = (host) => dnsLookup(host, { all: true, verbatim: true });

export interface CheckoutOptions {
  /** Resolves host names (tests pass their own). */
  lookup?: LookupFn;
  /** git's environment; default: the agent's own. */
  env?: Record<string, string>;
  /** Run git as this user, the one the job runs as. */
  user?: ProcessUser | undefined;
  /** The project the job belongs to: clones are not shared between projects. */
  project?: number | undefined;
}

/**
 * Checks out a git repository at a ref into the agent's work directory, reusing an earlier clone of
 * the same repository. Returns the checkout's path, or throws with git's own words.
 *
 * The remote goes through the outbound policy first: it must be a network URL (never `file://`, a
 * local path or an option), its host is resolved and every address checked, and git is told to use
 * only the remote's transport (`protocol.allow=never`), not to follow redirects, and for http(s) to
 * connect to the vetted address only (`http.curloptResolve`, git 2.37+). ssh and git:// remotes are
 * checked but not pinned: ssh and git resolve the name again themselves. A refusal throws
 * {@link OutboundRefusedError}.
 */
export async function checkoutRepo(
  workRoot: string,
  repo: { url: string; ref: string },
  signal: AbortSignal,
  policy: AddressPolicy,
  opts: CheckoutOptions = {},
): Promise<string> {
  const lookup = opts.lookup ?? systemLookup;
  const parsed = parseGitRemote(repo.url);
  if (!parsed.ok) throw new OutboundRefusedError(`refused: repo.url ${parsed.problem}`);
  const refProblem = gitRefProblem(repo.ref);
  if (refProblem) throw new OutboundRefusedError(`refused: repo.ref ${refProblem}`);
  const remote = parsed.remote;
  const literal = literalAddressProblem(remote.host, policy);
  if (literal) throw new OutboundRefusedError(`refused: ${literal}`);
  const network = await networkConfig(remote, policy, lookup);
  // One clone per project and repository: a job may leave files in its checkout (node_modules,
  // which the clean keeps), and another project's jobs must not run them.
  const dir = join(
    workRoot,
    'checkouts',
    createHash('sha256')
      .update(`${opts.project ?? ''}\n${repo.url}`)
      .digest('hex')
      .slice(0, 16),
  );
  // GIT_ALLOW_PROTOCOL in the agent's environment would override protocol.allow: it says the same here.
  const env = { ...(opts.env ?? process.env), GIT_TERMINAL_PROMPT: '0', GIT_ALLOW_PROTOCOL: remote.scheme } as Record<
    string,
    string
  >;
  const git = async (args: string[], cwd: string) => {
    // A job may have written hooks or an fsmonitor command into its checkout's .git: never run them.
    const safe = ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', ...args];
    const r = await runProcess({
      command: 'git',
      args: safe,
      cwd,
      env,
      user: opts.user,
      timeoutMs: 10 * 60_000,
      signal,
    });
    if (r.spawnError) throw new Error(`git is not installed on this agent: ${r.spawnError}`);
    const name = args.find((a) => !a.startsWith('-') && !a.includes('='));
    if (r.exitCode !== 0) throw new Error(`git ${name} failed: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
    return r.stdout.trim();
  };
  await mkdir(join(workRoot, 'checkouts'), { recursive: true });
  // Checked out as the job's user, whose tests may write in it.
  if (opts.user) await chown(join(workRoot, 'checkouts'), opts.user.uid, opts.user.gid);
  // `--` ends the options: whatever the URL says, git reads it as the repository.
  if (!existsSync(join(dir, '.git'))) await git([...network, 'clone', '--quiet', '--', remote.url, dir], workRoot);
  else {
    // The checkout's own config may have been changed since (tests run in it): fetch from the vetted remote.
    await git(['config', 'remote.origin.url', remote.url], dir);
    await git([...network, 'fetch', '--quiet', '--tags', 'origin'], dir);
  }
  const ref = repo.ref === 'HEAD' ? 'origin/HEAD' : repo.ref;
  // A branch name resolves against the remote, so a fetch moves it; a tag or commit resolves as is.
  const revParse = (rev: string, quiet: boolean) =>
    git(['rev-parse', '--verify', ...(quiet ? ['--quiet'] : []), '--end-of-options', `${rev}^{commit}`], dir);
  const target = await revParse(`origin/${ref}`, true).catch(() => revParse(ref, false));
  if (!/^[0-9a-f]{40,64}$/.test(target))
    throw new Error(`git rev-parse answered ${JSON.stringify(target.slice(0, 100))}, not a commit`);
  await git(['checkout', '--quiet', '--force', '--detach', target], dir);
  await git(['clean', '-fdxq', '-e', 'node_modules'], dir);
  return dir;
}

/**
 * The `-c` options of git's network commands for this remote, after its host passed the policy:
 * only its own transport, no redirects, and for http(s) the connection pinned to the vetted address.
 */
async function networkConfig(remote: GitRemote, policy: AddressPolicy, lookup: LookupFn): Promise<string[]> {
  const vetted = await vetHost(remote.host, policy, lookup);
  if (!vetted.ok) throw vetted.refused ? new OutboundRefusedError(vetted.error) : new Error(vetted.error);
  const config = ['protocol.allow=never', `protocol.${remote.scheme}.allow=always`, 'http.followRedirects=false'];
  if ((remote.scheme === 'http' || remote.scheme === 'https') && !isIP(remote.host)) {
    const address = vetted.family === 6 ? `[${vetted.address}]` : vetted.address;
    config.push(`http.curloptResolve=${remote.host}:${remote.port}:${address}`);
  }
  return config.flatMap((c) => ['-c', c]);
}
