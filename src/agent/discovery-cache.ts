import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DiscoveredScenario } from '../adapters/types.js';

/**
 * A discovery's scenarios kept on the agent, reused while nothing it could depend on changed.
 *
 * A discovery is a framework start plus a collection of every test file (for Jest or Vitest about
 * as long as loading the whole suite), paid before every run. It depends on the files under the
 * job's working directory, the framework and its options, and the environment the job runs in. The
 * fingerprint counts each of them: every file's path, size, modification and change time and inode
 * (a write always moves the change time, which no tool sets back), the installed dependencies'
 * markers, the environment and the build of Proctor that parsed it. Left out are directories
 * frameworks write into on every run without changing which tests exist (`node_modules` apart from
 * its markers, `.git`, `__pycache__`, `.pytest_cache`, `test-results`, …). A tree that cannot be
 * fingerprinted cheaply and surely (more than {@link MAX_ENTRIES} entries, a symbolic link to a
 * directory, an unreadable directory) is discovered every time.
 */
export interface DiscoveryInputs {
  cwd: string;
  framework: string;
  options: Record<string, unknown>;
  /** Everything the discovery process gets in its environment. */
  env: Record<string, string | undefined>;
  /** The user it runs as, when not the agent's own. */
  user?: { uid: number; gid: number } | undefined;
  /** Directories under `cwd` that are the agent's own (its caches, app builds, checkouts). */
  skip?: readonly string[];
  /** Entries walked before giving up; default {@link MAX_ENTRIES}. */
  maxEntries?: number;
}

/** Entries walked before giving up: a tree this large is discovered every time. */
export const MAX_ENTRIES = 20_000;
/** Cached discoveries kept on an agent; the oldest go first. */
const MAX_KEPT = 256;
/** Bump when what is stored or how it is keyed changes. */
const FORMAT = 1;

/** Written by frameworks or tools on runs, with no say in which tests exist. */
const SKIPPED_DIRS = new Set([
  '.git',
  '.hg',
  '.svn',
  '__pycache__',
  '.pytest_cache',
  '.mypy_cache',
  '.ruff_cache',
  '.tox',
  '.nox',
  'test-results',
  'playwright-report',
  'blob-report',
  'coverage',
  '.nyc_output',
  '.turbo',
  '.proctor',
]);
/** node_modules is not walked: these change whenever a package manager changes what is installed. */
const INSTALL_MARKERS = ['.package-lock.json', '.modules.yaml', '.yarn-state.yml', '.yarn-integrity', '.pnpm'];
/** Variables set anew for every job, which discovery does not depend on. */
const PER_JOB_VARIABLES = new Set(['PROCTOR_RUN_ID', 'PROCTOR_JOB_ID']);

/** The fingerprint of a discovery's inputs, or null when the tree cannot be fingerprinted surely. */
export async function discoveryFingerprint(inputs: DiscoveryInputs): Promise<string | null> {
  const hash = createHash('sha256');
  const env = Object.entries(inputs.env)
    .filter(([name, value]) => value !== undefined && !PER_JOB_VARIABLES.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  hash.update(
    JSON.stringify({
      format: FORMAT,
      build: await buildIdentity(),
      framework: inputs.framework,
      options: inputs.options,
      cwd: inputs.cwd,
      env,
      user: inputs.user ?? null,
    }),
  );
  const tree = await treeStats(inputs.cwd, new Set(inputs.skip ?? []), inputs.maxEntries ?? MAX_ENTRIES);
  if (tree === null) return null;
  hash.update(tree);
  return hash.digest('hex');
}

/**
 * Every file under `root` as a line of its path and stats, in a fixed order; null past
 * `maxEntries` entries, at a symbolic link to a directory, or at a directory it cannot read.
 */
async function treeStats(root: string, skip: ReadonlySet<string>, maxEntries: number): Promise<string | null> {
  const lines: string[] = [];
  const pending = [root];
  let entries = 0;
  while (pending.length > 0) {
    const dir = pending.pop()!;
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch {
      return null;
    }
    for (const name of names) {
      if (++entries > maxEntries) return null;
      const path = join(dir, name);
      if (skip.has(path)) continue;
      const rel = relative(root, path);
      let s: Stats;
      let linked = false;
      try {
        s = await lstat(path);
        // A link is followed to what it names: a link to a file counts that file's stats.
        if (s.isSymbolicLink()) {
          linked = true;
          s = await stat(path);
        }
      } catch {
        lines.push(`${rel}\0gone`);
        continue;
      }
      if (s.isDirectory()) {
        if (name === 'node_modules') lines.push(`${rel}\0${await installMarkers(path)}`);
        else if (SKIPPED_DIRS.has(name)) continue;
        // What changes behind a link to a directory would go unseen (and a link may loop).
        else if (linked) return null;
        else pending.push(path);
        continue;
      }
      lines.push(`${rel}\0${s.size}\0${s.mtimeMs}\0${s.ctimeMs}\0${s.ino}`);
    }
  }
  return lines.join('\n');
}

/**
 * What a package manager changes when it changes what is installed: its marker files; without one,
 * the names of the installed packages. Not the directory's own times: tools keep caches in it
 * (Vitest creates and removes `node_modules/.vite-temp` on every run).
 */
async function installMarkers(dir: string): Promise<string> {
  const marks: string[] = [];
  for (const name of INSTALL_MARKERS) {
    const s = await stat(join(dir, name)).catch(() => null);
    if (s) marks.push(`${name}:${s.mtimeMs}:${s.ctimeMs}:${s.size}`);
  }
  if (marks.length > 0) return marks.join(',');
  const names = await readdir(dir).catch(() => []);
  return names
    .filter((n) => !n.startsWith('.'))
    .sort()
    .join(',');
}

let build: Promise<string> | undefined;
/** This build of Proctor's adapters: a discovery parsed by another may name scenarios otherwise. */
function buildIdentity(): Promise<string> {
  build ??= (async () => {
    const registry = fileURLToPath(new URL('../adapters/registry.js', import.meta.url));
    const s = await stat(registry).catch(() => stat(registry.replace(/\.js$/, '.ts')).catch(() => null));
    return s ? `${s.size}:${s.mtimeMs}` : 'unknown';
  })();
  return build;
}

interface Stored {
  format: number;
  cwd: string;
  discovered_at: number;
  scenarios: DiscoveredScenario[];
}

/** The scenarios discovered under this fingerprint, with when; null when none are kept. */
export async function cachedDiscovery(
  dir: string,
  fingerprint: string,
): Promise<{ scenarios: DiscoveredScenario[]; discoveredAt: number } | null> {
  try {
    const stored = JSON.parse(await readFile(join(dir, `${fingerprint}.json`), 'utf8')) as Stored;
    if (stored.format !== FORMAT || !Array.isArray(stored.scenarios) || stored.scenarios.length === 0) return null;
    return { scenarios: stored.scenarios, discoveredAt: stored.discovered_at };
  } catch {
    return null;
  }
}

/** Keeps a discovery for the next job with the same fingerprint, and forgets the oldest past {@link MAX_KEPT}. */
export async function keepDiscovery(
  dir: string,
  fingerprint: string,
  cwd: string,
  scenarios: DiscoveredScenario[],
): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stored: Stored = { format: FORMAT, cwd, discovered_at: Date.now(), scenarios };
  const file = join(dir, `${fingerprint}.json`);
  // Written aside and renamed: a reader never sees half of it.
  const partial = `${file}.${process.pid}.${Date.now()}.partial`;
  await writeFile(partial, JSON.stringify(stored), { mode: 0o600 });
  await rename(partial, file);
  const kept = await readdir(dir);
  if (kept.length <= MAX_KEPT) return;
  const aged = await Promise.all(
    kept.map(async (name) => ({ name, at: (await stat(join(dir, name)).catch(() => null))?.mtimeMs ?? 0 })),
  );
  aged.sort((a, b) => a.at - b.at);
  for (const { name } of aged.slice(0, aged.length - MAX_KEPT))
    await rm(join(dir, name), { force: true }).catch(() => {});
}
