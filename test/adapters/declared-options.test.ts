import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADAPTER_OPTIONS } from '../../src/domain/adapter-options.js';
import { FRAMEWORKS } from '../../src/protocol/statuses.js';

/**
 * Apply checks a plan's options against domain/adapter-options.ts, so a declaration that misses an
 * option an adapter reads refuses plans that would run, and one the adapter no longer reads lets a
 * typo through. This reads the adapters' source: each adapter's module and the modules of
 * src/adapters it imports, every literal name read from `ctx.options`.
 */
const DIR = 'src/adapters';
const source = (file: string) => readFileSync(join(DIR, file), 'utf8');

/** The adapter module of each framework, from registry.ts's imports and its map. */
function adapterFiles(): Map<string, string> {
  const registry = source('registry.ts');
  const fileOf = new Map(
    [...registry.matchAll(/import \{ (\w+Adapter) \} from '\.\/([\w-]+\.js)'/g)].map((m) => [
      m[1]!,
      m[2]!.replace(/\.js$/, '.ts'),
    ]),
  );
  const map = registry.slice(registry.indexOf('const ADAPTERS'));
  return new Map([...map.matchAll(/^\s+'?([\w-]+)'?: (\w+Adapter),$/gm)].map((m) => [m[1]!, fileOf.get(m[2]!)!]));
}

/** The module and every module of src/adapters it imports, transitively. */
function closure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const m of source(file).matchAll(/from '\.\/([\w-]+)\.js'/g)) closure(`${m[1]}.ts`, seen);
  return seen;
}

/**
 * The ways an adapter reads an option: options.ts's readers and workerFlag, an index with a literal,
 * artifacts.ts's size limit. Any other use of `ctx.options` fails the test until it is taught here.
 */
const READS: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/\b(?:stringOption|stringListOption)\(\s*ctx\.options,\s*'(\w+)'/g, (m) => m[1]!],
  [/\bworkerFlag\(\s*ctx\.options,\s*/g, () => 'worker'],
  [/(?<![/\w'`])options(?:\['(\w+)'\]|\.(\w+)\b)/g, (m) => (m[1] ?? m[2])!],
];
const PASSED_WHOLE = /\bmaxArtifactBytes\(\s*ctx\.options\s*\)/g;

function readsOf(files: Iterable<string>): { names: Set<string>; unknown: string[] } {
  const names = new Set<string>();
  const unknown: string[] = [];
  for (const file of files) {
    // options.ts holds the readers themselves: the names are their callers'.
    if (file === 'options.ts') continue;
    let text = source(file);
    for (const [pattern, name] of READS) {
      for (const m of text.matchAll(pattern)) names.add(name(m));
      text = text.replace(pattern, '');
    }
    text = text.replace(PASSED_WHOLE, '');
    for (const m of text.matchAll(/ctx\.options|\{[^}]*\boptions\b[^}]*\}\s*=\s*ctx\b/g))
      unknown.push(`${file}: ${text.slice(m.index!, m.index! + 60)}`);
  }
  return { names, unknown };
}

describe('the options each adapter declares', () => {
  const files = adapterFiles();

  it('finds the module of every framework in the registry', () => {
    expect([...files.keys()].sort()).toEqual([...FRAMEWORKS].sort());
  });

  for (const framework of FRAMEWORKS) {
    it(`${framework}: declares exactly the options its adapter reads`, () => {
      const { names, unknown } = readsOf(closure(files.get(framework)!));
      expect(unknown, 'reads of ctx.options this test cannot name').toEqual([]);
      expect(names.size).toBeGreaterThan(0);
      expect(ADAPTER_OPTIONS[framework].map((o) => o.name).sort()).toEqual([...names].sort());
    });
  }

  it('declares each option once per framework, with a description and an example', () => {
    for (const framework of FRAMEWORKS) {
      const names = ADAPTER_OPTIONS[framework].map((o) => o.name);
      expect(new Set(names).size, framework).toBe(names.length);
      for (const o of ADAPTER_OPTIONS[framework])
        expect(
          [o.description, o.example].every((x) => x !== '' && x !== undefined),
          `${framework}.${o.name}`,
        ).toBe(true);
    }
  });
});
