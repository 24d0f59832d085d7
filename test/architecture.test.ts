import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const depcruise = resolve('node_modules/.bin/depcruise');

describe('import directions (ARCHITECTURE.md)', () => {
  it('hold in src/', () => {
    const r = spawnSync(depcruise, ['src', '--config', '.dependency-cruiser.cjs'], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('are enforced: a fixture where domain imports storage and agent imports server fails the check', () => {
    const r = spawnSync(depcruise, ['src', '--config', resolve('.dependency-cruiser.cjs')], {
      cwd: resolve('test/fixtures/architecture'),
      encoding: 'utf8',
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain('domain-imports: src/domain/leak.js → src/storage/store.js');
    expect(r.stdout).toContain('agent-imports: src/agent/leak.js → src/server/app.js');
  });
});
