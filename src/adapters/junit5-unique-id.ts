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
  const isMethod = method !== undefined && method.includes('(');
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

/** A method signature with simple type names: `greet(java.lang.String[])` → `greet(String[])`. */
export function simpleSignature(method: string): string {
  return method.replace(/[\w$.]+/g, (type) => type.slice(type.lastIndexOf('.') + 1).replace(/^.*\$/, ''));
}

function segments(uniqueId: string): { type: string; value: string }[] {
  if (!uniqueId.startsWith('[') || !uniqueId.endsWith(']')) return [];
  return uniqueId
    .slice(1, -1)
    .split(']/[')
    .map((s) => ({ type: s.slice(0, s.indexOf(':')), value: s.slice(s.indexOf(':') + 1) }));
}
