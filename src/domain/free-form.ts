import type { Problems } from './validation.js';

/**
 * How far a free-form value (a plan's `options`, an environment's `variables`) may go. Real options
 * are a few levels and a few dozen values; the bounds keep a document from exhausting the stack of
 * whoever serialises, compares or walks it later (the server, the agent, the dashboard).
 */
export const FREE_FORM_LIMITS = { depth: 32, values: 10_000 } as const;

type Frame = { value: unknown; path: string; depth: number } | { leave: object };

/**
 * Checks a value users write freely before it is stored: at most 32 levels of mappings and lists
 * (the value itself is the first), at most 10,000 values in all, no mapping or list inside itself
 * (a YAML alias of an enclosing node), and nothing JSON cannot hold. Walks with its own stack, so no
 * document can overflow the call stack. Adds one problem and returns false at the first finding.
 *
 * @example checkFreeForm(problems, 'plans.p.options', { a: { b: 1 } }) === true
 */
export function checkFreeForm(
  problems: Problems,
  path: string,
  value: unknown,
  limits: { depth: number; values: number } = FREE_FORM_LIMITS,
): boolean {
  const enclosing = new Set<object>();
  const stack: Frame[] = [{ value, path, depth: 0 }];
  let seen = 0;
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if ('leave' in frame) {
      enclosing.delete(frame.leave);
      continue;
    }
    if (++seen > limits.values) return fail(problems, path, `holds more than ${limits.values} values`);
    const v = frame.value;
    if (v === null || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return fail(problems, frame.path, `expected a finite number, got ${v}`);
      continue;
    }
    if (
      typeof v !== 'object' ||
      !(Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)
    ) {
      return fail(
        problems,
        frame.path,
        `expected a string, number, boolean, null, list or mapping, got ${typeof v === 'object' ? (v.constructor?.name ?? 'an object') : typeof v}`,
      );
    }
    if (enclosing.has(v)) return fail(problems, frame.path, 'refers to itself through a YAML alias');
    if (frame.depth + 1 > limits.depth) return fail(problems, path, `nested deeper than ${limits.depth} levels`);
    enclosing.add(v);
    stack.push({ leave: v });
    const entries: [string, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [`[${i}]`, x])
      : Object.entries(v).map(([k, x]) => [`.${k}`, x]);
    // Pushed in reverse, so the first finding is the first in document order.
    for (let i = entries.length - 1; i >= 0; i--)
      stack.push({ value: entries[i]![1], path: `${frame.path}${entries[i]![0]}`, depth: frame.depth + 1 });
  }
  return true;
}

function fail(problems: Problems, path: string, message: string): false {
  problems.add(path, message);
  return false;
}
