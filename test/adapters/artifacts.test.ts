import { mkdir, mkdtemp, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { attachArtifacts, markRunStart } from '../../src/adapters/artifacts.js';
import type { TestReport } from '../../src/adapters/types.js';
import { adapterContext, rejection } from '../support/adapter-harness.js';

const report = (title: string, outcome: TestReport['outcome'] = 'passed'): TestReport => ({
  key: `a.spec.ts > ${title}`,
  file: 'a.spec.ts',
  path: [title],
  outcome,
  durationMs: 1,
});

describe('attachArtifacts', () => {
  it('gives each file the run wrote to the test named in its path, the rest to the first failure', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'proctor-artifacts-'));
    await mkdir(join(cwd, 'shots'));
    const stale = join(cwd, 'shots', 'old-run.png');
    await writeFile(stale, 'old');
    await utimes(stale, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    const ctx = await adapterContext(cwd, { artifacts: 'shots/**' });
    markRunStart(ctx);
    await writeFile(join(cwd, 'shots', 'Logs-In-With-SSO.png'), 'png');
    await writeFile(join(cwd, 'shots', 'run.log'), 'log');
    const reports = [report('logs in'), report('logs in with SSO'), report('pays', 'failed')];
    const [login, sso, pays] = await attachArtifacts(ctx, reports);
    expect(login?.artifacts).toBeUndefined();
    expect(sso?.artifacts).toEqual([
      {
        path: join(cwd, 'shots', 'Logs-In-With-SSO.png'),
        name: 'shots/Logs-In-With-SSO.png',
        contentType: 'image/png',
      },
    ]);
    expect(pays?.artifacts).toEqual([
      { path: join(cwd, 'shots', 'run.log'), name: 'shots/run.log', contentType: 'text/plain' },
    ]);
  });

  it('drops files the framework named that are gone or too large, and keeps at most 100 per test', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'proctor-artifacts-'));
    await writeFile(join(cwd, 'big.zip'), Buffer.alloc(2 * 1024 * 1024));
    await writeFile(join(cwd, 'small.png'), 'png');
    const ctx = await adapterContext(cwd, { artifacts_max_mb: 1 });
    const named = {
      ...report('x'),
      artifacts: [
        { path: join(cwd, 'big.zip'), name: 'trace' },
        { path: join(cwd, 'gone.png'), name: 'screenshot' },
        { path: join(cwd, 'small.png'), name: 'screenshot' },
      ],
    };
    const many = {
      ...report('y'),
      artifacts: Array.from({ length: 150 }, () => ({ path: join(cwd, 'small.png'), name: 'screenshot' })),
    };
    const [x, y] = await attachArtifacts(ctx, [named, many]);
    expect(x?.artifacts).toEqual([{ path: join(cwd, 'small.png'), name: 'screenshot' }]);
    expect(y?.artifacts).toHaveLength(100);
    expect(
      await rejection(attachArtifacts(await adapterContext(cwd, { artifacts_max_mb: 'lots' }), [report('z')])),
    ).toMatchObject({ reason: 'bad_options' });
  });
});
