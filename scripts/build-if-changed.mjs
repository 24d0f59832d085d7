// `npm start`'s build step (scripts/start.mjs): builds (tsc, then the dashboard with Vite) only when a source of the
// build changed since the last one, so a restart with nothing changed starts at once. What the
// last build was made from is a fingerprint of every source file's path, size and modification
// time, kept in dist/.build-fingerprint (`npm run build` writes it too: `--stamp`).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SOURCES = ['src', 'web', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const SKIP = new Set(['node_modules', 'dist', '.vite']);
const stampOf = (root) => join(root, 'dist', '.build-fingerprint');

function* files(path) {
  if (!existsSync(path)) return;
  const info = statSync(path);
  if (!info.isDirectory()) return yield [path, info];
  for (const entry of readdirSync(path).sort()) if (!SKIP.has(entry)) yield* files(join(path, entry));
}

/** The fingerprint of what a build of `root` is made from. */
export function fingerprint(root) {
  const hash = createHash('sha256');
  for (const source of SOURCES)
    for (const [path, info] of files(join(root, source)))
      hash.update(`${path.slice(root.length)}\0${info.size}\0${info.mtimeMs}\n`);
  return hash.digest('hex');
}

/** Whether `root`'s build output was made from its sources as they are now. */
export function upToDate(root) {
  const stamp = stampOf(root);
  const built =
    existsSync(join(root, 'dist', 'main.js')) &&
    existsSync(join(root, 'dist', 'web', 'index.html')) &&
    existsSync(stamp);
  return built && readFileSync(stamp, 'utf8') === fingerprint(root);
}

/** Records that `root`'s build output is made from its sources as they were (`print`: now). */
export function stamp(root, print = fingerprint(root)) {
  writeFileSync(stampOf(root), print);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (process.argv[2] === '--stamp') stamp(root);
  else if (upToDate(root)) process.stdout.write('proctor: build up to date\n');
  else {
    process.stdout.write('proctor: building (the sources changed since the last build)…\n');
    // The fingerprint of before the build: a file changed while it ran makes the next start build again.
    const before = fingerprint(root);
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
    stamp(root, before);
  }
}
