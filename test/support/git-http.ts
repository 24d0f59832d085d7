import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';

/** Commits everything in `workTree` (a fresh repository) and makes a bare copy a static server can serve. */
export function bareRepoOf(workTree: string): string {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, stdio: 'pipe' });
  git(workTree, 'init', '-q', '-b', 'main');
  git(workTree, 'add', '.');
  git(workTree, 'commit', '-qm', 'tests');
  const bare = join(mkdtempSync(join(tmpdir(), 'proctor-bare-')), 'repo.git');
  git(workTree, 'clone', '-q', '--bare', workTree, bare);
  git(bare, 'update-server-info');
  return bare;
}

export interface GitHost {
  /** The clone URL, `http://127.0.0.1:<port>/repo.git`. */
  url: string;
  /** Paths requested, in order. */
  hits: string[];
  close(): Promise<void>;
}

/**
 * Serves a bare repository over git's "dumb" HTTP protocol (its files, as they are), the way a
 * plain web server hosting a repository would. `gate` may answer a request itself with a status
 * (a failing host) after any delay it likes; undefined lets the file be served.
 */
export async function serveGitRepo(
  bare: string,
  gate?: (path: string) => Promise<number | undefined>,
): Promise<GitHost> {
  const hits: string[] = [];
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.push(path);
    const status = await gate?.(path);
    if (status !== undefined) {
      res.writeHead(status).end();
      return;
    }
    const rel = normalize(decodeURIComponent(path)).replace(/^\/repo\.git\/?/, '');
    if (rel.startsWith('..')) return void res.writeHead(404).end();
    try {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(await readFile(join(bare, rel)));
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/repo.git`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
