import type { Run } from '../protocol/api.js';

/**
 * What a command expects the server to answer, checked before it reads a field: a server that is
 * not Proctor (a proxy's page, another API) is then one sentence, not a TypeError deep in a view.
 */
export interface Shape<T> {
  /** In words, for the message: `a run`, `a list of plans`. */
  readonly what: string;
  is(v: unknown): v is T;
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Any JSON object: every answer of Proctor's API is one. */
export const OBJECT: Shape<Record<string, unknown>> = { what: 'a JSON object', is: isObject };

/** A run as the API returns it, as far as the views read it. */
export const RUN: Shape<Run> = {
  what: 'a run',
  is: (v): v is Run =>
    isObject(v) &&
    typeof v.id === 'number' &&
    typeof v.status === 'string' &&
    isObject(v.plan) &&
    typeof v.plan.name === 'string' &&
    isObject(v.counts),
};

/** A plan of `GET /api/v1/plans`, as far as `plans list` reads it. */
export const PLAN: Shape<{ id: number; name: string; definition: { framework: string; environments: string[] } }> = {
  what: 'a plan',
  is: (v): v is { id: number; name: string; definition: { framework: string; environments: string[] } } =>
    isObject(v) &&
    typeof v.id === 'number' &&
    typeof v.name === 'string' &&
    isObject(v.definition) &&
    Array.isArray(v.definition.environments),
};

/** `GET /api/v1/me`, as far as `login` reads it. */
export const ME: Shape<{ user: { name: string }; key: { name: string } }> = {
  what: "the key's user",
  is: (v): v is { user: { name: string }; key: { name: string } } => isObject(v) && isObject(v.user) && isObject(v.key),
};

/** `{ items: [...] }`, each item an object (or of `item`'s shape). */
export function listOf<T = Record<string, unknown>>(
  item: Shape<T> | null = null,
  what = `a list of ${item ? `${item.what.replace(/^an? /, '')}s` : 'items'}`,
): Shape<{ items: T[] }> {
  return {
    what,
    is: (v): v is { items: T[] } =>
      isObject(v) && Array.isArray(v.items) && v.items.every((i) => (item ?? OBJECT).is(i)),
  };
}
