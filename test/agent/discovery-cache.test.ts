import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cachedDiscovery,
  discoveryFingerprint,
  keepDiscovery,
  type DiscoveryInputs,
} from '../../src/agent/discovery-cache.js';

/**
 * A discovery is reused only while nothing it could depend on changed: every change to the tree a
 * framework reads, to its options or to the environment makes a new fingerprint; what frameworks
 * write on every run, and the variables set anew for every job, do not.
 */
describe('discovery fingerprint', () => {
  let tree: string;
  let inputs: DiscoveryInputs;
  beforeEach(() => {
    tree = mkdtempSync(join(tmpdir(), 'proctor-fingerprint-'));
    mkdirSync(join(tree, 'test', 'deep'), { recursive: true });
    writeFileSync(join(tree, 'test', 'a.test.js'), "it('a', () => {});\n");
    writeFileSync(join(tree, 'test', 'deep', 'b.test.js'), "it('b', () => {});\n");
    mkdirSync(join(tree, 'node_modules', 'some-package'), { recursive: true });
    writeFileSync(join(tree, 'node_modules', '.package-lock.json'), '{}');
    writeFileSync(join(tree, 'node_modules', 'some-package', 'index.js'), '');
    inputs = {
      cwd: tree,
      framework: 'vitest',
      options: { config: 'vitest.config.ts' },
      env: { PATH: '/usr/bin', PROCTOR_RUN_ID: '1', PROCTOR_JOB_ID: '10' },
    };
  });
  afterEach(() => rmSync(tree, { recursive: true, force: true }));

  const fingerprint = (over: Partial<DiscoveryInputs> = {}) => discoveryFingerprint({ ...inputs, ...over });

  it('is the same for the same tree, options and environment, whatever the run and job', async () => {
    const first = await fingerprint();
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await fingerprint({ env: { ...inputs.env, PROCTOR_RUN_ID: '2', PROCTOR_JOB_ID: '20' } })).toBe(first);
  });

  it('changes when a file is edited, even to the same size', async () => {
    const first = await fingerprint();
    writeFileSync(join(tree, 'test', 'deep', 'b.test.js'), "it('c', () => {});\n");
    expect(await fingerprint()).not.toBe(first);
  });

  it('changes when a file is added or removed anywhere in the tree', async () => {
    const first = await fingerprint();
    writeFileSync(join(tree, 'test', 'deep', 'c.test.js'), '');
    const added = await fingerprint();
    expect(added).not.toBe(first);
    rmSync(join(tree, 'test', 'a.test.js'));
    expect(await fingerprint()).not.toBe(added);
  });

  it('changes when the installed packages change, but not with what is inside node_modules', async () => {
    const first = await fingerprint();
    writeFileSync(join(tree, 'node_modules', 'some-package', 'index.js'), 'changed');
    // Vitest creates and removes node_modules/.vite-temp on every run.
    mkdirSync(join(tree, 'node_modules', '.vite-temp'));
    rmSync(join(tree, 'node_modules', '.vite-temp'), { recursive: true });
    expect(await fingerprint()).toBe(first);
    writeFileSync(join(tree, 'node_modules', '.package-lock.json'), '{"packages":{}}');
    expect(await fingerprint()).not.toBe(first);
  });

  it('without a package manager marker, changes when a package is added', async () => {
    rmSync(join(tree, 'node_modules', '.package-lock.json'));
    const first = await fingerprint();
    mkdirSync(join(tree, 'node_modules', '.cache'));
    expect(await fingerprint()).toBe(first);
    mkdirSync(join(tree, 'node_modules', 'another-package'));
    expect(await fingerprint()).not.toBe(first);
  });

  it('leaves out what frameworks write on every run', async () => {
    const first = await fingerprint();
    for (const dir of ['__pycache__', '.pytest_cache', 'test-results', '.git', 'coverage']) {
      mkdirSync(join(tree, 'test', dir), { recursive: true });
      writeFileSync(join(tree, 'test', dir, 'x'), String(Math.random()));
    }
    // The directories themselves are entries of test/: their names count, what they hold does not.
    const withCaches = await fingerprint();
    for (const dir of ['__pycache__', '.pytest_cache', 'test-results', '.git', 'coverage'])
      writeFileSync(join(tree, 'test', dir, 'x'), String(Math.random()));
    expect(await fingerprint()).toBe(withCaches);
    expect(withCaches).toBe(first);
  });

  it('changes with the framework, its options, the environment and the user', async () => {
    const first = await fingerprint();
    expect(await fingerprint({ framework: 'jest' })).not.toBe(first);
    expect(await fingerprint({ options: { config: 'other.config.ts' } })).not.toBe(first);
    expect(await fingerprint({ env: { ...inputs.env, SUITE_FLAVOUR: 'long' } })).not.toBe(first);
    expect(await fingerprint({ user: { uid: 65534, gid: 65534 } })).not.toBe(first);
  });

  it('leaves out the directories it is told are the agent own', async () => {
    const first = await fingerprint({ skip: [join(tree, 'checkouts')] });
    mkdirSync(join(tree, 'checkouts', 'p1'), { recursive: true });
    writeFileSync(join(tree, 'checkouts', 'p1', 'x.test.js'), '');
    expect(await fingerprint({ skip: [join(tree, 'checkouts')] })).toBe(first);
  });

  it('gives none for a tree behind a link to a directory, or past its size limit', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'proctor-fingerprint-elsewhere-'));
    try {
      symlinkSync(elsewhere, join(tree, 'test', 'linked'));
      expect(await fingerprint()).toBeNull();
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
    rmSync(join(tree, 'test', 'linked'));
    expect(await fingerprint()).not.toBeNull();
    expect(await fingerprint({ maxEntries: 5 })).not.toBeNull();
    expect(await fingerprint({ maxEntries: 4 })).toBeNull();
  });

  it('follows a link to a file: an edit behind it counts', async () => {
    const target = join(tree, 'shared.js');
    writeFileSync(target, 'one');
    symlinkSync(target, join(tree, 'test', 'shared-link.js'));
    const first = await fingerprint({ skip: [target] });
    writeFileSync(target, 'two');
    expect(await fingerprint({ skip: [target] })).not.toBe(first);
  });
});

describe('kept discoveries', () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'proctor-discovery-cache-')), 'discovery');
  });

  const scenarios = [{ key: 'a.test.js > a', file: 'a.test.js', path: ['a'], tags: [] }];

  it('reads back what was kept under its fingerprint, and nothing under another', async () => {
    await keepDiscovery(dir, 'f1', '/w', scenarios);
    const kept = await cachedDiscovery(dir, 'f1');
    expect(kept?.scenarios).toEqual(scenarios);
    expect(kept?.discoveredAt).toBeGreaterThan(0);
    expect(await cachedDiscovery(dir, 'f2')).toBeNull();
  });

  it('reads a damaged or empty entry as none', async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'broken.json'), '{"format":1,"scen');
    expect(await cachedDiscovery(dir, 'broken')).toBeNull();
    await keepDiscovery(dir, 'empty', '/w', []);
    expect(await cachedDiscovery(dir, 'empty')).toBeNull();
  });

  it('keeps a bounded number, forgetting the oldest', async () => {
    for (let i = 0; i < 260; i++) await keepDiscovery(dir, `f${i}`, '/w', scenarios);
    const left = readdirSync(dir);
    expect(left).toHaveLength(256);
    expect(left).toContain('f259.json');
    expect(left.some((n) => n.endsWith('.partial'))).toBe(false);
  });
});
