import { readFileSync } from 'node:fs';

/** Alive means signalable and not a zombie: pid 1 here may never reap orphaned zombies. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Polls briefly (the kernel may still be tearing processes down) and returns the pids still alive. */
export async function survivors(pids: number[]): Promise<number[]> {
  for (let i = 0; i < 40; i++) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0) return [];
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return pids.filter(isAlive);
}
