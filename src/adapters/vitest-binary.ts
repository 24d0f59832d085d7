import { locatePackageBin } from './package-binary.js';

/**
 * The JavaScript entry of the vitest CLI that serves `cwd`: the suite's own installation (found
 * walking up from `cwd`), else the one next to Proctor; see `locatePackageBin`.
 */
export function locateVitest(cwd: string): string {
  return locatePackageBin(cwd, 'vitest', 'vitest');
}
