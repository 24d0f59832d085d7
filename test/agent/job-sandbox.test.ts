import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { artifactProblem, type JobSandbox, workdirProblem } from '../../src/agent/job-sandbox.js';

/**
 * The checks that keep a job's working directory and the files it names inside the agent's work
 * directory and outside the server's data directory, on real files and symlinks: a checkout or a
 * test may hold a link to anywhere.
 */
describe('the job sandbox', () => {
  let base: string;
  let work: string;
  let data: string;
  let outside: string;
  let sandbox: JobSandbox;

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'proctor-sandbox-'));
    work = join(base, 'work');
    // The data directory inside the work directory, as `./.proctor` is by default.
    data = join(work, '.proctor');
    outside = join(base, 'outside');
    for (const d of [work, data, outside, join(work, 'suite', 'reports'), join(data, 'blobs')])
      mkdirSync(d, { recursive: true });
    writeFileSync(join(work, 'suite', 'reports', 'shot.png'), 'a screenshot');
    writeFileSync(join(outside, 'secret.txt'), 'not the job’s');
    writeFileSync(join(data, 'proctor.db'), 'the database');
    writeFileSync(join(data, 'blobs', 'blob'), 'a blob');
    const reports = join(work, 'suite', 'reports');
    // Links a test or a checkout could leave: to a file outside, to a directory outside, into the data directory.
    symlinkSync(join(outside, 'secret.txt'), join(reports, 'to-file-outside.png'));
    symlinkSync(outside, join(reports, 'to-dir-outside'));
    symlinkSync(join(data, 'proctor.db'), join(reports, 'to-database.png'));
    symlinkSync(join(data, 'blobs'), join(reports, 'to-blobs'));
    symlinkSync('../../../../../../../../etc/passwd', join(reports, 'relative-climb.txt'));
    symlinkSync(join(reports, 'shot.png'), join(reports, 'to-shot.png'));
    // Workdirs: a link out of the work directory, a link into the data directory, a link that stays.
    symlinkSync(outside, join(work, 'escape'));
    symlinkSync('/', join(work, 'root'));
    symlinkSync(data, join(work, 'into-data'));
    symlinkSync(join(work, 'suite'), join(work, 'suite-link'));
    sandbox = { env: {}, roots: [work], forbidden: [data] };
  });

  it('uploads a file the job made, and one linked to another file of its directories', async () => {
    const dirs = [join(work, 'suite'), join(work, 'suite', 'reports')];
    expect(await artifactProblem(join(work, 'suite', 'reports', 'shot.png'), dirs, sandbox)).toBeNull();
    expect(await artifactProblem(join(work, 'suite', 'reports', 'to-shot.png'), dirs, sandbox)).toBeNull();
  });

  it('refuses an artifact that is a link out of the job’s directories, saying where it resolves', async () => {
    const dirs = [join(work, 'suite'), join(work, 'suite', 'reports')];
    const reports = join(work, 'suite', 'reports');
    for (const file of [
      join(reports, 'to-file-outside.png'),
      join(reports, 'to-dir-outside', 'secret.txt'),
      join(reports, 'relative-climb.txt'),
      join(reports, '..', '..', '..', 'outside', 'secret.txt'),
      '/etc/passwd',
    ])
      expect(await artifactProblem(file, dirs, sandbox), file).toMatch(/resolves to .*, outside the job's directories/);
  });

  it('refuses an artifact that is a link into the server’s data directory, even from a job that works around it', async () => {
    // A job whose working directory is the whole work directory: the data directory is inside it.
    const dirs = [work];
    const reports = join(work, 'suite', 'reports');
    for (const file of [join(reports, 'to-database.png'), join(reports, 'to-blobs', 'blob'), join(data, 'proctor.db')])
      expect(await artifactProblem(file, dirs, sandbox), file).toBe("it is in the server's data directory");
    expect(await artifactProblem(join(reports, 'shot.png'), dirs, sandbox)).toBeNull();
  });

  it('refuses a workdir whose links lead out of the work directory or into the data directory', async () => {
    expect(await workdirProblem(join(work, 'suite'), sandbox)).toBeNull();
    expect(await workdirProblem(join(work, 'suite-link'), sandbox)).toBeNull();
    expect(await workdirProblem(join(work, 'escape'), sandbox)).toMatch(
      /resolves to .*outside, outside the agent's work directory/,
    );
    expect(await workdirProblem(join(work, 'root', 'etc'), sandbox)).toMatch(/resolves to \/etc, outside/);
    expect(await workdirProblem(join(work, '..', 'outside'), sandbox)).toMatch(/outside the agent's work directory/);
    expect(await workdirProblem(join(work, 'into-data'), sandbox)).toMatch(/in the server's data directory/);
    expect(await workdirProblem(join(work, 'into-data', 'blobs'), sandbox)).toMatch(/in the server's data directory/);
  });

  it('holds a checkout’s workdir to the checkout: a link in it to elsewhere in the work directory escapes it', async () => {
    const checkout = join(work, 'checkouts', 'repo');
    mkdirSync(join(checkout, 'app'), { recursive: true });
    symlinkSync(join(work, 'suite'), join(checkout, 'sibling'));
    const inCheckout = { ...sandbox, roots: [checkout] };
    expect(await workdirProblem(join(checkout, 'app'), inCheckout)).toBeNull();
    expect(await workdirProblem(join(checkout, 'sibling'), inCheckout)).toMatch(/outside the agent's work directory/);
  });
});
