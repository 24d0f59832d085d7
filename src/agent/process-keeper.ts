/**
 * Makes the process groups an agent starts die with it, however it dies.
 *
 * Framework processes lead process groups of their own (so a timeout can signal a whole tree), and
 * so they survive their agent: after a `kill -9` of the agent, nothing would stop a job's browser,
 * dev server or hung test runner, and the job runs again elsewhere while its first attempt still
 * writes files and holds ports. The keeper is a small process of its own, started just before the
 * agent's first framework process, in a session of its own (a Ctrl-C or a signal to the agent's
 * group does not reach it). The agent tells it, on a pipe, each group it starts (`+<pgid>`) and each
 * that is gone (`-<pgid>`). When the pipe ends (the agent exited or was killed: the kernel closes its
 * end either way) the keeper sends SIGTERM to every group still listed, SIGKILL to what is left
 * after a grace period, and exits.
 *
 * Listing a group is a write on the pipe, which the kernel keeps until the keeper reads it: a keeper
 * still starting up when the agent dies reads the list first, then the end. What must come first is
 * the keeper itself. Started when the first group was listed, after that group's leader was already
 * running, the keeper's spawn (a fork of the agent and an exec of node, slow on a loaded machine) was
 * a window in which a `kill -9` of the agent left the group unlisted and alive, and no keeper at all.
 * So `startKeeper` runs before the spawn of a group, and the group is listed in the same synchronous
 * turn as the spawn that returned its pid.
 *
 * One keeper per agent process, not a supervisor per job: a framework process stays the agent's
 * own child (exit codes and signals as they are) and a job costs no extra process start.
 */
import { spawn, type ChildProcess } from 'node:child_process';

/** How long groups get between SIGTERM and SIGKILL once the agent is gone. */
const GRACE_MS = 2000;

// Run by `node -e`: the agent may run from TypeScript sources or from dist, and a string has no path.
const KEEPER_SOURCE = `
const groups = new Set();
let pending = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  pending += chunk;
  let nl;
  while ((nl = pending.indexOf('\\n')) >= 0) {
    const line = pending.slice(0, nl);
    pending = pending.slice(nl + 1);
    const pgid = Number(line.slice(1));
    if (!(pgid > 1)) continue;
    if (line[0] === '+') groups.add(pgid);
    else if (line[0] === '-') groups.delete(pgid);
  }
});
const signal = (name) => {
  for (const g of groups) {
    try { process.kill(-g, name); } catch { groups.delete(g); }
  }
};
process.stdin.on('end', () => {
  signal('SIGTERM');
  if (groups.size === 0) process.exit(0);
  setTimeout(() => { signal('SIGKILL'); process.exit(0); }, ${GRACE_MS});
});
process.stdin.on('error', () => process.stdin.emit('end'));
`;

let keeper: ChildProcess | null = null;
/** The groups listed with the keeper: a keeper that had to be started again gets them all. */
const kept = new Set<number>();

function current(): ChildProcess | null {
  if (keeper) return keeper;
  try {
    keeper = spawn(process.execPath, ['-e', KEEPER_SOURCE], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: {},
    });
  } catch {
    return null; // No keeper (out of processes): jobs still run, as they did before there was one.
  }
  const self = keeper;
  const gone = () => {
    if (keeper === self) keeper = null;
  };
  self.on('error', gone);
  self.on('exit', gone);
  self.stdin?.on('error', gone);
  // Neither the keeper nor its pipe keeps the agent alive.
  self.unref();
  (self.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  for (const pgid of kept) self.stdin?.write(`+${pgid}\n`);
  return self;
}

/**
 * Starts the keeper if it is not running. Call it before starting a process group, so that listing
 * the group right after (`keepGroup`) is one write on a pipe that already exists.
 */
export function startKeeper(): void {
  current();
}

/** Lists a process group the agent started: the keeper ends it if the agent dies first. */
export function keepGroup(pgid: number): void {
  if (kept.has(pgid)) return;
  const k = current();
  kept.add(pgid);
  k?.stdin?.write(`+${pgid}\n`);
}

/** The group is gone (the agent made sure of it): the keeper forgets it. */
export function releaseGroup(pgid: number): void {
  if (!kept.delete(pgid)) return;
  keeper?.stdin?.write(`-${pgid}\n`);
}
