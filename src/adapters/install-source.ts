import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const installed = new Map<string, string>();

/**
 * Writes `source` to `<tmpdir>/<prefix>-<sha256 prefix>/<fileName>` unless it is there already,
 * and returns that directory. Worker code that tsc does not copy to dist (Python, plain JS run by
 * the suite's own Node) lives in TypeScript strings and is written out this way. The name follows
 * the content, so agents of different versions never share a file; it is written under a
 * temporary name and renamed, so a concurrent agent never loads half a file.
 *
 * @example join(installSource('proctor-vitest-worker', 'worker.mjs', SOURCE), 'worker.mjs')
 */
export function installSource(prefix: string, fileName: string, source: string): string {
  const file = (dir: string): string => join(dir, fileName);
  // Keyed by content too: one agent installs several contents under one name (a list of each
  // suite's sources), and must never hand one suite another's.
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const key = `${prefix}/${fileName}/${digest}`;
  const known = installed.get(key);
  if (known !== undefined && existsSync(file(known))) return known;
  const dir = ownDirectory(join(tmpdir(), `${prefix}-${digest}`));
  if (readOrUndefined(file(dir)) !== source) {
    const temp = `${file(dir)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(temp, source, { mode: 0o644 });
    renameSync(temp, file(dir));
  }
  installed.set(key, dir);
  return dir;
}

/**
 * `dir`, made if missing. The temporary directory is shared: code in a directory another user
 * can write to would run as this agent, so then a fresh directory of our own is made instead.
 */
function ownDirectory(dir: string): string {
  try {
    // Readable by all: jobs the agent runs as another user (--local-agent-user) load these files.
    mkdirSync(dir, { mode: 0o755 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (stat.isDirectory() && (uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0) {
    if ((stat.mode & 0o055) !== 0o055) chmodSync(dir, 0o755); // made by an agent of before
    return dir;
  }
  const fresh = mkdtempSync(`${dir}-`);
  chmodSync(fresh, 0o755);
  return fresh;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
