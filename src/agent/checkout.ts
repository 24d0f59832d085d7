import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess } from './process-runner.js';

/**
 * Checks out a git repository at a ref into the agent's work directory, reusing an earlier clone of
 * the same repository. Returns the checkout's path, or throws with git's own words.
 */
export async function checkoutRepo(workRoot: string, repo: { url: string; ref: string }, signal: AbortSignal): Promise<string> {
  const dir = join(workRoot, 'checkouts', createHash('sha256').update(repo.url).digest('hex').slice(0, 16));
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0' } as Record<string, string>;
  const git = async (args: string[], cwd: string) => {
    const r = await runProcess({ command: 'git', args, cwd, env, timeoutMs: 10 * 60_000, signal });
    if (r.spawnError) throw new Error(`git is not installed on this agent: ${r.spawnError}`);
    if (r.exitCode !== 0) throw new Error(`git ${args[0]} failed: ${(r.stderr || r.stdout).trim().slice(0, 2000)}`);
    return r.stdout.trim();
  };
  await mkdir(join(workRoot, 'checkouts'), { recursive: true });
  if (!existsSync(join(dir, '.git'))) await git(['clone', '--quiet', repo.url, dir], workRoot);
  else await git(['fetch', '--quiet', '--tags', 'origin'], dir);
  const ref = repo.ref === 'HEAD' ? 'origin/HEAD' : repo.ref;
  // A branch name resolves against the remote, so a fetch moves it; a tag or commit resolves as is.
  const target = await git(['rev-parse', '--verify', '--quiet', `origin/${ref}^{commit}`], dir).catch(() => git(['rev-parse', '--verify', `${ref}^{commit}`], dir));
  await git(['checkout', '--quiet', '--force', '--detach', target], dir);
  await git(['clean', '-fdxq', '-e', 'node_modules'], dir);
  return dir;
}
