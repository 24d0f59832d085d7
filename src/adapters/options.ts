import { AdapterError } from './types.js';

/**
 * Reads an adapter option that may be one string or a list of strings; `fallback` when absent.
 * Throws AdapterError('bad_options') naming the option when it has another shape.
 */
export function stringListOption(
  options: Record<string, unknown>,
  name: string,
  fallback: readonly string[],
): string[] {
  const value = options[name];
  if (value === undefined || value === null) return [...fallback];
  if (typeof value === 'string' && value !== '') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string' && v !== '')) {
    return value as string[];
  }
  throw new AdapterError('bad_options', `options.${name}: expected a non-empty string or list of strings`);
}

/** Reads an optional string option; throws AdapterError('bad_options') on another shape. */
export function stringOption(options: Record<string, unknown>, name: string): string | undefined {
  const value = options[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && value !== '') return value;
  throw new AdapterError('bad_options', `options.${name}: expected a non-empty string`);
}

/**
 * Whether the plan asks for queue mode with `worker: true` (frameworks whose worker Proctor
 * provides); throws AdapterError('bad_options') on another value.
 */
export function workerFlag(options: Record<string, unknown>, framework: string): boolean {
  const worker = options.worker;
  if (worker === undefined || worker === null || worker === false) return false;
  if (worker !== true) throw new AdapterError('bad_options', `options.worker: expected true for ${framework}`);
  return true;
}
