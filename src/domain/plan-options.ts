import type { Framework } from '../protocol/statuses.js';
import { ADAPTER_OPTIONS, type AdapterOption } from './adapter-options.js';
import { closest } from './closest-name.js';
import { type Problems, describeType, isPlainObject } from './validation.js';

/**
 * Checks a plan's `options` against the options its framework's adapter reads: an unknown name
 * (with the closest known one), a value of the wrong shape (with an example of the right one) are
 * problems; a required option left out is a warning, since the plan is stored but cannot run until
 * it is set. `worker` is left to the plan's queue-mode check, which says it in those words.
 *
 * @example checkPlanOptions(problems, 'plans.unit.options', 'vitest', { confg: 'v.ts' })
 *   // plans.unit.options.confg: unknown option of vitest; did you mean config? (vitest takes config, worker, …)
 */
export function checkPlanOptions(
  problems: Problems,
  path: string,
  framework: Framework,
  options: Record<string, unknown>,
): void {
  const declared = ADAPTER_OPTIONS[framework];
  for (const [name, value] of Object.entries(options)) {
    if (name === 'worker') continue;
    const option = declared.find((o) => o.name === name);
    if (option === undefined) {
      problems.add(`${path}.${name}`, unknownOption(framework, name, declared));
      continue;
    }
    // A key written without a value (`config:`) is absent, as the adapters read it.
    if (value === null || fits(option, value)) continue;
    problems.add(`${path}.${name}`, `expected ${expectation(option)}, got ${describeType(value)}`);
  }
  for (const option of declared) {
    const value = options[option.name];
    if (value !== undefined && value !== null) continue;
    if (option.required === true || (option.required === 'without-worker' && !hasWorker(options))) {
      problems.warn(
        `${path}.${option.name}`,
        `not set, and the ${framework} adapter cannot run without it (${option.description}): write ${option.name}: ${yaml(option.example)}`,
      );
    }
  }
}

function hasWorker(options: Record<string, unknown>): boolean {
  const worker = options.worker;
  return worker !== undefined && worker !== null && worker !== false;
}

/** `unknown option of vitest; did you mean config? (vitest takes config, worker, artifacts, artifacts_max_mb)`. */
function unknownOption(framework: Framework, name: string, declared: readonly AdapterOption[]): string {
  const names = declared.map((o) => o.name);
  const near = closest(name, names);
  return `unknown option of ${framework}${near ? `; did you mean ${near}?` : ''} (${framework} takes ${names.join(', ')})`;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** Whether a value has the shape the adapter reads (adapters/options.ts refuses the others at run time). */
function fits(option: AdapterOption, v: unknown): boolean {
  switch (option.type) {
    case 'string':
      return isText(v);
    case 'string-or-list':
      return isText(v) || (Array.isArray(v) && v.length > 0 && v.every(isText));
    case 'string-list':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'positive-number':
      return typeof v === 'number' && v > 0 && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'globs-or-list-file':
      if (isPlainObject(v)) return Object.keys(v).length === 1 && isText(v.list);
      return fits({ ...option, type: 'string-or-list' }, v);
  }
}

/** What to write instead, with the option's example: `a list of strings like ["-x"]`. */
function expectation(option: AdapterOption): string {
  const like = `like ${yaml(option.example)}`;
  switch (option.type) {
    case 'string':
      return `a non-empty string ${like}`;
    case 'string-or-list':
      return `a non-empty string or list of strings ${like}`;
    case 'string-list':
      return `a list of strings ${like}`;
    case 'positive-number':
      return `a number above 0 ${like}`;
    case 'boolean':
      return 'true or false';
    case 'globs-or-list-file':
      return `a glob ${like}, a list of globs, or { list: "path/to/list.txt" }`;
  }
}

/** An example as it is written in YAML's flow style (JSON is a subset). */
function yaml(v: unknown): string {
  return JSON.stringify(v);
}
