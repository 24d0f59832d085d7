import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdapterError } from './types.js';

/**
 * The JavaScript entry of an npm package's CLI (`bin`) that serves `cwd`: the suite's own
 * installation, found walking up from `cwd` the way `node_modules/.bin` would be, else the one
 * next to Proctor itself. The agent runs it with its own node (`process.execPath`), which
 * sidesteps the `.bin` shim's shebang and its Windows `.cmd` twin.
 *
 * Throws AdapterError('framework_missing') saying how to install it.
 *
 * @example locatePackageBin('/repo/web', 'jest', 'jest') // '/repo/node_modules/jest/bin/jest.js'
 */
export function locatePackageBin(cwd: string, pkg: string, bin: string): string {
  for (const start of [resolve(cwd), dirname(fileURLToPath(import.meta.url))]) {
    const entry = findUpward(start, pkg, bin);
    if (entry !== undefined) return entry;
  }
  throw notInstalled(pkg, cwd);
}

/** The error of a suite whose framework package is missing, saying how to install it. */
export function notInstalled(pkg: string, cwd: string): AdapterError {
  return new AdapterError('framework_missing', `${pkg} is not installed in ${cwd}: run npm install -D ${pkg} there`);
}

/** The directory of an installed package as `locatePackageBin` finds it; `notInstalled` without one. */
export function requirePackageDir(cwd: string, pkg: string): string {
  const dir = locatePackageDir(cwd, pkg);
  if (dir === undefined) throw notInstalled(pkg, cwd);
  return dir;
}

/** The directory of an installed package as `locatePackageBin` finds it, or undefined. */
export function locatePackageDir(cwd: string, pkg: string): string | undefined {
  for (const start of [resolve(cwd), dirname(fileURLToPath(import.meta.url))]) {
    for (let dir = start; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', pkg);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

function findUpward(start: string, pkg: string, bin: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const entry = binEntry(join(dir, 'node_modules', pkg), bin);
    if (entry !== undefined) return entry;
    if (dirname(dir) === dir) return undefined;
  }
}

function binEntry(packageDir: string, bin: string): string | undefined {
  const manifest = join(packageDir, 'package.json');
  if (!existsSync(manifest)) return undefined;
  try {
    const { bin: bins } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> };
    const relative = typeof bins === 'string' ? bins : bins?.[bin];
    const entry = relative === undefined ? undefined : join(packageDir, relative);
    return entry !== undefined && existsSync(entry) ? entry : undefined;
  } catch {
    return undefined;
  }
}
