import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { AdapterError } from './types.js';

/**
 * The JavaScript entry of the vitest CLI that serves `cwd`: the suite's own installation (found
 * walking up from `cwd`, as `node_modules/.bin/vitest` would be), else the one Proctor itself can
 * resolve. The agent runs it with its own node (`process.execPath`), which sidesteps the `.bin`
 * shim's shebang and its Windows `.cmd` twin.
 */
export function locateVitest(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const entry = vitestEntry(join(dir, 'node_modules', 'vitest'));
    if (entry !== undefined) return entry;
    if (dirname(dir) === dir) break;
  }
  const own = ownVitestPackage();
  const entry = own === undefined ? undefined : vitestEntry(own);
  if (entry !== undefined) return entry;
  throw new AdapterError('framework_missing', `vitest is not installed in ${cwd}: run npm install -D vitest there`);
}

function vitestEntry(packageDir: string): string | undefined {
  const manifest = join(packageDir, 'package.json');
  if (!existsSync(manifest)) return undefined;
  try {
    const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> };
    const relative = typeof bin === 'string' ? bin : bin?.['vitest'];
    const entry = relative === undefined ? undefined : join(packageDir, relative);
    return entry !== undefined && existsSync(entry) ? entry : undefined;
  } catch {
    return undefined;
  }
}

function ownVitestPackage(): string | undefined {
  try {
    return dirname(createRequire(import.meta.url).resolve('vitest/package.json'));
  } catch {
    return undefined;
  }
}
