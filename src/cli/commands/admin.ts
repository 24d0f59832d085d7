import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { copyFile, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { RetentionPassView, UsageView } from '../../protocol/admin-api.js';
import { plural } from '../../domain/plural.js';
import { ApiClient, connectionFrom } from '../api-client.js';
import { CliError, EXIT } from '../cli-error.js';
import { connectionOptions, table, type Output } from '../output.js';

type Conn = { server?: string; token?: string };

const bytes = (n: number | null) =>
  n === null
    ? '-'
    : n < 1024
      ? `${n} B`
      : n < 1024 ** 2
        ? `${(n / 1024).toFixed(1)} KiB`
        : n < 1024 ** 3
          ? `${(n / 1024 ** 2).toFixed(1)} MiB`
          : `${(n / 1024 ** 3).toFixed(2)} GiB`;
const limit = (n: number | null, unit: string) => (n === null ? 'forever' : plural(n, unit));

/** `proctor admin usage | retention | backup FILE | restore FILE`. */
export function adminCommand(program: Command, out: Output): void {
  const admin = program.command('admin').description('Usage, retention, backups (an ADMIN key)');

  connectionOptions(
    admin
      .command('usage')
      .description('Rows and bytes per project, plan and kind, and what the next retention pass will delete')
      .option('--project <name>', 'only this project')
      .option('--json', 'print the answer of GET /api/v1/admin/usage')
      .addHelpText('after', '\nExample:\n  proctor admin usage --project web'),
  ).action(async (o: Conn & { project?: string; json?: boolean }) => {
    const api = new ApiClient(connectionFrom(o, process.env));
    const u = await api.get<UsageView>(
      `/api/v1/admin/usage${o.project ? `?project=${encodeURIComponent(o.project)}` : ''}`,
    );
    if (o.json) return out.line(JSON.stringify(u));
    const rows = [['PROJECT', 'PLAN', 'KIND', 'ROWS', 'SIZE', 'NEXT PASS DELETES']];
    for (const r of u.items)
      rows.push([
        r.project.name,
        r.plan?.name ?? '-',
        r.kind,
        String(r.rows),
        bytes(r.bytes),
        `${r.next_pass.rows}${r.next_pass.bytes ? ` (${bytes(r.next_pass.bytes)})` : ''}`,
      ]);
    for (const l of table(rows)) out.line(l);
    for (const { project, policy: p } of u.policies) {
      out.line(
        `${project.name}: runs ${limit(p.run_days, 'day')}, last ${p.run_last ?? 'all'} per plan; logs ${limit(p.log_days, 'day')}; artifacts ${limit(p.artifact_days, 'day')}; app builds: last ${p.app_build_last ?? 'all'} per name`,
      );
    }
    if (u.blobs)
      out.line(
        `blob store: ${plural(u.blobs.rows, 'blob')}, ${bytes(u.blobs.bytes)}; ${u.blobs.unreferenced.rows} unreferenced (${bytes(u.blobs.unreferenced.bytes)}), removed by the next pass`,
      );
  });

  connectionOptions(
    admin
      .command('retention')
      .description('Run a retention pass now and print what it deleted')
      .option('--json', 'print the answer as JSON'),
  ).action(async (o: Conn & { json?: boolean }) => {
    const r = await new ApiClient(connectionFrom(o, process.env)).post<RetentionPassView>(
      '/api/v1/admin/retention',
      {},
    );
    out.line(
      o.json
        ? JSON.stringify(r)
        : `Deleted ${plural(r.runs, 'run')} (${plural(r.results, 'result')}), ${plural(r.logs, 'log')}, ${plural(r.artifacts, 'artifact')}, ${plural(r.app_builds, 'app build')}, ${plural(r.blobs, 'blob')} in ${r.duration_ms} ms`,
    );
  });

  connectionOptions(
    admin
      .command('backup <file>')
      .description(
        "A consistent copy of the server's SQLite database, made while it runs (SQLite's backup API); PostgreSQL: pg_dump",
      )
      .addHelpText(
        'after',
        '\nBlobs are not in it: copy <data-dir>/blobs (or the bucket) after it.\n\nExample:\n  proctor admin backup proctor-$(date +%F).db',
      ),
  ).action(async (file: string, o: Conn) => {
    const res = await new ApiClient(connectionFrom(o, process.env)).download('/api/v1/admin/backup');
    const want = res.headers.get('x-checksum-sha256');
    const target = resolve(file);
    const partial = join(dirname(target), `.${basename(target)}.partial`);
    const hash = createHash('sha256');
    const meter = new Transform({
      transform: (c: Buffer, _e, done) => {
        hash.update(c);
        done(null, c);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as never), meter, createWriteStream(partial, { mode: 0o600 }));
      const got = hash.digest('hex');
      if (want && got !== want)
        throw new CliError(
          `the backup arrived damaged (SHA-256 ${got}, the server sent ${want}); nothing was written to ${file}`,
          EXIT.INFRASTRUCTURE,
        );
      await rename(partial, target);
    } finally {
      await rm(partial, { force: true });
    }
    out.line(`Backed up the database to ${file} (${bytes((await stat(target)).size)}, SHA-256 ${want ?? 'not sent'})`);
  });

  admin
    .command('restore <file>')
    .description('Put a backup in place of the database of a stopped server (SQLite)')
    .requiredOption('--data-dir <dir>', "the server's data directory (its --data-dir / PROCTOR_DATA_DIR)")
    .addHelpText(
      'after',
      '\nStop the server first; the database it had is kept as proctor.db.before-restore-<time>.\n\nExample:\n  proctor admin restore proctor-2026-12-01.db --data-dir /var/lib/proctor',
    )
    .action(async (file: string, o: { dataDir: string }) => out.line(await restore(file, o.dataDir)));
}

/**
 * Replaces `<dataDir>/proctor.db` by the backup, keeping the old one. Refuses a file that is not a
 * SQLite database and a data directory whose server still runs (its write-ahead log is open).
 */
async function restore(file: string, dataDir: string): Promise<string> {
  const header = Buffer.alloc(16);
  const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${file}: ${e.code ?? e.message}`);
  });
  await fh.read(header, 0, 16, 0).finally(() => fh.close());
  if (header.toString('latin1') !== 'SQLite format 3\u0000')
    throw new CliError(`${file} is not a SQLite database (a file proctor admin backup wrote)`);
  const db = join(dataDir, 'proctor.db');
  // A server that stopped cleanly leaves no write-ahead log; one that runs (or was killed) does.
  if (existsSync(`${db}-wal`) && (await stat(`${db}-wal`)).size > 0) {
    throw new CliError(
      `${dataDir} has a write-ahead log (proctor.db-wal): stop the server first (a killed one: start and stop it once), then restore`,
    );
  }
  const kept = existsSync(db) ? `${db}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}` : null;
  if (kept) await rename(db, kept);
  await rm(`${db}-wal`, { force: true });
  await rm(`${db}-shm`, { force: true });
  await copyFile(file, `${db}.restoring`);
  await rename(`${db}.restoring`, db);
  return `Restored ${file} into ${db}${kept ? ` (the database it replaced is ${kept})` : ''}; start the server`;
}
