import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import picomatch from 'picomatch';

// Never worth walking into: dependencies and VCS metadata hold no suite of the user's.
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git']);

/**
 * Files under `root` whose `/`-separated relative path matches any `include` glob and no
 * `exclude` glob, sorted. `node_modules` and `.git` are never entered; symlinked directories
 * are not followed (no cycles).
 *
 * @example await findFiles(cwd, ['**\/*.test.mjs']) // ['lib/a.test.mjs', 'test/b.test.mjs']
 */
export async function findFiles(
  root: string,
  include: readonly string[],
  exclude: readonly string[] = [],
): Promise<string[]> {
  const included = picomatch([...include], { dot: false });
  const excluded = exclude.length > 0 ? picomatch([...exclude]) : () => false;
  const found: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(path);
        continue;
      }
      if (!entry.isFile() && !(entry.isSymbolicLink() && (await isFile(path)))) continue;
      const rel = toPosix(relative(root, path));
      if (included(rel) && !excluded(rel)) found.push(rel);
    }
  };
  await walk(root);
  return found.sort();
}

/** A path relative to `root`, `/`-separated; absolute paths outside `root` stay absolute. */
export function relativeFile(root: string, path: string): string {
  if (!isAbsolute(path)) return toPosix(path).replace(/^\.\//, '');
  const rel = relative(root, path);
  return rel.startsWith('..') || isAbsolute(rel) ? toPosix(path) : toPosix(rel);
}

export function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}
