import { keepStart } from './text-cap.js';
import { closest } from './closest-name.js';

/** A problem found in user input, named by its dotted path (and, in a YAML file, its line). */
export interface Problem {
  path: string;
  message: string;
  line?: number;
}

/**
 * Collects every problem of a document instead of stopping at the first, so a user fixes a file
 * in one round. Readers return a usable fallback value after recording a problem. Warnings are
 * what is valid but probably not meant (a plan without a workdir); they never reject a document.
 */
export class Problems {
  readonly list: Problem[] = [];
  readonly warnings: Problem[] = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** A readable summary: one `path: message` line per problem, `line N, path: message` where the line is known. */
  toString(): string {
    return this.list.map(problemLine).join('\n');
  }
}

/** `line 4, plans.unit.timeout: expected a duration like "10m"`. */
export function problemLine(p: Problem): string {
  return `${p.line !== undefined && !p.path.startsWith('line ') ? `line ${p.line}, ` : ''}${p.path}: ${p.message}`;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return keepStart(`${typeof v} ${JSON.stringify(v)}`, 60);
}

/** Names of plans, environments and projects: never all digits, since ids and names share URLs. */
const NAME = /^(?!\d+$)[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function checkName(problems: Problems, path: string, v: unknown): v is string {
  if (typeof v === 'string' && NAME.test(v)) return true;
  problems.add(
    path,
    `expected a name of letters, digits, ".", "_" or "-" (not all digits, at most 100), got ${describeType(v)}`,
  );
  return false;
}

export function readString(problems: Problems, path: string, v: unknown, fallback: string): string {
  if (v === undefined) return fallback;
  if (typeof v === 'string') return v;
  problems.add(path, `expected a string, got ${describeType(v)}`);
  return fallback;
}

/**
 * A list of strings. One string alone is read as a list of one, with a warning that says so and
 * what to write: `include: "test/*.js"` means `include: ["test/*.js"]`, but it reads like a
 * setting that takes one value, and a second one added later (`"a.js, b.js"`) would be one glob.
 */
export function readStringList(problems: Problems, path: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') {
    problems.warn(
      path,
      `expected a list, got one string: read as a list of one; write ${path.split('.').at(-1)}: [${JSON.stringify(v)}]`,
    );
    return [v];
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  problems.add(path, `expected a list of strings, got ${describeType(v)}`);
  return [];
}

export function readInteger(
  problems: Problems,
  path: string,
  v: unknown,
  { min, max, fallback }: { min: number; max: number; fallback: number },
): number {
  if (v === undefined) return fallback;
  if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
  problems.add(path, `expected a whole number from ${min} to ${max}, got ${describeType(v)}`);
  return fallback;
}

/** Records every key of `obj` that is not in `known` (a typo would otherwise be silently ignored). */
export function checkKeys(
  problems: Problems,
  path: string,
  obj: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    problems.add(
      `${path}.${key}`,
      `unknown key${near ? ` (did you mean ${near}?)` : ''}; expected one of ${known.join(', ')}`,
    );
  }
}
