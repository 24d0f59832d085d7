import { scenarioKey, type DiscoveredScenario, type ScenarioRef } from './types.js';

// Jupiter's segments for a test's own method: a plain test, a parameterized or repeated test
// (a template), a test factory. Their invocations and dynamic tests fold into the method.
const METHOD_SEGMENTS = new Set(['method', 'test-template', 'test-factory']);

/**
 * The scenario of a JUnit Jupiter unique id: the top-level class (fully qualified) is the file,
 * nested classes and the method with its parameter types are the path.
 *
 * @example scenarioOfUniqueId('[engine:junit-jupiter]/[class:com.x.CalcTest]/[nested-class:Empty]/[method:adds(int, int)]')
 * // { key: 'com.x.CalcTest > Empty > adds(int, int)', file: 'com.x.CalcTest', path: ['Empty', 'adds(int, int)'], tags: [] }
 */
export function scenarioOfUniqueId(uniqueId: string): DiscoveredScenario | undefined {
  let file: string | undefined;
  const path: string[] = [];
  for (const { type, value } of segments(uniqueId)) {
    if (type === 'class') file = value;
    else if (type === 'nested-class' && file !== undefined) path.push(value);
    else if (METHOD_SEGMENTS.has(type) && file !== undefined) {
      path.push(value);
      return { key: scenarioKey(file, path), file, path, tags: [] };
    }
  }
  return undefined;
}

/** The console launcher's selector of a scenario: `--select-method` for a test, else its class. */
export function selectorOf(scenario: ScenarioRef): string {
  const method = scenario.path.at(-1);
  const isMethod = method?.includes('(');
  const classes = isMethod ? scenario.path.slice(0, -1) : scenario.path;
  const className = [scenario.file, ...classes].join('$');
  return isMethod ? `--select-method=${className}#${method}` : `--select-class=${className}`;
}

/**
 * The scenario path of a legacy XML test case that carries no unique id: `classname`
 * (`com.x.CalcTest$Empty`) and `name` (`adds(int, int)[2]`), whose parameter types are simple
 * names. Compare with `simpleSignature` of a key's method.
 */
export function legacyPath(classname: string, name: string): { file: string; path: string[] } {
  const [file = classname, ...nested] = classname.split('$');
  return { file, path: [...nested, name.replace(/(?:\[\d+\])+$/, '')] };
}

/**
 * A method signature with simple type names, as the legacy report writes it: `greet(java.lang.String[])`
 * and `greet([Ljava.lang.String;)` → `greet(String[])`, `sum([I)` → `sum(int[])`.
 */
export function simpleSignature(method: string): string {
  const open = method.indexOf('(');
  if (open === -1 || !method.endsWith(')')) return method;
  const params = method
    .slice(open + 1, -1)
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  return `${method.slice(0, open)}(${params.map(simpleType).join(', ')})`;
}

const PRIMITIVES: Record<string, string> = {
  Z: 'boolean',
  B: 'byte',
  C: 'char',
  S: 'short',
  I: 'int',
  J: 'long',
  F: 'float',
  D: 'double',
};

/** `java.lang.String` → `String`, `[[I` → `int[][]`, `[Lcom.x.Outer$Inner;` → `Inner[]`. */
function simpleType(type: string): string {
  const dims = /^\[+/.exec(type)?.[0].length ?? 0;
  let base = type.slice(dims);
  if (dims > 0) base = base.startsWith('L') && base.endsWith(';') ? base.slice(1, -1) : (PRIMITIVES[base] ?? base);
  const simple = base.replace(/[\w$.]+/g, (name) => name.slice(name.lastIndexOf('.') + 1).replace(/^.*\$/, ''));
  return simple + '[]'.repeat(dims);
}

function segments(uniqueId: string): { type: string; value: string }[] {
  if (!uniqueId.startsWith('[') || !uniqueId.endsWith(']')) return [];
  return uniqueId
    .slice(1, -1)
    .split(']/[')
    .map((s) => ({ type: s.slice(0, s.indexOf(':')), value: decodeSegment(s.slice(s.indexOf(':') + 1)) }));
}

/**
 * A segment's value as JUnit means it: a unique id writes the characters it uses itself (`[`,
 * `]`, `/`, `:`, `%`…) URL-encoded, so a method taking an array is `[method:sum(%5BI)]`, which
 * `--select-method` knows as `sum([I)`.
 */
function decodeSegment(value: string): string {
  return value.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}
