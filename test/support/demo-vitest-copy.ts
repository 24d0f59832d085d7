import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A copy of examples/demo/vitest in a fresh temporary directory (`prefix` names it), to run and edit.
 * The suite's config imports vitest: Proctor's own installation serves it, from a node_modules of
 * the suite's own, where Vitest keeps its caches as it would in a user's.
 */
export function copyDemoVitest(prefix: string): string {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const demo = join(REPO, 'examples', 'demo', 'vitest');
  cpSync(demo, work, { recursive: true, filter: (from) => from !== join(demo, 'node_modules') });
  mkdirSync(join(work, 'node_modules'));
  symlinkSync(join(REPO, 'node_modules', 'vitest'), join(work, 'node_modules', 'vitest'));
  return work;
}
