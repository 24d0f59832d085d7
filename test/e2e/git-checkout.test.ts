import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutRepo } from '../../src/agent/checkout.js';
import { AddressPolicy } from '../../src/domain/address-policy.js';
import { OutboundRefusedError } from '../../src/domain/outbound-target.js';
import { listPlans, upsertPlan } from '../../src/storage/plans.js';
import { tableLookup } from '../support/refused-addresses.js';
import { eventually, startTestServer, type TestServer } from '../support/server.js';

/**
 * The test repository, served the way a git host would over git's "dumb" HTTP protocol: a bare
 * clone after `git update-server-info`, as static files from 127.0.0.1. Counts every request.
 */
async function serveRepository(): Promise<{
  source: string;
  url: (path: string, host?: string) => string;
  hits: string[];
  close(): Promise<void>;
}> {
  const source = mkdtempSync(join(tmpdir(), 'proctor-repo-'));
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, stdio: 'pipe' });
  cpSync(resolve('examples/demo/command'), source, { recursive: true });
  // Links a repository may hold: to a system directory, and to the directory the checkout is made in.
  symlinkSync('/etc', join(source, 'linked-out'));
  symlinkSync('..', join(source, 'linked-up'));
  git(source, 'init', '-q', '-b', 'main');
  git(source, 'add', '.');
  git(source, 'commit', '-qm', 'checks');
  git(source, 'tag', 'v1');
  // A later commit on main breaks the arithmetic check; the tag still has the good one.
  writeFileSync(join(source, 'checks', 'arithmetic.sh'), '#!/bin/sh\necho "2 + 2 is not 5" >&2\nexit 1\n');
  git(source, 'commit', '-qam', 'break arithmetic');
  const root = mkdtempSync(join(tmpdir(), 'proctor-git-http-'));
  git(root, 'clone', '-q', '--bare', source, 'repo.git');
  git(join(root, 'repo.git'), 'update-server-info');
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    hits.push(path);
    const file = normalize(join(root, path));
    if (!file.startsWith(`${root}/`) || !existsSync(file) || !statSync(file).isFile())
      return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    source,
    hits,
    url: (path, host = '127.0.0.1') => `http://${host}:${port}${path}`,
    close: () => new Promise<void>((r) => server.close(() => r()).closeAllConnections()),
  };
}

/** A plan whose tests live in a git repository at a ref: the agent checks it out and runs it there. */
describe('plans from a git repository', () => {
  let s: TestServer;
  let repo: Awaited<ReturnType<typeof serveRepository>>;
  let agentWork: string;
  const options = '{ command: "node run-checks.mjs --report-dir {report_dir} {files}", discover: "checks/*.sh" }';
  const plan = (url: string, ref: string) =>
    `{ framework: command, repo: { url: "${url}", ref: "${ref}" }, environments: [e], options: ${options} }`;

  /** A plan whose workdir is a link the repository holds. */
  const linked = (workdir: string) =>
    `  ${workdir}: { framework: command, workdir: ${workdir}, repo: { url: "${repo.url('/repo.git')}", ref: v1 }, environments: [e], options: ${options} }\n`;

  beforeAll(async () => {
    repo = await serveRepository();
    agentWork = mkdtempSync(join(tmpdir(), 'proctor-agent-'));
    // The administrator lets outbound calls reach this machine's loopback, where the git host is.
    s = await startTestServer('sqlite', {
      localAgent: true,
      slots: 2,
      workdir: agentWork,
      env: { PROCTOR_OUTBOUND_ALLOW_PRIVATE: '127.0.0.0/8,::1' },
    });
    // By name (resolved by the agent, then pinned for git) and by address.
    const applied = await s.api(
      'POST',
      '/api/v1/apply',
      `environments:\n  e: {}\nplans:\n  at-main: ${plan(repo.url('/repo.git', 'localhost'), 'main')}\n  at-tag: ${plan(repo.url('/repo.git'), 'v1')}\n  nowhere: { framework: command, repo: { url: "${repo.url('/missing.git')}", ref: main }, environments: [e], options: { command: "true" } }\n${linked('linked-out')}${linked('linked-up')}`,
    );
    expect(applied.status).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
    await repo?.close();
  });

  const finished = (id: number) =>
    eventually(async () => {
      const r = (await s.api('GET', `/api/v1/runs/${id}`)).body;
      return r.status === 'completed' ? r : undefined;
    }, 60_000);
  const statusOf = async (id: number, file: string) =>
    (
      (await s.api('GET', `/api/v1/runs/${id}/results`)).body.items as { scenario: { file: string }; status: string }[]
    ).find((r) => r.scenario.file === file)?.status;
  const firstJob = async (id: number) =>
    (await s.api('GET', `/api/v1/runs/${id}/jobs`)).body.items[0] as { error: string; end_reason: string };

  it('runs the suite as of the plan ref, cloned over HTTP', async () => {
    const main = (await s.api('POST', '/api/v1/plans/at-main/runs', {})).body;
    await finished(main.id);
    expect(await statusOf(main.id, 'checks/arithmetic.sh')).toBe('failed');
    const tag = (await s.api('POST', '/api/v1/plans/at-tag/runs', {})).body;
    await finished(tag.id);
    expect(await statusOf(tag.id, 'checks/arithmetic.sh')).toBe('passed');
    expect(repo.hits).toContain('/repo.git/info/refs');
  });

  it('refuses a workdir that a link in the checkout leads out of it, to the system or elsewhere in the agent’s work directory', async () => {
    for (const [plan, where] of [
      ['linked-out', /resolves to \/etc, outside/],
      ['linked-up', new RegExp(`resolves to ${agentWork}[^,]*, outside`)],
    ] as const) {
      const run = (await s.api('POST', `/api/v1/plans/${plan}/runs`, {})).body;
      const done = await finished(run.id);
      const job = await firstJob(run.id);
      expect(done.result, `${plan}: ${JSON.stringify(job)}`).toBe('aborted');
      expect(job.end_reason, plan).toBe('bad_options');
      expect(job.error, plan).toMatch(where);
    }
  });

  it('aborts the run with git’s own words when the checkout fails', async () => {
    const run = (await s.api('POST', '/api/v1/plans/nowhere/runs', {})).body;
    const done = await finished(run.id);
    expect(done).toMatchObject({ result: 'aborted', ended_by: 'system' });
    const job = await firstJob(run.id);
    expect(job.error).toContain('checkout of');
    expect(job.end_reason).toBe('checkout_failed');
  });

  it('refuses at apply a repo.url that is a local path, file://, an option, another transport or a refused address (400 naming the field)', async () => {
    const cases: [url: string, says: RegExp][] = [
      [`file://${repo.source}`, /a repository already on the agent's disk is a workdir, not a repo/],
      [repo.source, /a repository already on the agent's disk is a workdir, not a repo/],
      ['./checks', /is a workdir, not a repo/],
      ['~/src/app', /is a workdir, not a repo/],
      ['--upload-pack=touch /tmp/proctor-pwned', /must not start with "-"/],
      ['-u', /must not start with "-"/],
      ['ext::sh', /ext:: transports are not allowed/],
      ['ftp://git.example.com/app.git', /ftp:\/\/ is not allowed/],
      ['ssh://-oProxyCommand=touch/x', /not a host name or address/],
      ['-oProxyCommand=x@host:repo', /must not start with "-"/],
      [
        'http://169.254.169.254/latest/meta-data/',
        /169\.254\.169\.254 is a link-local \(cloud metadata\) address; .*PROCTOR_OUTBOUND_ALLOW_PRIVATE/,
      ],
      ['http://[::ffff:0:127.0.0.1]/repo.git', /IPv4-translated/],
      ['https://10.0.0.1/app.git', /10\.0\.0\.1 is a private address/],
    ];
    for (const [url, says] of cases) {
      const r = await s.api(
        'POST',
        '/api/v1/apply',
        `environments:\n  e: {}\nplans:\n  bad: { framework: command, repo: { url: ${JSON.stringify(url)}, ref: main }, environments: [e] }\n`,
      );
      expect(r.status, url).toBe(400);
      expect(r.body.error.details, url).toEqual([
        { path: 'plans.bad.repo.url', message: expect.stringMatching(says), line: expect.any(Number) },
      ]);
    }
    const ref = await s.api(
      'POST',
      '/api/v1/apply',
      `environments:\n  e: {}\nplans:\n  bad: { framework: command, repo: { url: "${repo.url('/repo.git')}", ref: "--output=/tmp/x" }, environments: [e] }\n`,
    );
    expect(ref.body.error.details).toEqual([
      {
        path: 'plans.bad.repo.ref',
        message: 'must not start with "-" (git would read it as an option)',
        line: expect.any(Number),
      },
    ]);
    // The plans API validates the same way.
    const put = await s.api('PUT', '/api/v1/plans/bad', {
      framework: 'command',
      repo: { url: `file://${repo.source}` },
      environments: ['e'],
    });
    expect([put.status, put.body.error?.details?.[0]?.path]).toEqual([400, 'plans.bad.repo.url']);
    // Network URLs of every allowed transport pass (nothing is cloned at apply).
    for (const url of [
      'https://git.example.com/app.git',
      'ssh://git@git.example.com:2222/app.git',
      'git://git.example.com/app.git',
      'git@git.example.com:org/app.git',
    ]) {
      const ok = await s.api(
        'POST',
        '/api/v1/apply?dry_run=true',
        `environments:\n  e: {}\nplans:\n  good: { framework: command, repo: { url: ${JSON.stringify(url)}, ref: v1.2 }, environments: [e] }\n`,
      );
      expect(ok.status, url).toBe(200);
    }
  });

  it('never runs an option smuggled into repo.url of a plan stored without validation', async () => {
    const marker = join(agentWork, 'upload-pack-ran');
    const url = `--upload-pack=touch ${marker};git-upload-pack`;
    const db = s.proctor.server.store.db;
    const template = (await listPlans(db, null)).find((p) => p.definition.name === 'at-tag')!;
    // Where the agent would clone this URL for this project: a bare repository there is what
    // `git clone <option> <dir>` would read.
    const dir = join(
      agentWork,
      'checkouts',
      createHash('sha256').update(`${template.projectId}\n${url}`).digest('hex').slice(0, 16),
    );
    mkdirSync(dir, { recursive: true });
    execFileSync('git', ['init', '-q', '--bare', dir]);
    for (const [name, repoUrl] of [
      ['smuggled', url],
      ['local-file', `file://${repo.source}`],
    ] as const) {
      await upsertPlan(
        db,
        template.projectId,
        { ...template.definition, name, repo: { url: repoUrl, ref: 'main' } },
        Date.now(),
      );
      const run = (await s.api('POST', `/api/v1/plans/${name}/runs`, {})).body;
      const done = await finished(run.id);
      expect(existsSync(marker), name).toBe(false);
      expect(done, name).toMatchObject({ result: 'aborted' });
      const job = await firstJob(run.id);
      expect(job.error, name).toMatch(/^checkout of .* failed: refused: repo\.url /);
      expect(job.end_reason).toBe('checkout_failed');
    }
    expect(existsSync(marker)).toBe(false);
  });
});

describe('checkoutRepo under the outbound policy', () => {
  let repo: Awaited<ReturnType<typeof serveRepository>>;

  beforeAll(async () => {
    repo = await serveRepository();
  });
  afterAll(() => repo?.close());
  const allowLoopback = new AddressPolicy(['127.0.0.0/8']);
  const checkout = (
    url: string,
    policy: AddressPolicy,
    dns: Record<string, string[]> = {},
    workRoot = mkdtempSync(join(tmpdir(), 'proctor-co-')),
  ) => checkoutRepo(workRoot, { url, ref: 'v1' }, AbortSignal.timeout(60_000), policy, { lookup: tableLookup(dns) });

  it('clones from the address it vetted: git gets the name pinned to it (http.curloptResolve)', async () => {
    // No DNS but ours knows repo.test: only the pinned address lets git reach the server.
    const workRoot = mkdtempSync(join(tmpdir(), 'proctor-co-'));
    const dir = await checkout(
      repo.url('/repo.git', 'repo.test'),
      allowLoopback,
      { 'repo.test': ['127.0.0.1'] },
      workRoot,
    );
    expect(existsSync(join(dir, 'checks', 'arithmetic.sh'))).toBe(true);
    expect(repo.hits).toContain('/repo.git/info/refs');
    // The second checkout fetches into the first clone, pinned the same way.
    repo.hits.length = 0;
    expect(
      await checkout(repo.url('/repo.git', 'repo.test'), allowLoopback, { 'repo.test': ['127.0.0.1'] }, workRoot),
    ).toBe(dir);
    expect(repo.hits).toContain('/repo.git/info/refs');
  });

  it('hands git the remote after `--`, so a remote is never read as an option', async () => {
    // A `git` ahead of the real one on git's PATH writes down each command line, then runs git.
    const bin = mkdtempSync(join(tmpdir(), 'proctor-git-bin-'));
    const calls = join(bin, 'calls');
    const realGit = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
    writeFileSync(
      join(bin, 'git'),
      `#!/bin/sh\nfor a in "$@"; do printf '%s\\037' "$a"; done >> '${calls}'\necho >> '${calls}'\nexec '${realGit}' "$@"\n`,
      { mode: 0o755 },
    );
    const url = repo.url('/repo.git');
    const env = { ...(process.env as Record<string, string>), PATH: `${bin}:${process.env.PATH}` };
    const workRoot = mkdtempSync(join(tmpdir(), 'proctor-co-'));
    const dir = await checkoutRepo(workRoot, { url, ref: 'v1' }, AbortSignal.timeout(60_000), allowLoopback, {
      lookup: tableLookup({}),
      env,
    });
    expect(existsSync(join(dir, 'checks', 'arithmetic.sh'))).toBe(true);
    const lines = readFileSync(calls, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\x1f').slice(0, -1));
    const clone = lines.find((args) => args.includes('clone'));
    expect(clone, JSON.stringify(lines)).toBeDefined();
    // Everything after `--` is a repository and a directory: an option there would be the repository's name.
    expect(clone!.slice(clone!.indexOf('--'))).toEqual(['--', url, dir]);
  });

  it('refuses a remote whose host is or resolves to a refused address, before git runs: 0 hits', async () => {
    repo.hits.length = 0;
    const cases: [string, Record<string, string[]>][] = [
      [repo.url('/repo.git'), {}],
      [repo.url('/repo.git', 'localhost'), { localhost: ['127.0.0.1'] }],
      [repo.url('/repo.git', 'rebind.test'), { 'rebind.test': ['93.184.216.34', '127.0.0.1'] }],
      [repo.url('/repo.git', '[::ffff:0:127.0.0.1]'), {}],
      [repo.url('/repo.git', '2130706433'), {}],
      [`git@internal.test:org/repo.git`, { 'internal.test': ['10.0.0.7'] }],
      [`ssh://git@2130706433/org/repo.git`, {}],
    ];
    for (const [url, dns] of cases) {
      const e = await checkout(url, new AddressPolicy(), dns).then(
        () => null,
        (err: unknown) => err,
      );
      expect(e, url).toBeInstanceOf(OutboundRefusedError);
      expect((e as Error).message, url).toMatch(/^refused: .*PROCTOR_OUTBOUND_ALLOW_PRIVATE/);
    }
    for (const url of [`file://${repo.source}`, repo.source, '--upload-pack=touch /tmp/x', 'ext::sh -c true']) {
      await expect(checkout(url, allowLoopback), url).rejects.toThrow(/^refused: repo\.url /);
    }
    expect(repo.hits).toEqual([]);
  });
});
