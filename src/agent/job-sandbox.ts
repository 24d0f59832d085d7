import { execFileSync } from 'node:child_process';
import { chown, lstat, realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { ProcessUser } from './process-runner.js';

/** The OS user an agent runs its jobs as, when not its own (`proctor serve --local-agent-user`). */
export interface JobUser extends ProcessUser {
  name: string;
  home: string;
}

/**
 * Where and as whom an agent runs jobs. A job's working directory is always inside one of `roots`
 * (the agent's work directory, and its checkouts there) and never inside `forbidden` (the server's
 * data directory, for the embedded agent); the files it names as artifacts likewise. `env` is what
 * its processes start from (see `job-environment.ts`).
 */
export interface JobSandbox {
  env: Record<string, string>;
  roots: readonly string[];
  forbidden: readonly string[];
  user?: JobUser | undefined;
}

/** The user of that name, from the system's user database (`getent passwd`). */
export function lookUpUser(name: string): JobUser {
  let line: string;
  try {
    line = execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    throw new Error(
      `there is no user "${name}" on this machine (getent passwd ${name} found none); create it or name another`,
    );
  }
  const [, , uid, gid, , home] = line.split(':');
  return { name, uid: Number(uid), gid: Number(gid), home: home || '/' };
}

/** Whether `path` is `dir` or inside it (both real, absolute paths). */
export function isWithin(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Real path of what exists, else the path as written (resolved). */
async function real(path: string): Promise<string> {
  return realpath(path).catch(() => resolve(path));
}

/**
 * Why a job may not work in `dir` (a plan's workdir, resolved), or null: it must be inside a root,
 * symlinks resolved (a checkout may hold a link to `/`), and outside every forbidden directory.
 */
export async function workdirProblem(dir: string, sandbox: JobSandbox): Promise<string | null> {
  const at = await real(dir);
  const roots = await Promise.all(sandbox.roots.map(real));
  if (!roots.some((r) => isWithin(at, r)))
    return `it resolves to ${at}, outside the agent's work directory (${roots.join(', ')})`;
  // A workdir that holds the data directory (`.` where `./.proctor` is) is fine: the directory's own
  // mode keeps another user out, and the server's own user could read it from anywhere.
  for (const f of await Promise.all(sandbox.forbidden.map(real)))
    if (isWithin(at, f)) return `it resolves to ${at}, in the server's data directory`;
  return null;
}

/**
 * Why the agent may not upload `file` for a job that worked in `dirs` (its working and report
 * directories), or null. The agent reads the file with its own rights, so a file a test names (a
 * report's attachment, a symlink a checkout holds) must resolve inside those directories, outside
 * the forbidden ones, and, when jobs run as another user, be that user's or readable by anyone.
 */
export async function artifactProblem(
  file: string,
  dirs: readonly string[],
  sandbox: JobSandbox,
): Promise<string | null> {
  const at = await real(file);
  const within = await Promise.all(dirs.map(real));
  if (!within.some((d) => isWithin(at, d))) return `it resolves to ${at}, outside the job's directories`;
  for (const f of await Promise.all(sandbox.forbidden.map(real)))
    if (isWithin(at, f)) return `it is in the server's data directory`;
  if (sandbox.user) {
    const info = await lstat(at);
    if (info.uid !== sandbox.user.uid && (info.mode & 0o004) === 0)
      return `the job's user ${sandbox.user.name} cannot read it`;
  }
  return null;
}

/** Hands a directory the agent made for a job (its report directory) to the job's user. */
export async function giveToJobUser(dir: string, sandbox: JobSandbox): Promise<void> {
  if (sandbox.user) await chown(dir, sandbox.user.uid, sandbox.user.gid);
}
