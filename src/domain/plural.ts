/**
 * `1 scenario`, `2 scenarios`: a count with its noun. `many` defaults to the noun plus `s`.
 *
 * @example plural(1, 'scenario run') // '1 scenario run'
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
