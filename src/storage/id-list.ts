/**
 * The values of an `in (…)` of ids that may be none: SQL has no empty list, and no row has id -1,
 * so an empty list (a key limited to no visible project, a filter that kept nothing) matches nothing.
 */
export function idsOrNone(ids: readonly number[]): number[] {
  return ids.length > 0 ? [...ids] : [-1];
}
